"""The versioned REST API (``/api/v1/``), built with django-ninja.

Authentication is a personal access token (``Authorization: Bearer rpt_...``) created with
``rapport token create``. A token acts as its user and sees exactly what that user sees on
the pages: the same scoped selectors answer 404 outside scope, and every read is audited.
Ninja's interactive docs page loads assets from a CDN, which the CSP forbids, so only the
OpenAPI document is served (``/api/v1/openapi.json``), to a live token like the endpoints.

Calls are rate limited per token, and refused tokens per caller address (``throttles``):
a live token is never held up by the refused ones sent from its address. A 429 says in its
body and its Retry-After header when to try again.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import wraps
from urllib.parse import urlencode

from django.http import HttpResponse
from ninja import Field, NinjaAPI, Query, Schema
from ninja.errors import AuthenticationError, Throttled, ValidationError
from ninja.security import HttpBearer
from pydantic import field_validator

from rapport.api.pagination import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    BadCursor,
    Position,
    cursor_for,
    position_from,
)
from rapport.api.selectors import expired_token_expiry, live_token, may_be_live, responses_page
from rapport.api.throttles import FailedAuthThrottle, TokenRateThrottle, retry_after_seconds
from rapport.audit.services import Action, audit_record
from rapport.clinic.selectors import get_client_for_user

__all__ = ["api"]


class TokenExpired(Exception):
    """A real token past its expiry: 401, saying so (a bare 'Unauthorized' left a
    researcher's script guessing whether the token was mistyped, revoked or expired)."""

    def __init__(self, expired_at: datetime):
        super().__init__(expired_at)
        self.expired_at = expired_at


class TokenAuth(HttpBearer):
    openapi_description = "A personal access token from `rapport token create --email ...`."

    def authenticate(self, request, token):
        """The token's user, or None (401).

        A live token goes ahead (counted against its own limit, ``TokenRateThrottle``)
        whatever else came from its address: a clinic's NAT or proxy shares one address,
        and someone else's stale script there must not lock out every working token
        behind it. A refused one is counted toward its address's limit of refused tokens,
        and past that limit gets a 429.

        Past the limit, a token is refused before it is looked up (no query of the token
        table, no hash) unless its shown prefix is a live token's (``may_be_live``, a
        cached list): so a flood of dead or made-up tokens from an address costs one
        cache read each, not a token lookup, while a live token still goes ahead. The
        trade-offs (docs/api.md, "Rate limits"): every call now reads its address's
        count first, a live one too (one cache read); a dead token that carries a live
        token's prefix is still looked up before its 429; and a token made in the very
        instant another worker rebuilt the cached list may be refused with the 429 for
        up to a minute, only while its address is over the limit."""
        failures = FailedAuthThrottle()  # one per request: it keeps the request's count
        over_limit = failures.over_limit(request)
        if over_limit and not may_be_live(token):
            failures.refuse()
        live = live_token(token)
        if live is not None:
            request.api_token_id = live.pk  # what TokenRateThrottle counts against
            return live.user
        if over_limit or not failures.count_failure(request):
            failures.refuse()
        expired_at = expired_token_expiry(token)
        if expired_at is not None:
            raise TokenExpired(expired_at)
        return None


def _token_required(view):
    """The OpenAPI document, for a live token only (else 401, or 429 as for any call).

    It holds no client data, but it maps every endpoint and parameter of an installation
    for anyone who can reach it; the scripts that use the API have a token anyway. Refused
    tokens count toward their address's limit, as on the endpoints."""

    @wraps(view)
    def with_token(request, *args, **kwargs):
        try:
            user = TokenAuth()(request)
        except (Throttled, TokenExpired) as exc:
            return api.on_exception(request, exc)
        if user is None:
            return api.on_exception(request, AuthenticationError())
        return view(request, *args, **kwargs)

    return with_token


api = NinjaAPI(
    title="Rapport API",
    version="1",
    description="Scoped, audited access to Rapport's data. See docs/api.md.",
    urls_namespace="api-v1",
    docs_url=None,
    docs_decorator=_token_required,
    auth=TokenAuth(),
    throttle=[TokenRateThrottle()],
)


@api.exception_handler(TokenExpired)
def token_expired(request, exc: TokenExpired):
    when = exc.expired_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    detail = (
        f"This token expired on {when}. Ask for a new one "
        "(rapport token create --email ... --days N)."
    )
    response = api.create_response(request, {"detail": detail}, status=401)
    response["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    return response


@api.exception_handler(Throttled)
def too_many_requests(request, exc: Throttled):
    """429 with when to retry, in words and in Retry-After, for the script that reads it."""
    seconds = retry_after_seconds(exc.wait)
    reason = getattr(exc, "message_text", "Too many requests for this token")
    unit = "second" if seconds == 1 else "seconds"
    detail = f"{reason}: try again in {seconds} {unit}." if seconds else f"{reason}."
    response = api.create_response(request, {"detail": detail}, status=429)
    if seconds:
        response["Retry-After"] = str(seconds)
    return response


class ErrorOut(Schema):
    detail: str


class InvalidRequestOut(Schema):
    """What ninja answers (422) to a path or query value of the wrong type: one entry per
    problem, each with its location (``loc``), message (``msg``) and type."""

    detail: list[dict]


class ResponseOut(Schema):
    id: int
    instrument: str
    instrument_version: str
    date: datetime
    received: datetime = Field(
        description="When Rapport recorded the response (what `since` filters on): for an "
        "import or a paper form entered later, after `date`."
    )
    total: float | None
    subscales: dict[str, float | None]
    band: str | None
    source: str
    prorated: bool
    completeness: float
    risk_flags: list[str]


class PageIn(Schema):
    """Where a page starts and how long it is (docs/api.md, "Paging")."""

    limit: int = Field(
        DEFAULT_LIMIT,
        ge=1,
        le=MAX_LIMIT,
        description=f"Responses per page, 1 to {MAX_LIMIT}; {DEFAULT_LIMIT} if not given.",
    )
    cursor: str | None = Field(
        None,
        max_length=500,
        description="The `X-Next-Cursor` of the previous page (also in its `Link` header); "
        "none for the first page.",
    )
    since: datetime | None = Field(
        None,
        description="Only responses recorded at or after this moment (ISO 8601 with a "
        "time zone, e.g. 2026-03-01T00:00:00Z): for a script that fetches what is new.",
    )

    @field_validator("since")
    @classmethod
    def _since_has_a_time_zone(cls, value: datetime | None) -> datetime | None:
        # A moment without a zone means a different instant on each server: refused
        # rather than read in the server's zone.
        if value is not None and value.tzinfo is None:
            raise ValueError(
                "since needs a time zone, e.g. 2026-03-01T00:00:00Z or 2026-03-01T09:00:00+01:00"
            )
        return value


def _invalid_cursor(message: str) -> ValidationError:
    """A bad cursor as the same 422 as any other bad query value (InvalidRequestOut)."""
    return ValidationError([{"loc": ["query", "cursor"], "msg": message, "type": "value_error"}])


def _next_page_url(request, page: PageIn, cursor: str) -> str:
    query = {"limit": page.limit, "cursor": cursor}
    if page.since is not None:
        query["since"] = page.since.isoformat()
    path = request.path  # this client's list, whatever prefix the API is mounted under
    return request.build_absolute_uri(f"{path}?{urlencode(query)}")


@api.get(
    "/clients/{client_id}/responses",
    response={
        200: list[ResponseOut],
        401: ErrorOut,
        404: ErrorOut,
        422: InvalidRequestOut,
        429: ErrorOut,
    },
    summary="A client's responses to questionnaires, oldest first, a page at a time",
    tags=["responses"],
)
def client_responses(request, response: HttpResponse, client_id: int, page: Query[PageIn]):
    """Each response with its instrument, date, total, subscales and band.

    At most `limit` responses (100 unless asked, 500 at most), oldest first by date, then
    id. When more follow, the `X-Next-Cursor` header holds the cursor for the next page
    and the `Link` header its URL (`rel="next"`); on the last page neither is sent. Paging
    by cursor reads each response once, even as new ones are recorded in between.

    404 when the client does not exist or is outside the token owner's scope; 422 for a
    bad `limit`, `since` or `cursor` (a cursor that was changed, or given for another
    client: start again without one); 429 past the rate limits (docs/api.md), with
    Retry-After.
    """
    user = request.auth
    client = get_client_for_user(user, client_id)
    after = None
    if page.cursor:  # an empty cursor= is the first page, as a script's first call may send
        try:
            after = position_from(page.cursor, client_id=client.pk)
        except BadCursor as exc:
            raise _invalid_cursor(str(exc)) from None
    responses, more = responses_page(
        client, after=after, received_since=page.since, limit=page.limit
    )
    audit_record(
        actor=user, action=Action.VIEW, target="api:responses", client_id=client.pk, request=request
    )
    if more:
        last = responses[-1]
        cursor = cursor_for(client.pk, Position(last.administered_at, last.pk))
        response["X-Next-Cursor"] = cursor
        response["Link"] = f'<{_next_page_url(request, page, cursor)}>; rel="next"'
    return [
        ResponseOut(
            id=r.pk,
            instrument=r.instrument_id,
            instrument_version=r.instrument_version,
            date=r.administered_at,
            received=r.received_at,
            total=r.total,
            subscales=r.subscales,
            band=r.band or None,
            source=r.source,
            prorated=r.prorated,
            completeness=r.completeness,
            risk_flags=r.risk_flags,
        )
        for r in responses
    ]
