"""Moving a colleague's clients audits and announces only the clients it moved. It read the
clients, then moved them without a lock: a referral accepted in between (the client going
to the colleague who accepted) left the UPDATE one client short, while the audit trail of
that client and both therapists' notices still claimed the admin's move. The clients are
now locked as they are read, in the move's transaction."""

from __future__ import annotations

import pytest
from django.utils import timezone
from tests.clinic._races import first_held_then_second, real_concurrency
from tests.conftest import make_client, make_user

from rapport.accounts import services
from rapport.accounts.models import AccessNotice, AccessNoticeKind, Role
from rapport.audit.models import AuditEvent
from rapport.clinic.models import Client


def _move_events(from_user, to_user):
    target = f"client:therapist:user:{from_user.pk}->user:{to_user.pk}"
    return AuditEvent.objects.filter(target=target)


def _notice_counts(user, kind) -> list[int]:
    return list(AccessNotice.objects.filter(user=user, kind=kind).values_list("count", flat=True))


@pytest.mark.django_db
def test_the_clients_audited_are_the_clients_moved(admin_user, therapist_a, client_a, clinic):
    second = make_client(therapist_a, "Second Client")
    colleague = make_user(clinic, "colleague@test.invalid", Role.THERAPIST)
    moved = services.clients_move(actor=admin_user, from_user=therapist_a, to_user=colleague)
    assert moved == 2
    now_with_colleague = set(
        Client.objects.filter(therapist=colleague).values_list("pk", flat=True)
    )
    assert now_with_colleague == {client_a.pk, second.pk}
    audited = set(_move_events(therapist_a, colleague).values_list("client_id", flat=True))
    assert audited == now_with_colleague
    assert _notice_counts(colleague, AccessNoticeKind.CLIENTS_MOVED_IN) == [2]
    assert _notice_counts(therapist_a, AccessNoticeKind.CLIENTS_MOVED_OUT) == [2]


@pytest.mark.django_db
def test_a_client_gone_from_the_therapist_before_the_lock_is_neither_moved_nor_audited(
    admin_user, therapist_a, therapist_b, client_a, clinic, monkeypatch
):
    """The referral's commit lands after the admin pressed "Move clients" and before the
    move's lock is granted (here: while the move checks how supervision changes)."""
    second = make_client(therapist_a, "Second Client")
    colleague = make_user(clinic, "colleague@test.invalid", Role.THERAPIST)
    checked = services.clients_move_supervision_change

    def a_referral_accepted_meanwhile(**kwargs):
        Client.objects.filter(pk=client_a.pk).update(therapist=therapist_b)
        return checked(**kwargs)

    monkeypatch.setattr(services, "clients_move_supervision_change", a_referral_accepted_meanwhile)
    moved = services.clients_move(actor=admin_user, from_user=therapist_a, to_user=colleague)

    assert moved == 1
    assert Client.objects.get(pk=client_a.pk).therapist == therapist_b
    assert Client.objects.get(pk=second.pk).therapist == colleague
    assert list(_move_events(therapist_a, colleague).values_list("client_id", flat=True)) == [
        second.pk
    ]
    assert _notice_counts(colleague, AccessNoticeKind.CLIENTS_MOVED_IN) == [1]
    assert _notice_counts(therapist_a, AccessNoticeKind.CLIENTS_MOVED_OUT) == [1]


@pytest.mark.django_db(transaction=True)
def test_a_move_waits_for_a_referral_being_accepted_and_leaves_its_client_out(
    admin_user, therapist_a, therapist_b, client_a, clinic
):
    """Real writers on PostgreSQL: the acceptance holds the client's row; the move waits for
    it, then finds the client with the colleague who accepted."""
    if not real_concurrency():
        pytest.skip("needs concurrent writers (PostgreSQL, RAPPORT_DATABASE_URL)")
    from rapport.matching.models import Referral
    from rapport.matching.services import referral_accept

    second = make_client(therapist_a, "Second Client")
    colleague = make_user(clinic, "colleague@test.invalid", Role.THERAPIST)
    referral = Referral.objects.create(
        client=client_a,
        from_therapist=therapist_a,
        to_therapist=therapist_b,
        consent_recorded_at=timezone.now(),
    )
    results = first_held_then_second(
        AccessNotice,
        lambda: referral_accept(actor=therapist_b, referral=referral),
        lambda: services.clients_move(
            actor=admin_user,
            from_user=therapist_a,
            to_user=colleague,
            supervision_change_accepted=True,
        ),
    )
    assert results["second"] == 1, results
    assert Client.objects.get(pk=client_a.pk).therapist_id == therapist_b.pk
    assert Client.objects.get(pk=second.pk).therapist_id == colleague.pk
    assert list(_move_events(therapist_a, colleague).values_list("client_id", flat=True)) == [
        second.pk
    ]
    assert _notice_counts(colleague, AccessNoticeKind.CLIENTS_MOVED_IN) == [1]
    assert sorted(_notice_counts(therapist_a, AccessNoticeKind.CLIENTS_MOVED_OUT)) == [1, 1]
