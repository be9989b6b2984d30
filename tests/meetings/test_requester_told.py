"""The requester and the partner organisation are told what happens, and the private status
page says who is helping now."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings.models import Handover, HandoverReminder
from meetings.support import messages, services
from meetings.support.constants import Channel, EventKind, HandoverStatus, SupportStatus
from meetings.support.workdays import add_working_days
from meetings.tasks import support_handover_reminders
from sportloket.models import OutgoingEmail
from sportloket.services import DomainError
from tests.factories import ProviderFactory

pytestmark = pytest.mark.django_db

DAY = dt.date(2025, 6, 2)  # a Monday


def set_today(monkeypatch, day: dt.date) -> None:
    monkeypatch.setattr(services, "today", lambda: day)


def ask(desk, **kwargs):
    return services.support_request_create(
        desk=desk,
        provider=ProviderFactory(),
        subject="Vrijwilligers",
        question="Hoe vinden we vrijwilligers?",
        channel=Channel.FORM,
        requester_email="kim@example.org",
        **kwargs,
    )


def mails_to(address: str) -> list[OutgoingEmail]:
    return [e for e in OutgoingEmail.objects.order_by("pk") if address in e.to]


# --- The requester's e-mails -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "subject"),
    [
        (SupportStatus.RESOLVED, "is opgelost"),
        (SupportStatus.REJECTED, "niet in behandeling nemen"),
        (SupportStatus.WAITING_FOR_PROVIDER, "heeft informatie van u nodig"),
    ],
)
def test_requester_is_emailed_the_explanation_of_a_status_change(desk, supporter, status, subject):
    request = ask(desk)
    services.support_request_transition(
        request=request, to=status, by=supporter, text="Uitleg van Sanne"
    )
    (email,) = [
        e for e in mails_to("kim@example.org") if e.key.startswith("support-request-status")
    ]
    assert subject in email.subject
    assert "Uitleg van Sanne" in email.body
    assert request.get_public_url() in email.body


def test_requester_is_emailed_when_resolved_and_again_when_closed(desk, supporter):
    request = ask(desk)
    services.support_request_transition(
        request=request, to=SupportStatus.RESOLVED, by=supporter, text="Zie de link"
    )
    services.support_request_transition(
        request=request, to=SupportStatus.CLOSED, by=supporter, text="Afgerond"
    )
    subjects = [e.subject for e in mails_to("kim@example.org")]
    assert subjects[-2:] == [
        f"Uw vraag #{request.pk} is opgelost",
        f"Uw vraag #{request.pk} is gesloten",
    ]
    assert "Afgerond" in mails_to("kim@example.org")[-1].body


def test_triage_and_the_desks_bookkeeping_send_the_requester_nothing(desk, supporter):
    request = ask(desk)
    before = len(mails_to("kim@example.org"))
    services.support_request_transition(request=request, to=SupportStatus.TRIAGED, by=supporter)
    services.support_request_message(request=request, text="Intern", by=supporter, public=False)
    assert len(mails_to("kim@example.org")) == before


def test_handover_tells_the_requester_to_whom_and_what_happens_next(
    desk, supporter, partner_org, monkeypatch
):
    set_today(monkeypatch, DAY)
    request = ask(desk)
    handover = services.handover_create(
        request=request, organisation=partner_org, note="Bel ze even", by=supporter
    )
    email = OutgoingEmail.objects.get(key=f"handover-requester:{handover.pk}")
    assert email.to == ["kim@example.org"]
    assert email.subject == "Uw vraag is doorgegeven aan Welzijn West"
    assert "Welzijn West" in email.body
    assert handover.respond_by.strftime("%d-%m-%Y") in email.body
    assert "Hoe het verdergaat" in email.body
    assert "Bel ze even" not in email.body  # the desk's note is for the partner


def test_partner_staff_get_the_handover_with_the_note_and_the_deadline(
    desk, supporter, partner, partner_org, monkeypatch
):
    set_today(monkeypatch, DAY)
    handover = services.handover_create(
        request=ask(desk), organisation=partner_org, note="Bel ze even", by=supporter
    )
    email = OutgoingEmail.objects.get(key=f"handover-new:{handover.pk}")
    assert sorted(email.to) == sorted([partner.email, partner_org.email])
    assert "Bel ze even" in email.body
    assert add_working_days(DAY, desk.handover_response_working_days).strftime("%d-%m-%Y") in (
        email.body
    )
    assert reverse("meetings:handover_queue") in email.body


def test_an_inactive_partner_employee_is_not_emailed(desk, supporter, partner, partner_org):
    partner.is_active = False
    partner.save()
    assert messages.partner_recipients(partner_org) == [partner_org.email]


# --- The status page: who is helping now --------------------------------------------------------


def state(client, request) -> str:
    page = client.get(request.get_public_url()).content.decode()
    return page[page.index('id="public-state"') : page.index("<h2")]


def test_status_page_shows_the_desk_since_when_and_the_promised_date(client, desk):
    request = ask(desk)
    page = state(client, request)
    assert "Wie helpt u nu" in page
    assert desk.name in page
    assert timezone.localdate().strftime("%d-%m-%Y") in page
    assert "Reactie beloofd uiterlijk" in page
    assert f'id="public-respond-by">{request.deadline:%d-%m-%Y}<' in page


def test_status_page_follows_the_question_to_the_partner_and_back(
    client, desk, supporter, partner, partner_org, monkeypatch
):
    set_today(monkeypatch, DAY)
    request = ask(desk)
    first = services.handover_create(
        request=request, organisation=partner_org, note="x", by=supporter
    )
    page = state(client, request)
    assert (
        f"Uw vraag is doorgegeven aan Welzijn West. Zij laten uiterlijk {first.respond_by:%d-%m-%Y}"
        in page
    )
    assert 'id="public-helper">Loket Utrecht<' in page

    services.handover_decline(handover=first, by=partner, reason="Vol")
    page = state(client, request)
    assert "Welzijn West kon uw vraag niet oppakken. Loket Utrecht heeft de vraag weer" in page
    assert "Vol" not in page  # the partner's reason is the desk's to read
    back = OutgoingEmail.objects.get(key=f"handover-back-at-desk:{first.pk}")
    assert back.to == ["kim@example.org"]
    assert "Loket Utrecht heeft de vraag weer" in back.body

    second = services.handover_create(
        request=request, organisation=partner_org, note="y", by=supporter
    )
    services.handover_accept(
        handover=second, by=partner, helper_name="Femke", help_by=DAY + dt.timedelta(days=3)
    )
    page = state(client, request)
    assert "Welzijn West (een partnerorganisatie van Loket Utrecht)" in page
    assert "Contact met u uiterlijk" in page
    assert "05-06-2025" in page
    second.refresh_from_db()
    assert f'id="public-since">{timezone.localtime(second.responded_at):%d-%m-%Y}<' in page


def test_status_page_says_the_desk_has_it_again_after_an_expired_handover(
    client, desk, supporter, partner_org, monkeypatch
):
    set_today(monkeypatch, DAY)
    request = ask(desk)
    handover = services.handover_create(
        request=request, organisation=partner_org, note="x", by=supporter
    )
    assert services.handovers_expire(on=handover.respond_by + dt.timedelta(days=1)) == 1
    assert "Loket Utrecht heeft de vraag weer en helpt u verder" in state(client, request)
    assert OutgoingEmail.objects.filter(key=f"handover-back-at-desk:{handover.pk}").exists()


def test_status_page_asks_for_information_while_the_desk_waits(client, desk, supporter):
    request = ask(desk)
    services.support_request_transition(
        request=request, to=SupportStatus.WAITING_FOR_PROVIDER, by=supporter, text="Welke club?"
    )
    page = client.get(request.get_public_url()).content.decode()
    assert "Het loket heeft informatie van u nodig" in page
    assert "Reactie beloofd uiterlijk" not in page  # the desk's clock is paused


# --- Reminder to the partner before a handover expires (once-only) ------------------------------


def hand_over(desk, supporter, partner_org, monkeypatch, *, on: dt.date = DAY):
    """A handover made on ``on`` (its stored moment too)."""
    set_today(monkeypatch, on)
    handover = services.handover_create(
        request=ask(desk), organisation=partner_org, note="Bel ze", by=supporter
    )
    moment = timezone.make_aware(dt.datetime.combine(on, dt.time(10)))
    Handover.objects.filter(pk=handover.pk).update(created_at=moment)
    handover.refresh_from_db()
    return handover


def test_partner_is_reminded_once_the_working_day_before_the_handover_expires(
    desk, supporter, partner, partner_org, monkeypatch
):
    handover = hand_over(desk, supporter, partner_org, monkeypatch)
    two_days_before = add_working_days(DAY, desk.handover_response_working_days - 2)
    assert messages.handover_reminders_send(on=two_days_before) == 0
    day_before = add_working_days(DAY, desk.handover_response_working_days - 1)
    assert messages.handover_reminders_send(on=day_before) == 1
    assert messages.handover_reminders_send(on=day_before) == 0
    assert messages.handover_reminders_send(on=handover.respond_by) == 0
    email = OutgoingEmail.objects.get(key=f"handover-reminder:{handover.pk}")
    assert sorted(email.to) == sorted([partner.email, partner_org.email])
    assert handover.respond_by.strftime("%d-%m-%Y") in email.subject
    assert "Bel ze" in email.body


def test_an_answered_handover_is_not_reminded(desk, supporter, partner, partner_org, monkeypatch):
    handover = hand_over(desk, supporter, partner_org, monkeypatch)
    result = messages.handover_reminders_sweep(on=handover.respond_by)
    services.handover_accept(handover=handover, by=partner)
    assert (
        messages.notices_send(
            HandoverReminder,
            notice_ids=result.to_send,
            compose=lambda n: messages._compose_reminder(n, handover.respond_by),
        )
        == 0
    )
    notice = HandoverReminder.objects.get(handover=handover)
    assert notice.closed_at is not None
    assert notice.emailed_at is None
    assert not OutgoingEmail.objects.filter(key=f"handover-reminder:{handover.pk}").exists()


def test_a_handover_made_today_is_announced_not_reminded(desk, supporter, partner_org, monkeypatch):
    desk.handover_response_working_days = 1
    desk.save()
    today = timezone.localdate()
    handover = hand_over(desk, supporter, partner_org, monkeypatch, on=today)
    assert handover.respond_by == add_working_days(today, 1)  # inside the reminder window
    assert messages.handover_reminders_send(on=today) == 0
    assert not HandoverReminder.objects.filter(handover=handover).exists()


def test_reminder_task_runs_twice_with_one_effect(desk, supporter, partner_org, monkeypatch):
    handover = hand_over(desk, supporter, partner_org, monkeypatch)
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: handover.respond_by)
    support_handover_reminders.apply()
    snapshot = list(OutgoingEmail.objects.order_by("pk").values_list("key", flat=True))
    support_handover_reminders.apply()
    assert list(OutgoingEmail.objects.order_by("pk").values_list("key", flat=True)) == snapshot
    assert OutgoingEmail.objects.filter(key=f"handover-reminder:{handover.pk}").count() == 1


# --- The outcome of what the partner accepted ---------------------------------------------------


def test_partner_reports_the_outcome_and_the_desk_reads_it(
    client, desk, supporter, partner, partner_org
):
    request = ask(desk)
    services.support_request_assign(request=request, assignee=supporter, by=supporter)
    handover = services.handover_create(
        request=request, organisation=partner_org, note="x", by=supporter
    )
    client.force_login(partner)
    url = reverse("meetings:handover_outcome", args=[handover.pk])
    assert client.post(url, {"outcome": "Geholpen"}).status_code == 404  # not accepted yet
    services.handover_accept(handover=handover, by=partner, helper_name="Femke")
    queue = client.get(reverse("meetings:handover_queue")).content.decode()
    assert "Uitkomst melden" in queue
    response = client.post(url, {"outcome": ""})
    assert response.status_code == 400
    response = client.post(url, {"outcome": "Vrijwilligersbeleid opgezet met de club."})
    assert response.status_code == 302
    handover.refresh_from_db()
    assert handover.outcome == "Vrijwilligersbeleid opgezet met de club."
    event = request.events.get(kind=EventKind.HANDOVER_OUTCOME)
    assert not event.public
    email = OutgoingEmail.objects.get(key__startswith=f"handover-outcome:{handover.pk}:")
    assert email.to == [supporter.email]

    client.force_login(supporter)
    page = client.get(request.get_absolute_url()).content.decode()
    assert "Uitkomst gemeld" in page
    assert "Vrijwilligersbeleid opgezet met de club." in page
    public = client.get(request.get_public_url()).content.decode()
    assert "Vrijwilligersbeleid" not in public


def test_only_the_receiving_organisation_reports_an_outcome(desk, supporter, partner, partner_org):
    handover = services.handover_create(
        request=ask(desk), organisation=partner_org, note="x", by=supporter
    )
    services.handover_accept(handover=handover, by=partner)
    with pytest.raises(DomainError, match="ontvangende|receiving"):
        services.handover_outcome_report(handover=handover, by=supporter, outcome="Klaar")
    handover.refresh_from_db()
    assert handover.status == HandoverStatus.ACCEPTED
    assert handover.outcome == ""
