"""Every URL pattern of the project, requested by every role, never leaks client data and
never changes it from outside the client's scope (DESIGN §5).

The patterns are enumerated from the URL resolver, not from a hand-kept list: a new
pattern is covered automatically, and a pattern with a URL parameter this test does not
know how to fill fails the test until someone adds it to the ``world`` fixture's values.

What "client data" means here is found through Django's app registry too: every model with
a foreign-key path to a client (:func:`client_linked_models`), so a new model is compared
without anyone remembering to add it. Every free-text field of the clients' records carries
a canary, and every pattern that takes a POST is sent a *valid* form (``POSTS``): an empty
POST is refused by the form before any scope bug could write, so it proves nothing. A
pattern that takes a POST and has no entry in ``POSTS`` fails the test until someone adds one.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from http.cookies import SimpleCookie

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, models, transaction
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from tests.conftest import CANARY, PASSWORD

from rapport.accounts.models import SupervisionLink, User
from rapport.audit.models import AuditEvent
from rapport.clinic.models import Client, EndReason, Episode, Goal, GoalStatus, Phase

#: Client B's canary. Client B belongs to therapist B, whom the supervisor does not
#: supervise: the supervisor (and therapist A) must see and change none of it.
CANARY_B = "Canary-b51e"


def iter_patterns(patterns=None, prefix=""):
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            yield from iter_patterns(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def _fill(route: str, values: dict) -> str:
    """Turn a route like 'clients/<int:client_id>/' into a concrete path."""

    def replace(match):
        name = match.group("name")
        if name not in values:
            pytest.fail(
                f"URL parameter <{name}> in {route!r} has no value: add it to the `values` of "
                f"the `world` fixture in {__file__} so the scope test covers the new pattern."
            )
        return str(values[name])

    # Regex routes (allauth uses a few) first: fill their named groups, drop the anchors.
    path = re.sub(r"\(\?P<(?P<name>[^>]+)>[^)]*\)", replace, route)
    path = path.replace("^", "").replace("$", "")
    path = re.sub(r"<(?:(?P<conv>[^>:]+):)?(?P<name>[^>]+)>", replace, path)
    return "/" + path


# -- the world: two clients whose every free-text field carries a canary -------------------


def _transcript_text(canary: str) -> bytes:
    # The client speaker's name and words both carry the canary: names are client data too.
    return (
        f"Therapist: How was the week?\n{canary}-speaker-name: {canary}-transcript-words "
        "was a hard week.\n"
    ).encode()


def _checkin_objects(client, appointment, canary):
    """An open check-in link, a PHQ-9 with a risk answer (item 9) and a session check-in
    whose comment carries the canary."""
    from rapport.checkins.services import checkin_create
    from rapport.measures.services import response_record

    checkin, token = checkin_create(
        actor=None, appointment=appointment, instrument_id="session-checkin"
    )
    response, _ = response_record(
        client=client,
        instrument_id="phq9",
        answers={f"phq9_{n}": 1 for n in range(1, 10)},
        source="import",
        idempotency_key=f"scope-test-{client.pk}",
        administered_at=appointment.starts_at,
        appointment=appointment,
    )
    assert response.has_unreviewed_risk, "the risk-review URL needs a risk notice to clear"
    response_record(
        client=client,
        instrument_id="session-checkin",
        answers={
            "goals": 8,
            "approach": 8,
            "relationship": 8,
            "overall": 8,
            "pushed": 0,
            "differently": f"{canary}-checkin-comment",
        },
        source="import",
        idempotency_key=f"scope-test-{client.pk}-2",
        administered_at=appointment.starts_at,
        appointment=appointment,
    )
    return checkin, token, response


def _transcript_object(appointment, canary):
    """A transcript awaiting roles, whose file name, speaker name and words carry the canary."""
    from rapport.transcripts.parsing import parse_transcript
    from rapport.transcripts.services import transcript_upload

    filename = f"{canary}-file-name.txt"
    parsed = parse_transcript(_transcript_text(canary), filename)
    return transcript_upload(actor=None, appointment=appointment, parsed=parsed, filename=filename)


def _monitoring_objects(client, episode, canary):
    """An open alert with a repair log entry, an earlier dismissed alert (its reason and the
    repair note carry the canary), and a strategy of the clinic's guidance library."""
    from rapport.guidance.models import Strategy
    from rapport.guidance.services import library_load
    from rapport.monitoring.models import Alert, AlertStatus, RepairAction

    now = timezone.now()
    library_load(clinic=client.clinic)
    signal = {
        "client": client,
        "episode": episode,
        "kind": "not_on_track",
        "severity": "medium",
        "explanation": "Scope test alert.",
        "source": "Scope test.",
        "first_detected_at": now,
        "last_detected_at": now,
    }
    alert = Alert.objects.filter(episode=episode, status=AlertStatus.OPEN).first()
    if alert is None:
        alert = Alert.objects.create(signal_key="not_on_track:scope-test:1", **signal)
    Alert.objects.create(
        signal_key="not_on_track:scope-test:0",
        status=AlertStatus.DISMISSED,
        dismissed_at=now,
        dismiss_reason=f"{canary}-dismissal-reason",
        **signal,
    )
    RepairAction.objects.create(
        alert=alert,
        client=client,
        episode=episode,
        note=f"{canary}-repair-note",
        performed_on=timezone.localdate() - timedelta(days=1),
    )
    return alert, Strategy.objects.filter(clinic=client.clinic).first()


def _fill_free_text(client, episode, canary) -> None:
    """The contact details, referral source, an extra goal, and an earlier ended episode
    with its ending summary, all carrying the canary."""
    client.email = f"{canary}-email@example.invalid"
    client.phone = f"{canary}-phone"
    client.save()
    episode.referral_source = f"{canary}-referral-source"
    episode.save()
    Goal.objects.create(episode=episode, text=f"{canary}-second-goal")
    today = timezone.localdate()
    earlier = Episode.objects.create(
        client=client,
        phase=Phase.CLOSED,
        started_on=today - timedelta(days=400),
        ended_on=today - timedelta(days=300),
        end_reason=EndReason.PLANNED,
        referral_source=f"{canary}-earlier-referral-source",
        ending_summary=f"{canary}-ending-summary",
    )
    Goal.objects.create(episode=earlier, text=f"{canary}-earlier-goal", status=GoalStatus.ACHIEVED)


def _refused_risk_answer(checkin):
    """A risk answer sent on a link that could no longer be used, not followed up yet (the
    follow-up URL needs one to clear)."""
    from rapport.checkins.models import RefusedRiskAnswer

    return RefusedRiskAnswer.objects.create(
        checkin=checkin,
        client_id=checkin.client_id,
        instrument_id="phq9",
        items=["phq9_9"],
        sent_at=timezone.now(),
        reason="expired",
        submission_key=f"checkin:{checkin.pk}:scope-test",
    )


def _client_objects(client, canary) -> dict:
    """The URL values of one client's objects, after filling the record with the canary."""
    episode = client.episodes.get()
    appointment = episode.appointments.first()
    goal = episode.goals.get()
    checkin, token, response = _checkin_objects(client, appointment, canary)
    alert, strategy = _monitoring_objects(client, episode, canary)
    transcript = _transcript_object(appointment, canary)
    refused = _refused_risk_answer(checkin)
    _fill_free_text(client, episode, canary)
    return {
        "client_id": client.pk,
        "episode_id": episode.pk,
        "goal_id": goal.pk,
        "appointment_id": appointment.pk,
        "checkin_id": checkin.pk,
        "response_id": response.pk,
        "notice_id": refused.pk,
        "transcript_id": transcript.pk,
        "alert_id": alert.pk,
        "strategy_id": strategy.pk,
        # The client's own link (the URL values carry a made-up token).
        "real_token": token,
    }


def _signed_in_sessions(http, users) -> dict[int, str]:
    """One session per user, made once, outside every request's savepoint: a request then
    only presents its cookie (signing in again for each of a thousand requests would double
    the test's time on PostgreSQL)."""
    sessions = {}
    for user in users.values():
        if user is not None:
            # An empty jar, or signing in would end the previous user's session.
            http.cookies = SimpleCookie()
            http.force_login(user)
            sessions[user.pk] = http.cookies[settings.SESSION_COOKIE_NAME].value
    for user in users.values():
        # Else every role would quietly be an anonymous visitor, and every check pass.
        with rolled_back():
            seen_as = send(http, {"sessions": sessions}, user, "get", "/").wsgi_request.user
        assert seen_as.pk == getattr(user, "pk", None), f"{user}'s session does not work"
    return sessions


@dataclass
class Target:
    """One client, the canary in their record, and who is outside their scope."""

    name: str
    client: Client
    canary: str
    values: dict
    #: Roles that must neither see nor change this client's data.
    outside: tuple[str, ...]
    #: The client's own therapist (in scope) and a colleague (outside it).
    therapist: User
    colleague: User
    supervisor: User


@pytest.fixture
def world(client, clinic, therapist_a, therapist_b, supervisor, admin_user, client_a, client_b):
    staff_values = {
        # Staff objects (admin pages).
        "link_id": SupervisionLink.objects.get().pk,
        # allauth's tokens and keys: meaningless values are fine, they must not leak.
        "uidb36": "zz",
        "key": "not-a-real-key",
        "provider_id": "none",
        "token": "not-a-real-token",
        # The client link's catch-all (a link a messaging app mangled): any path under /c/.
        "rest": "not-a-real-token/).",
        "pk": 999999,
    }
    values_a = {**_client_objects(client_a, CANARY), **staff_values, "user_id": therapist_a.pk}
    values_b = {**_client_objects(client_b, CANARY_B), **staff_values, "user_id": therapist_b.pk}
    users = {
        "therapist_a": therapist_a,
        "therapist_b": therapist_b,
        "supervisor": supervisor,
        "admin": admin_user,
        "anonymous": None,
    }
    return {
        "users": users,
        "sessions": _signed_in_sessions(client, users),
        # Object ids of client A's data (in scope for therapist A and the supervisor).
        "values": values_a,
        "client_a": client_a,
        "targets": [
            Target(
                "client A",
                client_a,
                CANARY,
                values_a,
                outside=("therapist_b", "admin", "anonymous"),
                therapist=therapist_a,
                colleague=therapist_b,
                supervisor=supervisor,
            ),
            # The admin and anonymous visitors are already tried on client A's URLs: the
            # same code paths, so client B adds only the roles whose scope differs.
            Target(
                "client B",
                client_b,
                CANARY_B,
                values_b,
                outside=("supervisor", "therapist_a"),
                therapist=therapist_b,
                colleague=therapist_a,
                supervisor=supervisor,
            ),
        ],
    }


# -- what "client data" is, and how to tell it changed --------------------------------------


@functools.cache
def client_linked_models() -> dict[type[models.Model], str]:
    """Every installed model whose rows belong to a client, with the ORM lookup from the
    model to the client's id (``"episode__client"`` for a goal).

    Found from the app registry by following foreign keys back to ``clinic.Client``
    (breadth first, so the shortest path wins), so a model added later is covered without
    anyone remembering to. The audit log is left out: it grows with every permitted read,
    and keeps the client's id as a plain number, not a foreign key, on purpose.
    """
    paths: dict[type[models.Model], str] = {Client: "pk"}
    frontier: list[type[models.Model]] = [Client]
    while frontier:
        found: list[type[models.Model]] = []
        for model in apps.get_models():
            if model in paths or model is AuditEvent:
                continue
            for model_field in model._meta.concrete_fields:
                related = model_field.related_model if model_field.is_relation else None
                if related in frontier:
                    to_client = paths[related]
                    paths[model] = (
                        model_field.name
                        if to_client == "pk"
                        else f"{model_field.name}__{to_client}"
                    )
                    found.append(model)
                    break
        frontier = found
    return paths


def snapshot(client) -> dict[str, dict]:
    """Every column of every row linked to ``client``, by model and primary key.

    The values are read as stored (ciphertext, not decrypted text): a write that stores the
    same words again still shows, and the snapshots taken around each of several hundred
    requests stay cheap.
    """
    result = {}
    with connection.cursor() as cursor:
        for label, columns, sql, params in _snapshot_queries(client.pk):
            cursor.execute(sql, params)
            result[label] = {row[0]: dict(zip(columns, row, strict=True)) for row in cursor}
    return result


@functools.cache
def _snapshot_queries(client_id: int) -> tuple[tuple[str, list[str], str, tuple], ...]:
    queries = []
    for model, path in client_linked_models().items():
        pk = model._meta.pk.attname
        columns = [pk, *(f.attname for f in model._meta.concrete_fields if f.attname != pk)]
        rows = model._base_manager.filter(**{path: client_id}).order_by("pk")
        sql, params = rows.values_list(*columns).query.sql_with_params()
        queries.append((model._meta.label, columns, sql, params))
    return tuple(queries)


def snapshot_changes(before: dict, after: dict) -> list[str]:
    """What changed, by model, row and field name (never the values: they are client text)."""
    changes = []
    for label, rows_before in before.items():
        rows_after = after[label]
        for pk in rows_before.keys() - rows_after.keys():
            changes.append(f"{label} {pk} deleted")
        for pk in rows_after.keys() - rows_before.keys():
            changes.append(f"{label} {pk} created")
        for pk in rows_before.keys() & rows_after.keys():
            changed = [k for k, v in rows_before[pk].items() if rows_after[pk][k] != v]
            if changed:
                changes.append(f"{label} {pk}: {', '.join(changed)} changed")
    return changes


def canaries_in(body: str, canary: str) -> list[str]:
    """The canary markers in a page, which name the field they came from."""
    return sorted(set(re.findall(re.escape(canary) + r"[\w.@-]*", body)))


@contextmanager
def rolled_back() -> Iterator[None]:
    """Each request starts from the same world: what it wrote is undone afterwards (a
    savepoint), so a permitted write cannot hide or fake a forbidden one later on."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def send(http, world, user, method: str, path: str, data=None):
    # A fresh cookie jar: a sign-out, a sign-in or a new session key set by the previous
    # response was rolled back with it.
    http.cookies = SimpleCookie()
    if user is not None:
        http.cookies[settings.SESSION_COOKIE_NAME] = world["sessions"][user.pk]
    return getattr(http, method)(path, data if data is not None else {}, follow=False)


def audit_rows_about(client) -> int:
    return AuditEvent.objects.filter(client_id=client.pk).count()


def check_outside_request(
    http, world, user, method, path, target, *, prepare=None, data=None, may_write=False
):
    """Send one request from outside ``target``'s scope; return what went wrong. With
    ``may_write`` (a write that is the role's job) only what the page shows is checked."""
    problems = []
    with rolled_back():
        if prepare is not None:
            prepare(target)
        before, audited = snapshot(target.client), audit_rows_about(target.client)
        response = send(http, world, user, method, path, data() if callable(data) else data)
        body = response.content.decode("utf-8", "replace")
        if leaked := canaries_in(body, target.canary):
            problems.append(f"saw {target.name}'s {leaked}")
        if may_write:
            return problems
        if changes := snapshot_changes(before, snapshot(target.client)):
            problems.append(f"changed {target.name}'s data: {'; '.join(changes)}")
        if audit_rows_about(target.client) != audited:
            problems.append(f"was audited as reading or writing {target.name}'s data")
    return problems


# -- every URL, every role, GET and an empty POST -------------------------------------------

#: Canary fields no page shows, even to the client's own therapist (an alert's dismissal
#: reason, the uploaded file's name, an ended episode's referral source): they cannot prove
#: a leak today, and are planted so that a page that starts showing them is checked.
NOT_SHOWN_TO_ANYONE = {
    f"{CANARY}-dismissal-reason",
    f"{CANARY}-file-name.txt",
    f"{CANARY}-earlier-referral-source",
}


@pytest.mark.django_db
def test_every_url_pattern_keeps_client_a_data_inside_its_scope(client, world):
    routes = list(iter_patterns())
    assert len(routes) > 15, "the resolver should expose the whole project"
    # In-scope roles do see the client: proves the canary would be caught if it leaked.
    for role in ("therapist_a", "supervisor"):
        client.force_login(world["users"][role])
        assert CANARY in client.get(f"/clients/{world['client_a'].pk}/").content.decode()
    problems = []
    shown_in_scope: set[str] = set()
    checked = 0
    client_a_target, client_b_target = world["targets"]
    for target in world["targets"]:
        # Client B adds only the roles whose scope differs, and only reads: its valid writes
        # are the next test's.
        roles = world["users"] if target is client_a_target else client_b_target.outside
        methods = ("get", "post") if target is client_a_target else ("get",)
        for route, _pattern in routes:
            path = _fill(route, target.values)
            for role in roles:
                user = world["users"][role]
                if role not in target.outside:
                    # In scope: what the client's own clinicians are shown (their writes
                    # are the next test's, with valid forms).
                    with rolled_back():
                        body = send(client, world, user, "get", path).content.decode()
                    shown_in_scope.update(canaries_in(body, target.canary))
                    checked += 1
                    continue
                for method in methods:
                    found = check_outside_request(client, world, user, method, path, target)
                    problems += [f"{role} {method.upper()} {path} {p}" for p in found]
                    checked += 1
    assert not problems, "\n".join(problems)
    assert checked >= len(routes) * 10
    # Each canary field is shown somewhere in scope, so its absence elsewhere means something.
    planted = _planted_markers(world["client_a"], CANARY)
    assert planted - NOT_SHOWN_TO_ANYONE <= shown_in_scope, (
        f"never shown in scope: {sorted(planted - shown_in_scope)}"
    )


def _planted_markers(client, canary) -> set[str]:
    """Every canary marker stored in the client's record (read back and decrypted)."""
    markers: set[str] = set()
    for model, path in client_linked_models().items():
        for row in model._base_manager.filter(**{path: client.pk}).values():
            markers.update(canaries_in(json.dumps(row, default=str), canary))
    return markers


# -- every URL that takes a POST, sent a valid form from outside the scope ------------------


def _today(days: int = 0) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


def _alert_form(target: Target, data: dict) -> dict:
    """An alert's form as its page sends it: with the alert's version as shown (a form
    without it is refused as if the alert had changed, ``monitoring.services``)."""
    from rapport.monitoring.models import Alert
    from rapport.monitoring.services import alert_version

    return {**data, "shown": alert_version(Alert.objects.get(pk=target.values["alert_id"]))}


def _transcript_file(target):
    return {"file": SimpleUploadedFile("session.txt", _transcript_text("Another"))}


def _wording_file(target):
    """A complete wording file for the SRS, built from the registry (tests/checkins)."""
    from rapport.measures.registry import get_instrument

    instrument = get_instrument("srs")
    anchors = {}
    for item in instrument.items:
        labels = {str(o.value): f"Label {o.value}" for o in (*item.options, *item.anchors)}
        if labels:
            anchors[item.id] = labels
    text = json.dumps(
        {
            "instrument": instrument.id,
            "version": instrument.version,
            "instructions": "Instructions.",
            "items": {item.id: f"Scale {n}" for n, item in enumerate(instrument.items, 1)},
            "anchors": anchors,
        }
    )
    return {"file": SimpleUploadedFile("srs.json", text.encode(), "application/json")}


def _questionnaire_answers(target):
    from rapport.checkins.services import new_form_key

    return {
        "form_key": new_form_key(),
        **{item: "8" for item in ("goals", "approach", "relationship", "overall")},
        "pushed": "0",
        "differently": "Nothing.",
    }


def _strategy(target):
    return {
        "title": "Ask what would help",
        "text": "Ask the client what would make the next session more useful.",
        "sources": "Scope test source, 2020.",
        "kinds": ["not_on_track"],
        "priority": "50",
    }


def _client_details(target):
    # The form's hidden key is posted empty, as the edit page renders it.
    return {"form_key": "", "display_name": "Renamed", "birth_year": "1991", "email": ""}


def _close_open_episode(target) -> None:
    # One open episode at a time (clinic.services.episode_create): with the current one
    # open the service refuses before any scope check could matter.
    target.client.episodes.filter(ended_on__isnull=True).update(
        phase=Phase.CLOSED, ended_on=timezone.localdate()
    )


def _booked_in_error(target) -> None:
    """The target's appointment as one booked in error: a year ahead, with nothing sent or
    given for it (its links, answers and transcripts removed), so the rightful therapist's
    deletion succeeds and a refusal from anyone else is the scope's doing."""
    from rapport.clinic.models import Appointment

    appointment = Appointment.objects.get(pk=target.values["appointment_id"])
    for relation in Appointment._meta.related_objects:
        relation.related_model._default_manager.filter(
            **{relation.field.name: appointment}
        ).delete()
    appointment.starts_at = timezone.now() + timedelta(days=365)
    appointment.save(update_fields=["starts_at"])


def _colleague_profile(target) -> None:
    """The colleague can be offered a referral (rapport.matching): they have a profile."""
    from rapport.matching.models import TherapistProfile

    TherapistProfile.objects.update_or_create(user=target.colleague)


def _referral_proposal(target):
    return {"to_therapist": target.colleague.pk, "consent": "on", "language": ""}


def _open_referral(target, to=None) -> None:
    """An open referral of the client by their therapist (to the colleague by default)."""
    from rapport.matching.models import Referral

    Referral.objects.create(
        client=target.client,
        from_therapist=target.therapist,
        to_therapist=to or target.colleague,
        consent_recorded_at=timezone.now(),
    )


def _referral_to_a_third_colleague(target) -> None:
    """Offered to a therapist none of the roles is: nobody sending the form may answer."""
    third = User.objects.create(
        email="third.colleague@test.invalid", clinic=target.client.clinic, role="therapist"
    )
    _open_referral(target, to=third)


def _referral_answer(target):
    from rapport.matching.models import Referral

    referral = Referral.objects.filter(client=target.client).latest("pk")
    return {"referral": referral.pk, "decision": "accept"}


@dataclass(frozen=True)
class Post:
    """A valid form for one URL pattern, and what its rightful sender achieves with it."""

    #: The form's fields, built per client (a file can be read only once, so each request
    #: gets a fresh one).
    data: Callable[[Target], dict] = lambda target: {}
    #: Who may send it ("therapist" = the client's own, "admin", "anonymous"; None: no check
    #: that the form works, see the entry's comment). Their POST must succeed.
    sender: str | None = "therapist"
    #: The rightful sender's POST changes the client's data (proves the snapshot sees it).
    writes_client_data: bool = True
    #: Puts the world in the state the form needs, inside each request's savepoint.
    prepare: Callable[[Target], None] | None = None
    #: Roles whose change to the client's data is their job, not a scope leak.
    may_change_client_data: tuple[str, ...] = field(default=())
    #: URL values only the rightful sender has (the client's own link).
    sender_values: Callable[[Target], dict] = lambda target: {}
    #: What the rightful sender gets back: a redirect, or the client's thank-you page.
    success_status: int = 302


#: A POST answered like a GET (the view reads no form): no data needed.
READ_ONLY = Post(sender=None, writes_client_data=False)
#: A button with no fields: the POST itself is the action.
BUTTON = Post()


def own_account(data: Callable[[Target], dict] = lambda target: {}) -> Post:
    """A sign-in or account page (allauth, and the pages replacing some of it): it works on
    the visitor's own account, never on client data, so only the scope checks run."""
    return Post(data, sender=None, writes_client_data=False)


#: What a person types from an email or an authenticator app: no test can know it, so
#: these forms are filled with a well-formed guess that can never succeed.
GUESSED_CODE = own_account(lambda target: {"code": "123456"})
NEW_PASSWORD = "a-long-new-password-7"


#: A valid form for every URL pattern that takes a POST, by URL name (or route without one).
POSTS: dict[str, Post] = {
    # -- clinician pages ------------------------------------------------------------------
    "home": READ_ONLY,
    "caseload": READ_ONLY,
    "client_detail": READ_ONLY,
    "client_create": Post(
        lambda t: {"form_key": "scope-test", "display_name": "New Client", "birth_year": "1991"},
        # Creates a new client of the sender's own; the existing client is untouched.
        writes_client_data=False,
    ),
    "client_edit": Post(_client_details),
    "episode_create": Post(
        lambda t: {"started_on": _today(), "attendance_basis": "voluntary"},
        prepare=_close_open_episode,
    ),
    "episode_edit": Post(
        lambda t: {
            "started_on": _today(-60),
            "attendance_basis": "mandated_work",
            "referral_source": "Occupational health",
            "phase": "maintaining",
        }
    ),
    "episode_end": Post(
        lambda t: {"ended_on": _today(), "end_reason": "planned", "summary": "Goals met."}
    ),
    "goal_create": Post(lambda t: {"text": "Sleep through the night"}),
    "goal_edit": Post(lambda t: {"text": "Feel calmer", "status": "achieved"}),
    "appointment_create": Post(
        lambda t: {
            "starts_at": (timezone.localtime() + timedelta(days=14)).strftime("%Y-%m-%dT%H:%M"),
            "modality": "video",
            "duration_minutes": "50",
        }
    ),
    "appointment_attendance": Post(lambda t: {"attendance": "attended"}),
    "appointment_delete": Post(prepare=_booked_in_error),
    # The client's link: the token is the credential, and whoever holds the real one may
    # answer by design (DESIGN §5); a made-up token with a valid form must store nothing.
    "checkin_answer": Post(
        _questionnaire_answers,
        sender="anonymous",
        sender_values=lambda t: {"token": t.values["real_token"]},
        success_status=200,
    ),
    # The same page reached through a mangled link ("/c/<token>/)."): the same rule.
    "checkin_answer_mangled": Post(
        _questionnaire_answers,
        sender="anonymous",
        sender_values=lambda t: {"rest": t.values["real_token"] + "/)."},
        success_status=200,
    ),
    "checkin_new": Post(lambda t: {"instrument": "phq9", "timing": "after", "mode": "link"}),
    "checkin_revoke": BUTTON,
    "response_risk_reviewed": Post(lambda t: {"note": "Phoned the client; safety plan reviewed."}),
    "refused_risk_reviewed": Post(lambda t: {"note": "Phoned the client; safety plan reviewed."}),
    "episode_checkin_schedule": Post(
        lambda t: {"before_instrument": "none", "after_instrument": "session-checkin"}
    ),
    "alert_acknowledge": Post(lambda t: _alert_form(t, {})),
    "alert_action": Post(
        lambda t: _alert_form(
            t, {"strategy": "", "note": "Talked it through.", "performed_on": _today()}
        )
    ),
    "alert_dismiss": Post(lambda t: _alert_form(t, {"reason": "Discussed in supervision."})),
    "alert_snooze": Post(lambda t: _alert_form(t, {"until": _today(7)})),
    "transcript_upload": Post(_transcript_file),
    "transcript_report": READ_ONLY,
    "transcript_roles": Post(lambda t: {"speaker_0": "therapist", "speaker_1": "client"}),
    "transcript_delete": Post(lambda t: {"what": "text"}),
    # Cancel on the roles page of an upload awaiting roles (the world's transcript is one).
    "transcript_discard": BUTTON,
    # Referral to a better-matched colleague (rapport.matching): proposed by the client's own
    # therapist, with the client's consent; withdrawn by them while open.
    "referral_find": Post(_referral_proposal, prepare=_colleague_profile),
    "referral_withdraw": Post(prepare=_open_referral),
    # Answered only by the colleague it was offered to (a third therapist here, none of the
    # roles): every sender gets a 404 (tests/matching/test_referrals.py has the rightful one).
    "referral_respond": Post(_referral_answer, sender=None, prepare=_referral_to_a_third_colleague),
    # The sender's own matching profile: no client data.
    "matching_profile": Post(
        lambda t: {"focus_areas": ["anxiety"], "languages": ["en"], "accepting_referrals": "on"},
        writes_client_data=False,
    ),
    # Marks the sender's own notices seen (accounts.views.access_notices_seen): no client data.
    "access_notices_seen": Post(lambda t: {"notice": "1"}, writes_client_data=False),
    # -- clinic admin pages: no client data, except the move of a therapist's clients ------
    "manage_users": READ_ONLY,
    "manage_audit": READ_ONLY,
    "manage_guidance": READ_ONLY,
    "manage_user_create": Post(
        lambda t: {
            "email": "new.colleague@test.invalid",
            "role": "therapist",
            "password": "a-long-initial-password",
        },
        sender="admin",
        writes_client_data=False,
    ),
    "manage_user_edit": Post(
        lambda t: {"full_name": "Renamed Colleague", "role": "therapist", "is_active": "on"},
        sender="admin",
        writes_client_data=False,
    ),
    # A colleague who cannot sign in (accounts.views.user_password, user_mfa_reset): their
    # account only, no client data.
    "manage_user_password": Post(
        lambda t: {"password": "a-long-temporary-password"},
        sender="admin",
        writes_client_data=False,
    ),
    "manage_user_mfa_reset": Post(sender="admin", writes_client_data=False),
    "manage_clients_move": Post(
        lambda t: {
            "to_user": t.colleague.pk,
            "supervision_change_accepted": "on",
            "confirmed_for": t.colleague.pk,
        },
        sender="admin",
        # Moving a departing therapist's caseload is the admin's job (users and settings,
        # DESIGN §5): it changes who sees the client, shows the admin no client data, and
        # is audited in each client's trail.
        may_change_client_data=("admin",),
    ),
    "manage_supervision": Post(
        lambda t: {"supervisor": t.supervisor.pk, "supervisee": t.colleague.pk},
        sender="admin",
        writes_client_data=False,
    ),
    "manage_supervision_delete": Post(sender="admin", writes_client_data=False),
    "manage_clinic": Post(
        lambda t: {
            "name": "Test Clinic",
            "crisis_text": "Call your local emergency number.",
            "transcript_retention_days": "0",
        },
        sender="admin",
        writes_client_data=False,
    ),
    "manage_checkins": Post(
        lambda t: {"before_instrument": "phq9", "after_instrument": "session-checkin"},
        sender="admin",
        writes_client_data=False,
    ),
    "manage_checkins_wording": Post(_wording_file, sender="admin", writes_client_data=False),
    "manage_checkins_wording_delete": Post(
        lambda t: {"instrument": "srs"}, sender="admin", writes_client_data=False
    ),
    "manage_guidance_create": Post(_strategy, sender="admin", writes_client_data=False),
    "manage_guidance_edit": Post(_strategy, sender="admin", writes_client_data=False),
    "manage_guidance_toggle": Post(sender="admin", writes_client_data=False),
    # -- sign-in and the visitor's own account ------------------------------------------
    "account_login": own_account(lambda t: {"login": t.colleague.email, "password": PASSWORD}),
    "account_logout": own_account(),
    "account_signup": own_account(
        lambda t: {"email": "new@test.invalid", "password1": NEW_PASSWORD}
    ),
    "account_reauthenticate": own_account(lambda t: {"password": PASSWORD}),
    "account_request_reauthentication_code": own_account(),
    "account_confirm_reauthentication_code": GUESSED_CODE,
    "account_confirm_login_code": GUESSED_CODE,
    "account_change_password": own_account(
        lambda t: {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    ),
    "account_set_password": own_account(
        lambda t: {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    ),
    # Both names answer at the same path: the project's pages come first and replace them.
    "accounts/password/reset/": own_account(lambda t: {"email": t.therapist.email}),
    "account_reset_password": own_account(lambda t: {"email": t.therapist.email}),
    "accounts/email/": own_account(lambda t: {"email": "new@test.invalid", "action_add": ""}),
    "account_email": own_account(lambda t: {"email": "new@test.invalid", "action_add": ""}),
    # The emailed key is unknown (the URL carries a made-up one).
    "account_confirm_email": own_account(),
    "account_reset_password_from_key": own_account(
        lambda t: {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    ),
    "mfa_authenticate": GUESSED_CODE,
    "mfa_reauthenticate": GUESSED_CODE,
    "mfa_activate_totp": GUESSED_CODE,
    # No fixture sets up an authenticator, so these refuse whatever is sent.
    "mfa_deactivate_totp": own_account(),
    "mfa_generate_recovery_codes": own_account(),
    "mfa_download_recovery_codes": own_account(),
    # -- the API: read-only, by token (tests/api) ---------------------------------------
    "openapi-json": READ_ONLY,
    "api-root": READ_ONLY,
}


def _post_statuses(http, world, path) -> dict[str, int | str]:
    """An empty POST from each kind of visitor: who signs in, who works with clients, who
    administers."""
    statuses = {}
    for role in ("anonymous", "therapist_a", "admin"):
        with rolled_back():
            response = send(http, world, world["users"][role], "post", path)
        signed_out = response.status_code == 302 and "/accounts/login/" in response["Location"]
        statuses[role] = "sign-in" if signed_out else response.status_code
    return statuses


def _refuses_post(statuses: dict[str, int | str]) -> bool:
    """Someone got 405, and nobody got past the sign-in or role check to anything else."""
    return 405 in statuses.values() and set(statuses.values()) <= {405, 401, 403, "sign-in"}


@pytest.mark.django_db
def test_every_post_url_sent_a_valid_form_from_outside_the_scope_changes_nothing(client, world):
    """Therapist B, the admin and anonymous visitors on client A's objects, and the
    supervisor and therapist A on client B's (whose therapist the supervisor does not
    supervise), each send every form that would work for the client's own clinician."""
    routes = list(iter_patterns())
    names = {pattern.name or route for route, pattern in routes}
    assert not set(POSTS) - names, f"POSTS has entries for no URL: {set(POSTS) - names}"
    problems = []
    for route, pattern in routes:
        entry = POSTS.get(pattern.name or route)
        if entry is None:
            statuses = _post_statuses(client, world, _fill(route, world["values"]))
            if not _refuses_post(statuses):
                problems.append(
                    f"{pattern.name or route!r} takes a POST (empty POST answered {statuses}) "
                    f"but has no valid form in POSTS: add an entry (in {__file__}) so the "
                    "scope test sends it a real write."
                )
            continue
        for target in world["targets"]:
            path = _fill(route, target.values)
            for role in target.outside:
                found = check_outside_request(
                    client,
                    world,
                    world["users"][role],
                    "post",
                    path,
                    target,
                    prepare=entry.prepare,
                    data=functools.partial(entry.data, target),
                    may_write=role in entry.may_change_client_data,
                )
                problems += [f"{role} POST {path} {p}" for p in found]
        problems += _rightful_sender_problems(client, world, route, entry)
    assert not problems, "\n".join(problems)


def _rightful_sender_problems(http, world, route, entry: Post) -> list[str]:
    """The form is valid: its rightful sender's POST succeeds (and changes the client's
    data when it should), so a refusal outside the scope is the scope's doing."""
    if entry.sender is None:
        return []
    target = world["targets"][0]
    user = target.therapist if entry.sender == "therapist" else world["users"][entry.sender]
    path = _fill(route, {**target.values, **entry.sender_values(target)})
    with rolled_back():
        if entry.prepare is not None:
            entry.prepare(target)
        before = snapshot(target.client)
        response = send(http, world, user, "post", path, entry.data(target))
        changed = snapshot_changes(before, snapshot(target.client))
    problems = []
    if response.status_code != entry.success_status:
        problems.append(f"the form is not valid: {response.status_code}")
    if entry.writes_client_data and not changed:
        problems.append("changed nothing in the client's data")
    if not entry.writes_client_data and changed:
        problems.append(f"changed the client's data: {changed}")
    return [f"{entry.sender} POST {path} (the rightful sender): {p}" for p in problems]


# -- narrower checks -----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_clients_therapist_saves_the_edit_client_form(login, therapist_a, client_a):
    response = login(therapist_a).post(f"/clients/{client_a.pk}/edit/", _client_details(None))
    assert response.status_code == 302
    client_a.refresh_from_db()
    assert client_a.display_name == "Renamed"


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["therapist_b", "admin"])
def test_object_urls_answer_404_outside_scope(client, world, role):
    client.force_login(world["users"][role])
    object_routes = [
        route
        for route, _ in iter_patterns()
        if any(
            f"<int:{name}>" in route
            for name in ("client_id", "episode_id", "goal_id", "appointment_id")
        )
    ]
    assert object_routes
    for route in object_routes:
        path = _fill(route, world["values"])
        status = client.get(path).status_code
        assert status in (403, 404), f"{role} got {status} for {path}"
        if role == "therapist_b":
            assert status == 404, "outside scope must look like 'no such object'"


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_login_for_every_client_page(client, world):
    for route, _ in iter_patterns():
        if route.startswith(("accounts/", "static/")) or route == "":
            continue
        if route == "healthz":  # a bare "ok" for load balancers, no client data (core/health.py)
            continue
        if route.startswith("api/"):
            # The API answers 401 instead of redirecting (tests/api/test_api.py).
            status = client.get(_fill(route, world["values"])).status_code
            assert status in (401, 404) or route.endswith("openapi.json"), route
            continue
        path = _fill(route, world["values"])
        response = client.get(path)
        assert response.status_code in (302, 404), (
            f"anonymous got {response.status_code} for {path}"
        )
        if response.status_code == 302:
            assert "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_the_supervisor_sees_supervisees_clients_but_not_others(client, world, client_b):
    client.force_login(world["users"]["supervisor"])
    page = client.get("/caseload/").content.decode()
    assert CANARY in page
    assert "Bea B." not in page
    assert client.get(f"/clients/{client_b.pk}/").status_code == 404


@pytest.mark.django_db
def test_forbidden_requests_write_no_client_audit_rows(client, world):
    # The world's own set-up (check-in objects) is audited; the forbidden request adds nothing.
    before = AuditEvent.objects.filter(client_id=world["client_a"].pk).count()
    client.force_login(world["users"]["therapist_b"])
    client.get(f"/clients/{world['client_a'].pk}/")
    assert AuditEvent.objects.filter(client_id=world["client_a"].pk).count() == before


@pytest.mark.django_db
def test_the_snapshot_covers_every_model_linked_to_a_client(world):
    """The registry walk finds the models the reviewer's bugs wrote to, and more."""
    labels = {model._meta.label for model in client_linked_models()}
    assert labels >= {
        "clinic.Client",
        "clinic.Episode",
        "clinic.Goal",
        "clinic.Appointment",
        "checkins.CheckIn",
        "checkins.EpisodeSchedule",
        "measures.Response",
        "monitoring.Alert",
        "monitoring.RepairAction",
        "monitoring.EpisodeSnapshot",
        "transcripts.Transcript",
    }
    assert "audit.AuditEvent" not in labels
