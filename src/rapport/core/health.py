"""``GET /healthz``: the process is up and answering, for load balancers and uptime checks.

Deliberately bare: no database, no session, no template, so it answers while the database is
being migrated or failed over, and it costs nothing to poll every few seconds. That also makes
it the baseline of ``bench/bench_checkins.py``: the cheapest Django view on the same server
(the middleware still runs). Anonymous callers, as a load balancer is, are never redirected by
the MFA and password-change middleware, which act only on signed-in users.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

__all__ = ["healthz"]


@never_cache  # a cached "ok" from a proxy would hide a process that has stopped
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")
