import datetime as dt

import pytest
from django.core import mail

from meetings.models import AppendOnlyError, Handover, SupportRequest, SupportRequestEvent
from meetings.support import services
from meetings.support.constants import (
    TRANSITIONS,
    Channel,
    EventKind,
    HandoverStatus,
    SupportStatus,
)
from meetings.support.workdays import add_working_days, working_days_between
from providers.constants import ProviderStatus
from providers.models import Provider
from sportloket.models import OutgoingEmail
from sportloket.services import DomainError
from tests.factories import OrganisationFactory, ProviderFactory, municipality

pytestmark = pytest.mark.django_db


def make_request(desk, **kwargs):
    return services.support_request_create(
        desk=desk,
        provider=kwargs.pop("provider", None) or ProviderFactory(),
        subject="Vrijwilligers",
        question="Hoe vinden we vrijwilligers?",
        channel=Channel.PHONE,
        **kwargs,
    )


def set_today(monkeypatch, day: dt.date):
    monkeypatch.setattr(services, "today", lambda: day)


# --- Working days ----------------------------------------------------------------------------


def test_working_days_skip_weekends_and_dutch_holidays():
    # Thursday 24 April 2025 + 3 working days: Friday 25, (King's Day Saturday 26),
    # Monday 28, Tuesday 29.
    assert add_working_days(dt.date(2025, 4, 24), 3) == dt.date(2025, 4, 29)
    # Good Friday 18 April and Easter Monday 21 April 2025 are not working days.
    assert add_working_days(dt.date(2025, 4, 17), 1) == dt.date(2025, 4, 22)
    assert working_days_between(dt.date(2025, 12, 24), dt.date(2025, 12, 29)) == 1


# --- Intake ----------------------------------------------------------------------------------


def test_create_sets_deadline_in_working_days_and_mails_private_link(desk, monkeypatch):
    set_today(monkeypatch, dt.date(2025, 4, 17))  # Thursday before Easter
    desk.first_response_working_days = 2
    desk.save()
    request = make_request(desk)
    assert request.deadline == dt.date(2025, 4, 23)
    assert request.events.get().kind == EventKind.CREATED
    email = OutgoingEmail.objects.get(key=f"support-request-received:{request.pk}")
    assert request.public_token in email.body
    assert len(request.public_token) >= 40


def test_submit_recognises_a_known_provider_by_kvk(desk):
    provider = ProviderFactory(kvk_number="12345678", email="club@example.org")
    request = services.support_request_submit(
        municipality=municipality(),
        provider_name="Andere naam",
        kvk_number="12345678",
        contact_name="Kim",
        email="kim@example.org",
        subject="Vraag",
        question="Tekst",
    )
    assert request.provider == provider
    assert request.requester_email == "kim@example.org"
    assert Provider.objects.count() == 1


def test_submit_registers_an_unknown_provider_as_pending(desk):
    request = services.support_request_submit(
        municipality=municipality(),
        provider_name="Nieuwe Club",
        kvk_number="",
        contact_name="Kim",
        email="nieuw@example.org",
        subject="Vraag",
        question="Tekst",
    )
    provider = request.provider
    assert provider.status == ProviderStatus.PENDING
    assert provider.source == "question"
    assert provider.privacy_consent_at is not None
    assert request.desk == desk
    # The same double opt-in as the interest form: the registry holds confirmed addresses only.
    assert OutgoingEmail.objects.filter(key=f"provider:{provider.pk}:confirm").exists()


def test_submit_recognises_a_known_provider_by_email_and_name(desk):
    provider = ProviderFactory(kvk_number="", name="Club Noord", email="club@example.org")
    request = services.support_request_submit(
        municipality=municipality(),
        provider_name="club noord",
        kvk_number="",
        contact_name="Kim",
        email="CLUB@example.org",
        subject="Vraag",
        question="Tekst",
    )
    assert request.provider == provider
    assert Provider.objects.count() == 1


def test_submit_does_not_attach_a_question_to_a_provider_by_email_alone(desk):
    """Typing someone else's address must not file a question under their organisation."""
    known = ProviderFactory(kvk_number="", name="Club Noord", email="club@example.org")
    request = services.support_request_submit(
        municipality=municipality(),
        provider_name="Andere Vereniging",
        kvk_number="",
        contact_name="Kim",
        email="club@example.org",
        subject="Vraag",
        question="Tekst",
    )
    assert request.provider != known
    assert request.provider.status == ProviderStatus.PENDING


def test_submit_without_a_desk_for_the_municipality_stores_nothing(desk):
    with pytest.raises(DomainError, match="geen|no sport"):
        services.support_request_submit(
            municipality=municipality("GM0363"),
            provider_name="Club Amsterdam",
            kvk_number="",
            contact_name="Kim",
            email="a@example.org",
            subject="Vraag",
            question="Tekst",
        )
    assert not Provider.objects.exists()
    assert not SupportRequest.objects.exists()


# --- Workflow --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (s, t)
        for s in SupportStatus
        for t in SupportStatus
        if t not in TRANSITIONS[s] and t != SupportStatus.HANDED_OVER
    ],
)
def test_every_transition_outside_the_table_is_refused(desk, supporter, start, target):
    request = make_request(desk)
    SupportRequest.objects.filter(pk=request.pk).update(
        status=start,
        is_open=start in services.OPEN_STATUSES,
        clock_running=start in services.CLOCK_RUNNING_STATUSES,
    )
    with pytest.raises(DomainError, match="kan niet|cannot"):
        services.support_request_transition(request=request, to=target, by=supporter)
    request.refresh_from_db()
    assert request.status == start


def test_handed_over_only_through_the_handover_service(desk, supporter):
    request = make_request(desk)
    with pytest.raises(DomainError):
        services.support_request_transition(request=request, to="handed_over", by=supporter)


def test_waiting_pauses_the_clock_and_resuming_moves_the_deadline(desk, supporter, monkeypatch):
    set_today(monkeypatch, dt.date(2025, 6, 2))  # Monday
    desk.first_response_working_days = 3
    desk.save()
    request = make_request(desk)
    assert request.deadline == dt.date(2025, 6, 5)
    services.support_request_transition(request=request, to="waiting", by=supporter)
    set_today(monkeypatch, dt.date(2025, 6, 10))  # Tuesday after Whit Monday 9 June
    request = services.support_request_provider_message(
        request=request, text="Hier is de informatie."
    )
    request.refresh_from_db()
    # Paused working days: 3, 4, 5, 6 and 10 June (Whit Monday 9 June is a holiday) = 5.
    assert request.status == SupportStatus.TRIAGED
    assert request.deadline == add_working_days(dt.date(2025, 6, 5), 5)
    event = request.events.get(kind=EventKind.DEADLINE)
    assert event.data["paused_working_days"] == 5
    assert event.data["from"] == "2025-06-05"


def test_assign_only_to_supporters_of_the_desk(desk, supporter, partner):
    request = make_request(desk)
    with pytest.raises(DomainError, match="clubondersteuners van dit loket|club supporters"):
        services.support_request_assign(request=request, assignee=partner, by=supporter)
    services.support_request_assign(request=request, assignee=supporter, by=supporter)
    request.refresh_from_db()
    assert request.assignee == supporter
    assert request.status == SupportStatus.TRIAGED


def test_timeline_is_append_only(desk):
    request = make_request(desk)
    event = request.events.get()
    event.text = "changed"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    assert SupportRequestEvent.objects.get().text != "changed"


def test_public_message_is_mailed_and_internal_note_is_not(desk, supporter):
    request = make_request(desk)
    before = OutgoingEmail.objects.count()
    services.support_request_message(request=request, text="Intern", public=False, by=supporter)
    assert OutgoingEmail.objects.count() == before
    services.support_request_message(request=request, text="Publiek", public=True, by=supporter)
    assert OutgoingEmail.objects.count() == before + 1
    request.refresh_from_db()
    assert request.first_response_at is not None


# --- Warm handover ---------------------------------------------------------------------------


def test_handover_needs_a_note_and_a_partner_of_the_desk(desk, supporter, partner_org):
    request = make_request(desk)
    with pytest.raises(DomainError, match="notitie|note"):
        services.handover_create(request=request, organisation=partner_org, note=" ", by=supporter)
    with pytest.raises(DomainError, match="partner"):
        services.handover_create(
            request=request, organisation=OrganisationFactory(), note="Graag", by=supporter
        )
    assert not Handover.objects.exists()
    request.refresh_from_db()
    assert request.status == SupportStatus.NEW


def test_accepted_handover_tells_the_requester_who_and_when(
    desk, supporter, partner, partner_org, monkeypatch
):
    set_today(monkeypatch, dt.date(2025, 6, 2))
    request = make_request(desk)
    handover = services.handover_create(
        request=request, organisation=partner_org, note="Bel ze even", by=supporter
    )
    assert handover.respond_by == add_working_days(dt.date(2025, 6, 2), 5)
    assert OutgoingEmail.objects.filter(key=f"handover-new:{handover.pk}").exists()
    with pytest.raises(DomainError, match="ontvangende|receiving"):
        services.handover_accept(handover=handover, by=supporter)
    services.handover_accept(
        handover=handover, by=partner, helper_name="Femke", help_by=dt.date(2025, 6, 6)
    )
    request.refresh_from_db()
    assert request.status == SupportStatus.HANDED_OVER
    assert request.organisation == partner_org
    email = OutgoingEmail.objects.get(key=f"handover-accepted:{handover.pk}")
    assert "Femke" in email.body
    assert "06-06-2025" in email.body
    with pytest.raises(DomainError):
        services.handover_decline(handover=handover, by=partner, reason="te laat")


def test_declined_handover_returns_the_question_to_the_desk(desk, supporter, partner, partner_org):
    request = make_request(desk)
    handover = services.handover_create(
        request=request, organisation=partner_org, note="Graag", by=supporter
    )
    with pytest.raises(DomainError, match="reden|reason"):
        services.handover_decline(handover=handover, by=partner, reason="")
    services.handover_decline(handover=handover, by=partner, reason="Geen capaciteit")
    request.refresh_from_db()
    assert request.status == SupportStatus.TRIAGED
    assert request.organisation is None
    assert request.events.filter(kind=EventKind.HANDOVER_DECLINED, text="Geen capaciteit").exists()
    returned = OutgoingEmail.objects.get(key=f"handover-returned:{handover.pk}")
    assert returned.to == [desk.email]
    assert "Geen capaciteit" in returned.body


def test_staff_cannot_move_a_question_while_its_handover_is_pending(desk, supporter, partner_org):
    request = make_request(desk)
    services.handover_create(request=request, organisation=partner_org, note="x", by=supporter)
    with pytest.raises(DomainError, match="ontvangende|receiving"):
        services.support_request_transition(request=request, to="resolved", by=supporter)


def test_unanswered_handover_expires_once(desk, supporter, partner_org, monkeypatch):
    set_today(monkeypatch, dt.date(2025, 6, 2))
    request = make_request(desk)
    handover = services.handover_create(
        request=request, organisation=partner_org, note="x", by=supporter
    )
    assert services.handovers_expire(on=handover.respond_by) == 0
    later = handover.respond_by + dt.timedelta(days=1)
    assert services.handovers_expire(on=later) == 1
    assert services.handovers_expire(on=later) == 0
    handover.refresh_from_db()
    request.refresh_from_db()
    assert handover.status == HandoverStatus.EXPIRED
    assert request.status == SupportStatus.TRIAGED
    assert request.events.filter(kind=EventKind.HANDOVER_EXPIRED).count() == 1


# --- Deadlines -------------------------------------------------------------------------------


def test_reminder_and_escalation_each_once(desk, supporter, coordinator, monkeypatch):
    set_today(monkeypatch, dt.date(2025, 6, 2))
    due = make_request(desk)
    services.support_request_assign(request=due, assignee=supporter, by=supporter)
    overdue = make_request(desk)
    SupportRequest.objects.filter(pk=overdue.pk).update(deadline=dt.date(2025, 5, 30))
    on = add_working_days(dt.date(2025, 6, 2), desk.first_response_working_days - 1)
    assert services.deadline_notices_send(on=on) == (1, 1)
    assert services.deadline_notices_send(on=on) == (0, 0)
    assert OutgoingEmail.objects.filter(key__startswith="support-reminder:").count() == 1
    escalation = OutgoingEmail.objects.get(key__startswith="support-escalation:")
    assert escalation.to == [coordinator.email]
    assert overdue.events.filter(kind=EventKind.ESCALATION).count() == 1


def test_daily_task_runs_twice_with_one_effect(desk, supporter, coordinator):
    from meetings.tasks import support_deadline_notices, support_handovers_expire

    request = make_request(desk)
    SupportRequest.objects.filter(pk=request.pk).update(deadline=dt.date(2020, 1, 6))
    support_deadline_notices.delay()
    support_deadline_notices.delay()
    support_handovers_expire.delay()
    assert request.events.filter(kind=EventKind.ESCALATION).count() == 1


def test_bulk_applies_each_and_reports_refusals(desk, supporter):
    a, b = make_request(desk), make_request(desk)
    services.support_request_transition(request=b, to="rejected", by=supporter)
    done, refused = services.support_requests_bulk(
        requests=[a, b], action="assign_me", by=supporter
    )
    assert done == 1
    assert len(refused) == 1
    assert refused[0].startswith(f"#{b.pk}")


def test_mail_is_sent_after_commit(desk, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        make_request(desk)
    assert callbacks
    assert len(mail.outbox) == 1
