"""Filters for the client's check-in pages.

``crisis_text``: the clinic's crisis text (entered by its admin) as safe HTML: everything is
escaped, line breaks become ``<br>``, and phone numbers become tap-to-call ``tel:`` links
whose spaces do not break, so "0800 000 000" never wraps between "0800" and "000 000" on a
narrow phone. Only runs of digits, spaces and one leading "+" with 6 to 15 digits (the
longest international number, ITU-T E.164) count as a number: a year, a time ("9am") or a
price stays text.
"""

from __future__ import annotations

import re

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

__all__ = ["crisis_text", "linked_phone_numbers"]

register = template.Library()

# A "+" or a digit, then digits and single spaces, ending on a digit; not glued to other
# digits, letters or "+" on either side (so part of a longer code is not taken).
_NUMBER = re.compile(r"(?<![\w+])(\+?\d(?:[ ]?\d)+)(?![\w])")
_MIN_DIGITS, _MAX_DIGITS = 6, 15
_NO_BREAK_SPACE = "\u00a0"


def linked_phone_numbers(text: str) -> SafeString:
    """Escape ``text`` and turn each plausible phone number in it into a ``tel:`` link."""
    parts: list[str] = []
    position = 0
    for match in _NUMBER.finditer(text):
        number = match.group(1)
        digits = re.sub(r"\D", "", number)
        if not _MIN_DIGITS <= len(digits) <= _MAX_DIGITS:
            continue
        parts.append(escape(text[position : match.start(1)]))
        dial = ("+" if number.startswith("+") else "") + digits
        shown = escape(number).replace(" ", _NO_BREAK_SPACE)
        parts.append(f'<a href="tel:{dial}" class="tel">{shown}</a>')
        position = match.end(1)
    parts.append(escape(text[position:]))
    return mark_safe("".join(parts))  # noqa: S308 - every part above is escaped


@register.filter
def crisis_text(text: str) -> SafeString:
    lines = str(text).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return mark_safe("<br>".join(linked_phone_numbers(line) for line in lines))  # noqa: S308
