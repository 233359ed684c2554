"""How a page names a colleague who did something: their name and their role.

Who recorded a follow-up or acted on an alert matters clinically: a therapist must see when
their supervisor closed a risk answer, not just that it was closed. Every page names them
the same way, from here.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

__all__ = ["is_the_reader", "marked_as_you", "name_with_role", "role_word"]


def name_with_role(user: Any, *, viewer: Any = None) -> str:
    """ "Morgan Lee (supervisor)": the account's name (``str(user)``: its email when it has
    no full name) and its role; "Morgan Lee (you)" when the reader (``viewer``) is that
    account; "" for an account since removed (``None``), which each page words on its own."""
    if user is None:
        return ""
    if is_the_reader(user, viewer):
        return marked_as_you(user)
    return _("%(name)s (%(role)s)") % {"name": user, "role": role_word(user)}


def role_word(user: Any) -> str:
    """The account's role as it reads inside a sentence: "supervisor", "therapist"."""
    return user.get_role_display().lower()


def is_the_reader(user: Any, viewer: Any) -> bool:
    """Whether ``user`` is the account reading the page (``viewer``; None: nobody named)."""
    return user is not None and viewer is not None and getattr(viewer, "pk", None) == user.pk


def marked_as_you(name: Any) -> str:
    """ "Morgan Lee (you)": the reader's own name where colleagues are named beside it."""
    return _("%(name)s (you)") % {"name": name}
