"""``GET /healthz``: the process is up and its database answers, for load balancers,
uptime checks and a probe on the server itself (``curl http://127.0.0.1:8000/healthz``).

:class:`HealthCheckMiddleware` answers it first in the middleware list, before
SecurityMiddleware and CommonMiddleware:

* not redirected to HTTPS (a local probe speaks plain HTTP to gunicorn; behind a TLS proxy
  its request carries no ``X-Forwarded-Proto``);
* whatever ``Host`` it names: a probe to ``127.0.0.1`` is not a DisallowedHost error (400
  and a logged traceback). The answer never echoes the host nor depends on it, and holds no
  client data, so the host check (which protects links built from the request's host)
  has nothing to protect here;
* no session, no cookie, no audit row, no template.

It runs ``SELECT 1`` on every probe and checks once per process, until it holds, that every
migration is applied: 503 with one word of reason when the database is unreachable or not
migrated (a new release started before ``rapport migrate``), so a load balancer stops
sending traffic to a process that can only answer 500. The reason names no host, user or
error text.

Likewise once per process until it holds: the process's RAPPORT_SECRET_KEY is the one the
database was set up with (``operations.secret_key_mismatch``, the check every command
makes). A process started with another key (a backup restored with a new one, a second
server configured apart) answers every page, but the check-in links clients hold, sign-in
sessions and API cursors it signed fail quietly: 503 ``secret key mismatch``, naming neither
key nor fingerprint. No fingerprint stored yet holds (``rapport serve`` and ``rapport
migrate`` store this key's before anything is served).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

__all__ = ["HEALTH_PATH", "HealthCheckMiddleware", "database_problem", "healthz"]

HEALTH_PATH = "/healthz"

#: Set once every migration is found applied: migrations are not unapplied under a
#: running process, so the check (which reads the migration files) runs only until then.
_migrated = False
#: Set once the secret key is found to be the database's: a process's key does not change.
_secret_key_held = False


def database_problem() -> str | None:
    """None when the database answers, is fully migrated and was set up with this
    process's secret key, else a short reason."""
    global _migrated, _secret_key_held
    from django.db import connection
    from django.db.utils import Error as DatabaseError

    from rapport.core.operations import secret_key_mismatch

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        if not _migrated:
            from django.db.migrations.executor import MigrationExecutor

            executor = MigrationExecutor(connection)
            if executor.migration_plan(executor.loader.graph.leaf_nodes()):
                return "database not migrated"
            _migrated = True
        if not _secret_key_held:
            if secret_key_mismatch():
                return "secret key mismatch"
            _secret_key_held = True
    except DatabaseError:
        return "database unreachable"
    return None


def _answer(request: HttpRequest) -> HttpResponse:
    if request.method not in ("GET", "HEAD"):
        response = HttpResponse(status=405, content_type="text/plain; charset=utf-8")
        response["Allow"] = "GET, HEAD"
    else:
        problem = database_problem()
        response = HttpResponse(
            problem or "ok",
            status=503 if problem else 200,
            content_type="text/plain; charset=utf-8",
        )
    # A cached "ok" from a proxy would hide a process that has stopped.
    response["Cache-Control"] = "max-age=0, no-cache, no-store, must-revalidate, private"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def healthz(request: HttpRequest) -> HttpResponse:
    """The same answer as a view (the URL stays named; the middleware answers first)."""
    return _answer(request)


class HealthCheckMiddleware:
    """Answers ``/healthz`` before any other middleware (see the module's docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == HEALTH_PATH:
            return _answer(request)
        return self.get_response(request)
