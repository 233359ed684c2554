/* Copy and Share buttons for the check-in link page (checkins/created.html).

   Progressive enhancement: without JavaScript the buttons stay hidden and the link stays in
   its text field, to select and copy by hand. A file served by the app, not an inline
   script: the Content-Security-Policy allows scripts from 'self' only. The page's words
   ("Copied", ...) come from the template, so they are translated with the rest. */
(function () {
  "use strict";

  function enhance(box) {
    var field = document.getElementById(box.getAttribute("data-share-link"));
    var copy = box.querySelector("[data-copy]");
    var share = box.querySelector("[data-share]");
    var status = box.querySelector("[data-status]");
    if (!field || !copy || !status) {
      return;
    }

    function say(text) {
      status.textContent = text;
    }

    function selectLink() {
      field.focus();
      field.select();
      field.setSelectionRange(0, field.value.length);
    }

    // The older way, for a browser without the Clipboard API (or one that refuses it): it
    // copies only a selection, so the link is selected in its field first. Returns false
    // where it cannot copy; the link stays selected then, ready to copy by hand.
    function copySelection() {
      selectLink();
      try {
        return document.execCommand("copy");
      } catch (error) {
        return false;
      }
    }

    // Once copied, the focus is (back) on the button: a screen reader says "Copied" and
    // does not read the whole link out, and the keyboard goes on from the button.
    function copyDone(copied) {
      if (copied && document.activeElement === field) {
        copy.focus();
      }
      say(copied ? box.getAttribute("data-copied") : box.getAttribute("data-not-copied"));
    }

    copy.addEventListener("click", function () {
      say("");
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(
          function () { copyDone(true); },
          function () { copyDone(copySelection()); }
        );
      } else {
        copyDone(copySelection());
      }
    });

    // What the share sheet gets: the link, with a title (an email's subject) and a short
    // text for the client, from the page (so they are translated) where it gives them.
    function shareData() {
      var data = { url: field.value };
      var title = box.getAttribute("data-share-title");
      var text = box.getAttribute("data-share-text");
      if (title) {
        data.title = title;
      }
      if (text) {
        data.text = text;
      }
      return data;
    }

    // The phone's own share sheet (messages, email ...), where the browser has one.
    if (share) {
      if (typeof navigator.share === "function") {
        share.addEventListener("click", function () {
          navigator.share(shareData()).catch(function () {
            // Closed without sharing: nothing to say.
          });
        });
      } else {
        share.parentNode.removeChild(share);
      }
    }
    box.hidden = false;
  }

  var boxes = document.querySelectorAll("[data-share-link]");
  for (var i = 0; i < boxes.length; i += 1) {
    enhance(boxes[i]);
  }
})();
