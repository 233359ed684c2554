"""Small helpers shared by views."""

from __future__ import annotations

__all__ = ["client_ip"]


def client_ip(request) -> str | None:
    """The caller's address. Behind a proxy, the proxy's X-Forwarded-For is trusted only
    when RAPPORT_HTTPS is on (a deployment behind a TLS-terminating proxy)."""
    from django.conf import settings

    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if forwarded and settings.HTTPS:
        return forwarded.split(",")[0].strip()[:45] or None
    return (request.META.get("REMOTE_ADDR") or "")[:45] or None
