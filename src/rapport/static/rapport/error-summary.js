/* After a form comes back with errors, the focus moves to its error summary
   (.error-summary): a screen reader reads what needs correcting, and the keyboard goes on
   from there to the links to each field. role="alert" on the summary alone is not read out
   reliably when a page loads (the GOV.UK Design System's error summary does the same).

   Progressive enhancement: without JavaScript the summary is still at the top of the form,
   announced where the screen reader does, its links still going to each field. A file served
   by the app, not an inline script: the Content-Security-Policy allows scripts from 'self'
   only. Included on every page (base.html); it does nothing where there is no summary. */
(function () {
  "use strict";

  var summary = document.querySelector(".error-summary");
  if (!summary) {
    return;
  }
  // Focusable by script, not a Tab stop: set here for a summary a template wrote without it.
  if (!summary.hasAttribute("tabindex")) {
    summary.setAttribute("tabindex", "-1");
  }
  summary.focus();
})();
