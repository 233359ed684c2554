"""The app's URLs with the app's 429 handler named on them, as allauth looks it up on the
root URLconf (``handler429``): for the tests of its Retry-After header until
``rapport.urls`` names it itself."""

from rapport.urls import urlpatterns

__all__ = ["handler429", "urlpatterns"]

handler429 = "rapport.accounts.rate_limits.too_many_requests"
