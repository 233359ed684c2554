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
