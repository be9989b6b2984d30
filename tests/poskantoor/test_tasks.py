"""Deadline enforcement: each notice exactly once (twice, late, concurrent, after a crash),
and a sweep whose query count does not grow with the number of offices."""

import datetime as dt
from unittest import mock

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from poskantoor import notices, services, tasks
from poskantoor.constants import NoticeKind, OfficeStatus
from poskantoor.models import DeadlineNotice, FoundingStep, PosOffice
from sportloket.constants import Role
from sportloket.models import Municipality, OutgoingEmail

from .factories import make_office

pytestmark = pytest.mark.django_db

D = dt.date
# Utrecht registered 31 January 2026: 2a is due 14 February, 2b on 28 February.
DUE_2A = D(2026, 2, 14)


def sweep(today, now=None):
    return notices.deadlines_sweep(today=today, now=now)


def kinds(office, code="2a"):
    return sorted(
        DeadlineNotice.objects.filter(step__office=office, step__code=code).values_list(
            "kind", flat=True
        )
    )


def send_all(result, today):
    return [notices.deadline_notice_send(notice_id=pk, today=today) for pk in result.to_send]


@pytest.fixture(autouse=True)
def _reminder_days(settings):
    settings.SPORTLOKET_DEADLINE_REMINDER_DAYS = 7


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (D(2026, 2, 6), []),
        (D(2026, 2, 7), ["reminder"]),  # 7 days before
        (D(2026, 2, 13), ["reminder"]),
        # A first run on the deadline day: the deadline-day notice alone, no reminder with it.
        (D(2026, 2, 14), ["due_today"]),
        # "Send only the notice that fits the moment (the escalation)": a late first run.
        (D(2026, 2, 15), ["escalation"]),
    ],
)
def test_each_kind_is_due_from_its_day_and_a_late_sweep_claims_only_the_one_that_fits(
    office, today, expected
):
    sweep(today)
    assert kinds(office) == expected


def test_a_sweep_run_every_day_sends_each_notice_once_on_its_day(
    office, pos_staff, policy_staff, django_capture_on_commit_callbacks
):
    sent_on = {}
    day = D(2026, 2, 1)
    while day <= D(2026, 2, 20):
        with django_capture_on_commit_callbacks(execute=True):
            send_all(sweep(day), day)
        for notice in DeadlineNotice.objects.filter(step__code="2a"):
            sent_on.setdefault(notice.kind, day)
        day += dt.timedelta(days=1)
    assert sent_on == {
        "reminder": D(2026, 2, 7),
        "due_today": D(2026, 2, 14),
        "escalation": D(2026, 2, 15),
    }
    keys = OutgoingEmail.objects.filter(key__startswith="pos-deadline-notice:")
    assert keys.count() == DeadlineNotice.objects.count()
    subjects = [m.subject for m in mail.outbox]
    assert subjects.count("Verlopen: stap 2a van POS-kantoor GM0344") == 1
    assert subjects.count("Herinnering: stap 2a van POS-kantoor GM0344") == 1


def test_recipients_follow_the_owner_of_the_step(office, pos_staff, policy_staff, user_for_role):
    other = user_for_role(
        Role.POLICY_STAFF, municipality=Municipality.objects.get(cbs_code="GM0307")
    )
    send_all(sweep(D(2026, 2, 7)), D(2026, 2, 7))  # 2a: reminder
    send_all(sweep(D(2026, 2, 21)), D(2026, 2, 21))  # 2a: escalation; 2b (28 Feb): reminder
    by_key = {(n.step.code, n.kind): n.recipients.split(", ") for n in DeadlineNotice.objects.all()}
    # Seed 000 §6: "POS plant binnen 2 weken een digitaal kennismakingsgesprek in, dit vindt
    # binnen 1 maand na aanmelding plaats": 2a and 2b are POS's steps; escalations go to POS.
    assert by_key[("2a", "reminder")] == [pos_staff.email]
    assert by_key[("2a", "escalation")] == [pos_staff.email]
    assert by_key[("2b", "reminder")] == [pos_staff.email]
    assert policy_staff.email not in str(by_key)
    assert other.email not in str(by_key)


def test_municipality_without_policy_staff_is_told_via_the_registration_contact(office):
    from poskantoor.selectors import open_step

    services.step_complete(
        step=open_step(office=office, code="2a"), on=D(2026, 2, 1), by=None, today=D(2026, 2, 1)
    )
    services.step_complete(
        step=open_step(office=office, code="2b"), on=D(2026, 2, 2), by=None, today=D(2026, 2, 2)
    )
    send_all(sweep(D(2026, 3, 30)), D(2026, 3, 30))  # step 3 (municipality) due 2 April
    notice = DeadlineNotice.objects.get(step__code="3")
    assert notice.recipients == "contact@gemeente.example"


def test_sweep_run_twice_claims_each_notice_once(office, pos_staff):
    first = sweep(D(2026, 2, 28))
    second = sweep(D(2026, 2, 28))
    assert len(first.claimed) == 2  # 2a (due 14 Feb): escalation; 2b (due 28 Feb): deadline day
    assert len(first.claimed) == DeadlineNotice.objects.count()
    assert second.claimed == []
    assert second.resend == []


def test_send_task_run_twice_queues_one_email(
    office, pos_staff, django_capture_on_commit_callbacks
):
    sweep(D(2026, 2, 28))
    notice_id = DeadlineNotice.objects.get(step__code="2a", kind=NoticeKind.ESCALATION).pk
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.send_deadline_notice(notice_id) is True
        assert tasks.send_deadline_notice(notice_id) is False
    assert OutgoingEmail.objects.filter(key=f"pos-deadline-notice:{notice_id}").count() == 1
    assert len(mail.outbox) == 1


def test_the_task_publishes_a_send_task_per_claimed_notice(office, pos_staff):
    with mock.patch.object(tasks.send_deadline_notice, "apply_async") as publish:
        assert tasks.sweep_deadlines.apply().get() == 2
    # Today (real clock) is long after February 2026: 2a and 2b are escalated, nothing else.
    assert publish.call_count == 2
    assert {c.args[0][0] for c in publish.call_args_list} == set(
        DeadlineNotice.objects.values_list("pk", flat=True)
    )
    with mock.patch.object(tasks.send_deadline_notice, "apply_async") as publish:
        tasks.sweep_deadlines.apply()
    publish.assert_not_called()


def test_sweep_retried_after_a_crash_sends_once(office, pos_staff):
    with mock.patch.object(notices, "_insert_notices", wraps=notices._insert_notices) as insert:
        insert.side_effect = [None, RuntimeError("worker killed")]
        with pytest.raises(RuntimeError):
            sweep(D(2026, 2, 28))
    assert not DeadlineNotice.objects.exists()  # rolled back as a whole
    result = sweep(D(2026, 2, 28))
    send_all(result, D(2026, 2, 28))
    send_all(sweep(D(2026, 2, 28)), D(2026, 2, 28))
    assert DeadlineNotice.objects.count() == 2
    assert OutgoingEmail.objects.filter(key__startswith="pos-deadline-notice:").count() == 2


def test_notice_claimed_but_never_sent_is_handed_out_again_once(office, pos_staff):
    now = timezone.now()
    claimed = sweep(D(2026, 2, 28), now=now - dt.timedelta(minutes=10)).claimed
    # The worker died between the sweep's commit and publishing: nothing was queued.
    later = sweep(D(2026, 2, 28), now=now)
    assert sorted(later.resend) == sorted(claimed)
    send_all(later, D(2026, 2, 28))
    assert sweep(D(2026, 2, 28), now=now).resend == []
    assert OutgoingEmail.objects.filter(key__startswith="pos-deadline-notice:").count() == 2


def test_completed_steps_and_stopped_offices_get_no_notices(office):
    from poskantoor.selectors import open_step

    services.step_complete(
        step=open_step(office=office, code="2a"), on=D(2026, 2, 3), by=None, today=D(2026, 2, 3)
    )
    stopped = make_office("GM0307")
    PosOffice.objects.filter(pk=stopped.pk).update(
        status=OfficeStatus.STOPPED, stopped_on=D(2026, 2, 1)
    )
    sweep(D(2026, 3, 1))
    assert kinds(office, "2a") == []
    assert kinds(office, "2b") == ["escalation"]
    assert not DeadlineNotice.objects.filter(step__office=stopped).exists()


def test_a_new_step_3_attempt_gets_its_own_notices(office, advance):
    from poskantoor.constants import Decision
    from poskantoor.selectors import open_step

    advance(office, ("2a", D(2026, 2, 2)), ("2b", D(2026, 2, 3)))
    sweep(D(2026, 4, 10))  # step 3 due 3 April: escalated
    services.step_complete(
        step=open_step(office=office, code="3"),
        on=D(2026, 4, 10),
        by=None,
        decision=Decision.NO_GO_NEW_KARTREKKERS,
        today=D(2026, 4, 10),
    )
    sweep(D(2026, 6, 11))  # the new attempt is due 10 June
    attempts = DeadlineNotice.objects.filter(step__code="3", kind=NoticeKind.ESCALATION)
    assert sorted(attempts.values_list("step__attempt", flat=True)) == [1, 2]


def _bulk_offices(n_historical: int):
    """Every municipality an open office due for notices; plus stopped historical ones."""
    from poskantoor.constants import STEP_SEQUENCE

    municipalities = (
        list(Municipality.objects.all()[:10])
        if n_historical < 100
        else list(Municipality.objects.all())
    )
    offices = [
        PosOffice(municipality=m, name=m.name, registered_on=D(2026, 1, 31)) for m in municipalities
    ] + [
        PosOffice(
            municipality=municipalities[i % len(municipalities)],
            name="historisch",
            registered_on=D(2020, 1, 1),
            status=OfficeStatus.STOPPED,
            stopped_on=D(2020, 6, 1),
        )
        for i in range(n_historical)
    ]
    PosOffice.objects.bulk_create(offices, batch_size=2000)
    steps = [
        FoundingStep(
            office=o,
            code=code,
            position=i,
            due_date=DUE_2A if code == "2a" else None,
            completed_on=D(2026, 1, 31) if code == "1" else None,
        )
        for o in PosOffice.objects.all()
        for i, code in enumerate(STEP_SEQUENCE[:3])
    ]
    FoundingStep.objects.bulk_create(steps, batch_size=2000)


def _count(today):
    with CaptureQueriesContext(connection) as ctx:
        result = sweep(today)
    return len(ctx.captured_queries), result


def test_query_count_is_the_same_for_10_and_10000_offices():
    _bulk_offices(0)
    small, small_result = _count(D(2026, 2, 20))
    assert len(small_result.claimed) == 10  # 2a of each office, escalated
    PosOffice.objects.all().delete()
    _bulk_offices(10_000 - 342)
    assert PosOffice.objects.count() == 10_000
    large, large_result = _count(D(2026, 2, 20))
    assert len(large_result.claimed) == Municipality.objects.count()
    assert small == large
    assert large <= 10


def test_the_sweep_is_in_the_beat_schedule_every_15_minutes(settings):
    from sportloket.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["poskantoor-deadline-sweep"]
    assert entry["task"] in app.tasks
    assert entry["schedule"].minute == {0, 15, 30, 45}


# --- Checked at send time, and only the notice that fits the moment ---------------------------


def _claim_escalation_of_2a(office):
    sweep(D(2026, 2, 20))  # 2a (due 14 Feb): escalation; 2b (due 28 Feb): reminder
    return DeadlineNotice.objects.get(step__office=office, step__code="2a")


def test_office_stopped_between_claim_and_send_sends_nothing_and_closes_the_claim(
    office, pos_staff
):
    """ "A notice is sent only while its step is still open and its office still active —
    checked at send time, not only at claim time.\""""
    notice = _claim_escalation_of_2a(office)
    PosOffice.objects.filter(pk=office.pk).update(
        status=OfficeStatus.STOPPED, stopped_on=D(2026, 2, 20)
    )
    assert notices.deadline_notice_send(notice_id=notice.pk, today=D(2026, 2, 20)) is False
    assert not OutgoingEmail.objects.exists()
    notice.refresh_from_db()
    assert notice.emailed_at is None
    assert notice.closed_at is not None
    # Closed as obsolete, not handed out again by later sweeps.
    later = timezone.now() + dt.timedelta(days=1)
    assert notice.pk not in sweep(D(2026, 2, 21), now=later).resend


def test_step_completed_between_claim_and_send_sends_nothing_and_closes_the_claim(
    office, pos_staff
):
    """ "A reminder claimed before an office was stopped, or before its step was completed, is
    still e-mailed afterwards" no more."""
    from poskantoor.selectors import open_step

    notice = _claim_escalation_of_2a(office)
    services.step_complete(
        step=open_step(office=office, code="2a"), on=D(2026, 2, 20), by=None, today=D(2026, 2, 20)
    )
    assert tasks.send_deadline_notice(notice.pk) is False
    assert not OutgoingEmail.objects.filter(key=f"pos-deadline-notice:{notice.pk}").exists()
    notice.refresh_from_db()
    assert (notice.emailed_at, notice.closed_at is not None) == (None, True)
    assert tasks.send_deadline_notice(notice.pk) is False  # and stays closed


def test_a_reminder_whose_send_was_delayed_past_the_deadline_day_is_closed_not_sent(
    office, pos_staff, django_capture_on_commit_callbacks
):
    sweep(D(2026, 2, 10))  # 2a: reminder claimed; the worker died before sending it
    reminder = DeadlineNotice.objects.get(step__code="2a", kind=NoticeKind.REMINDER)
    with django_capture_on_commit_callbacks(execute=True):
        send_all(sweep(D(2026, 2, 14), now=timezone.now() + dt.timedelta(hours=1)), D(2026, 2, 14))
    reminder.refresh_from_db()
    assert reminder.closed_at is not None
    assert [m.subject for m in mail.outbox] == ["Deadline vandaag: stap 2a van POS-kantoor GM0344"]


def test_a_step_first_seen_late_gets_one_email_the_escalation_which_says_so(
    office, pos_staff, django_capture_on_commit_callbacks
):
    """ "Send only the notice that fits the moment (the escalation), and say so in its text.\""""
    with django_capture_on_commit_callbacks(execute=True):
        send_all(sweep(D(2026, 3, 25)), D(2026, 3, 25))  # 2a and 2b both long overdue
    subjects = sorted(m.subject for m in mail.outbox)
    assert subjects == [
        "Verlopen: stap 2a van POS-kantoor GM0344",
        "Verlopen: stap 2b van POS-kantoor GM0344",
    ]
    body = mail.outbox[0].body
    assert "39 dagen te laat" in body or "25 dagen te laat" in body
    assert "Er is vooraf geen herinnering gestuurd" in body


def test_an_escalation_after_a_reminder_does_not_claim_there_was_none(
    office, pos_staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for day in (D(2026, 2, 10), D(2026, 2, 16)):
            send_all(sweep(day), day)
    escalation = next(m for m in mail.outbox if m.subject.startswith("Verlopen"))
    assert "2 dagen te laat" in escalation.body
    assert "geen herinnering" not in escalation.body


def test_the_deadline_day_notice_comes_alone_and_says_no_reminder_went_before(
    office, pos_staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        send_all(sweep(DUE_2A), DUE_2A)
    assert [m.subject for m in mail.outbox] == ["Deadline vandaag: stap 2a van POS-kantoor GM0344"]
    assert "pas op de dag van de deadline" in mail.outbox[0].body
