"""``{% rate_limit_wait as wait %}``: on the 429 page, how long to wait before trying
again, in words ("1 minute", "5 minutes"), or "" when it is not known
(``rapport.accounts.rate_limits``)."""

from __future__ import annotations

from django import template

from rapport.accounts.adapter import _duration_in_words
from rapport.accounts.rate_limits import wait_seconds

register = template.Library()


@register.simple_tag(takes_context=True)
def rate_limit_wait(context) -> str:
    request = context.get("request")
    seconds = None if request is None else wait_seconds(request)
    return "" if seconds is None else _duration_in_words(seconds)
