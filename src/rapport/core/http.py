"""Small helpers shared by views."""

from __future__ import annotations

__all__ = ["client_ip"]


def client_ip(request) -> str | None:
    """The caller's address: behind ``settings.TRUSTED_PROXIES`` proxies, the entry of
    X-Forwarded-For that the outermost trusted proxy added (counted from the right, as
    allauth's login throttle does); else the connection's address."""
    from django.conf import settings

    forwarded = request.META.get("HTTP_X_FORWARDED_FOR") or ""
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    if settings.TRUSTED_PROXIES and hops:
        return hops[-min(settings.TRUSTED_PROXIES, len(hops))][:45]
    return (request.META.get("REMOTE_ADDR") or "")[:45] or None
