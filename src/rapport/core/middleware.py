"""Cross-cutting HTTP behaviour."""

from __future__ import annotations


class NoStoreMiddleware:
    """Pages showing client data must not linger in shared browser or proxy caches."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith("/static/"):
            response.setdefault("Cache-Control", "no-store")
        return response


# Browser features no Rapport page uses, denied to every page and anything it could embed:
# a page that cannot ask for the camera or the location cannot be made to, whatever script
# or frame got into it. (The CSP already allows only our own scripts; this holds even then.)
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "bluetooth",
        "camera",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
)

#: The client's pages: their URL holds the check-in link's token (a credential).
CLIENT_PAGES = "/c/"


class SecurityHeadersMiddleware:
    """Headers Django's SecurityMiddleware does not send: ``Permissions-Policy`` on every
    response, and ``Referrer-Policy: no-referrer`` on the client's pages.

    The site's policy (settings.SECURE_REFERRER_POLICY, ``same-origin``) still sends the full
    address to our own server: a client page's requests for its stylesheet and icon, and
    the form's own submission, would carry ``/c/<token>/`` in ``Referer``, which a reverse
    proxy logs. Nothing on those pages needs a referrer (the page is exempt from the CSRF
    check, which would otherwise want one over HTTPS)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if request.path_info.startswith(CLIENT_PAGES):
            # Set, not setdefault: SecurityMiddleware adds the site's policy only where
            # none is set, so this one stands.
            response["Referrer-Policy"] = "no-referrer"
        return response
