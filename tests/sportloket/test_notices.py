"""The core's once-only notices: claim in a sweep, send once, hand out again what was never sent,
close what no longer applies. Exercised on a concrete kind (overdue agreement notices)."""

import datetime as dt

import pytest
from django.apps import apps
from django.utils import timezone

from meetings.models import AgreementNotice
from meetings.programme.services import agreement_add
from sportloket import notices
from sportloket.models import OnceOnlyNotice, OutgoingEmail
from tests.meetings.factories import MeetingFactory
from tests.poskantoor.factories import make_office

pytestmark = pytest.mark.django_db


@pytest.fixture
def agreements():
    meeting = MeetingFactory(office=make_office(), held=True)
    return [
        agreement_add(
            meeting=meeting,
            by=None,
            data={
                "kind": "agreement",
                "description": f"Afspraak {i}",
                "owner_name": "Karin",
                "owner_email": "karin@example.org",
                "due_on": dt.date(2020, 1, 1),
            },
        )
        for i in range(3)
    ]


def _claimer(agreements):
    def claim(run, at):
        AgreementNotice.objects.bulk_create(
            [AgreementNotice(agreement=a, claim=run, created_at=at) for a in agreements],
            ignore_conflicts=True,
        )

    return claim


def _compose(notice):
    agreement = notice.agreement
    return notices.NoticeEmail(
        key=f"test-notice:{notice.pk}",
        to=[agreement.owner_email],
        template="meetings/emails/agreement_overdue",
        context={"agreement": agreement, "meeting": agreement.meeting, "days": 1},
    )


def test_every_kind_of_once_only_notice_shares_the_one_mechanism():
    labels = {model._meta.label for model in apps.get_models() if issubclass(model, OnceOnlyNotice)}
    assert labels == {
        "poskantoor.DeadlineNotice",
        "meetings.AgreementNotice",
        "network.GoalNotice",
        "subsidies.DigestNotice",
        "meetings.DeskOverviewNotice",
        "meetings.HandoverReminder",
        "network.NewsDelivery",
    }


def test_a_sweep_returns_its_own_claims_and_a_second_sweep_claims_nothing(agreements):
    first = notices.notices_sweep(AgreementNotice, _claimer(agreements))
    second = notices.notices_sweep(AgreementNotice, _claimer(agreements))
    assert len(first.claimed) == 3
    assert first.resend == []
    assert second.to_send == []  # the claims are fresh: their own send is still under way


def test_a_claim_never_sent_is_handed_out_again_after_the_resend_delay_only(agreements):
    now = timezone.now()
    claimed = notices.notices_sweep(AgreementNotice, _claimer(agreements), now=now).claimed
    just_before = now + notices.RESEND_AFTER
    assert notices.notices_sweep(AgreementNotice, _claimer([]), now=just_before).resend == []
    later = notices.notices_sweep(
        AgreementNotice, _claimer([]), now=now + notices.RESEND_AFTER + dt.timedelta(seconds=1)
    )
    assert later.claimed == []
    assert later.resend == claimed


def test_send_marks_the_notice_once_and_queues_one_email(agreements):
    (notice_id, *_) = notices.notices_sweep(AgreementNotice, _claimer(agreements)).claimed
    assert notices.notice_send(AgreementNotice, notice_id=notice_id, compose=_compose) is True
    assert notices.notice_send(AgreementNotice, notice_id=notice_id, compose=_compose) is False
    assert OutgoingEmail.objects.filter(key=f"test-notice:{notice_id}").count() == 1
    assert AgreementNotice.objects.get(pk=notice_id).emailed_at is not None


def test_a_notice_that_no_longer_applies_is_closed_and_never_handed_out_again(agreements):
    now = timezone.now()
    claimed = notices.notices_sweep(AgreementNotice, _claimer(agreements), now=now).claimed
    sent = notices.notices_send(AgreementNotice, notice_ids=claimed, compose=lambda n: None)
    assert sent == 0
    assert AgreementNotice.objects.filter(closed_at__isnull=False, emailed_at=None).count() == 3
    much_later = now + notices.RESEND_AFTER * 100
    assert notices.notices_sweep(AgreementNotice, _claimer([]), now=much_later).to_send == []
    assert notices.notices_send(AgreementNotice, notice_ids=claimed, compose=_compose) == 0
    assert not OutgoingEmail.objects.exists()


def test_a_send_that_fails_leaves_the_notice_unsent_for_the_next_sweep(agreements):
    now = timezone.now()
    (notice_id, *_) = notices.notices_sweep(AgreementNotice, _claimer(agreements), now=now).claimed

    def broken(notice):
        OutgoingEmail.objects.create(key="half", to=["a@example.org"], subject="S", body="B")
        raise OSError("database gone")

    with pytest.raises(OSError, match="database gone"):
        notices.notice_send(AgreementNotice, notice_id=notice_id, compose=broken)
    assert AgreementNotice.objects.get(pk=notice_id).emailed_at is None
    assert not OutgoingEmail.objects.exists()  # rolled back with the mark
    later = notices.notices_sweep(AgreementNotice, _claimer([]), now=now + notices.RESEND_AFTER * 2)
    assert notice_id in later.resend


def test_the_claimed_signal_comes_after_the_claim_with_the_ids_to_send(agreements):
    received = []

    def receiver(sender, claimed, resend, **kwargs):
        # The claims exist when the signal is sent: a worker stopped here leaves them behind.
        received.append((sender, sorted(claimed), resend, AgreementNotice.objects.count()))

    notices.notices_claimed.connect(receiver)
    try:
        result = notices.notices_sweep(AgreementNotice, _claimer(agreements))
    finally:
        notices.notices_claimed.disconnect(receiver)
    assert received == [(AgreementNotice, sorted(result.claimed), [], 3)]
