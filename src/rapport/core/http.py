"""Small helpers shared by views."""

from __future__ import annotations

import ipaddress

__all__ = ["client_ip"]


def client_ip(request) -> str | None:
    """The caller's address: behind ``settings.TRUSTED_PROXIES`` proxies, the entry of
    X-Forwarded-For that the outermost trusted proxy added (counted from the right, as
    allauth's login throttle does); else the connection's address.

    Always a plain IP address or None: the audit log stores it in an address column, which
    PostgreSQL refuses anything else for, and a page must not fail because a proxy wrote
    ``unknown`` or added a port. An entry that is not an address falls back to the
    connection's address."""
    from django.conf import settings

    forwarded = request.META.get("HTTP_X_FORWARDED_FOR") or ""
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    if settings.TRUSTED_PROXIES and hops:
        address = _plain_address(hops[-min(settings.TRUSTED_PROXIES, len(hops))])
        if address is not None:
            return address
    return _plain_address(request.META.get("REMOTE_ADDR") or "")


def _plain_address(value: str) -> str | None:
    """``value`` as a normalised IPv4 or IPv6 address, without the port some proxies add
    (``203.0.113.7:5555``, ``[2001:db8::1]:5555``) or an IPv6 zone (``fe80::1%eth0``,
    which PostgreSQL's inet type refuses); None if it is not an address."""
    candidate = value.strip()
    if candidate.startswith("["):
        candidate, bracket, _port = candidate[1:].partition("]")
        if not bracket:
            return None
    elif candidate.count(":") == 1:  # one colon: IPv4 with a port (IPv6 has at least two)
        candidate = candidate.partition(":")[0]
    candidate = candidate.partition("%")[0]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None
