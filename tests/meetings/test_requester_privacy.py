"""A requester's rights on support questions: erasure (AVG art. 17) and export (art. 15)."""

from __future__ import annotations

import json

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from meetings.models import (
    Agreement,
    Attendee,
    ContactMoment,
    Handover,
    Meeting,
    SupportRequest,
    SupportRequestEvent,
)
from meetings.privacy import services as services_privacy
from meetings.programme import services as programme_services
from meetings.support import services
from meetings.support.constants import Channel, ContactChannel, SupportStatus
from network import services as network_services
from network.constants import SignalSource
from network.models import Signal
from providers.models import Provider
from reports.selectors import desk_dashboard, questions_per_municipality
from sportloket.constants import EmailStatus
from sportloket.models import AuditEvent, OutgoingEmail, Theme
from sportloket.retention import personal_data_leftovers
from sportloket.services import DomainError
from subsidies.models import Allocation
from tests.factories import DeskFactory, ProviderFactory, StaffProfileFactory, municipality
from tests.meetings.factories import MeetingFactory
from tests.subsidies.factories import BudgetFactory

pytestmark = pytest.mark.django_db

NAME, EMAIL, PHONE = "Henriëtte Zwanenburg", "henriette.zwanenburg@example.org", "0612345678"


@pytest.fixture
def asked(desk, supporter, partner, partner_org, django_capture_on_commit_callbacks):
    """Henriëtte asks twice through the public form (her provider is registered with her
    address and number), gets a public message, a note, a warm handover that is accepted, a
    contact moment that names her, and attends a desk meeting with an agreement."""
    with django_capture_on_commit_callbacks(execute=True):
        first = services.support_request_submit(
            municipality=municipality(),
            provider_name="Sportschool Zwaan",
            kvk_number="",
            contact_name=NAME,
            email=EMAIL,
            subject=f"Vraag van {NAME}",
            question=f"Bel mij op {PHONE}",
        )
        Provider.objects.filter(pk=first.provider_id).update(phone="+31612345678")
        second = services.support_request_submit(
            municipality=municipality(),
            provider_name="Sportschool Zwaan",
            kvk_number="",
            contact_name=NAME,
            email=EMAIL.upper(),  # the same person, however she types her address
            subject="Nog een vraag",
            question="Over vrijwilligers",
        )
        services.support_request_message(
            request=first, text=f"Dag {NAME}", by=supporter, public=True
        )
        services.support_request_message(
            request=first, text=f"{NAME} belt terug", by=supporter, public=False
        )
        handover = services.handover_create(
            request=first, organisation=partner_org, note=f"Graag {NAME} bellen", by=supporter
        )
        services.handover_accept(handover=handover, by=partner)
        services.contact_moment_record(
            provider=first.provider,
            desk=desk,
            staff=supporter,
            date=timezone.localdate(),
            channel=ContactChannel.PHONE,
            summary=f"{NAME} gebeld op 06-1234 5678 over haar vragen",
        )
    meeting = MeetingFactory(desk=desk)
    Attendee.objects.create(meeting=meeting, name=NAME, email=EMAIL, present=True)
    Agreement.objects.create(
        meeting=meeting,
        description="Zwemles",
        owner_name=NAME,
        owner_email=EMAIL,
        due_on=timezone.localdate(),
    )
    return first, second


@pytest.fixture
def other(desk):
    """Someone else at the same desk, and the same address at another desk: both untouched."""
    mine = services.support_request_create(
        desk=desk,
        provider=ProviderFactory(),
        subject="Vraag van Piet",
        question="Piet vraagt",
        channel=Channel.EMAIL,
        requester_name="Piet",
        requester_email="piet@example.org",
    )
    amsterdam = municipality("GM0363")
    elsewhere = services.support_request_create(
        desk=DeskFactory(municipalities=[amsterdam]),
        provider=ProviderFactory(municipality=amsterdam),
        subject="Vraag in Amsterdam",
        question="Tekst",
        channel=Channel.EMAIL,
        requester_name=NAME,
        requester_email=EMAIL,
    )
    return mine, elsewhere


def _url(request, what="wissen"):
    return f"/loket/hulpvragen/{request.pk}/aanvrager/{what}/"


def test_the_page_shows_what_is_held_and_erasing_removes_every_trace(
    client, supporter, asked, other
):
    first, second = asked
    client.force_login(supporter)
    page = client.get(_url(first))
    assert page.status_code == 200
    html = page.content.decode()
    for shown in ("Sportschool Zwaan", second.subject, EMAIL, 'name="confirm"'):
        assert shown in html
    assert 'name="include_providers"' in html
    assert personal_data_leftovers([EMAIL])  # the scan finds her before

    response = client.post(_url(first), {"confirm": "on", "include_providers": "on"})

    assert response.status_code == 302
    assert response["Location"] == first.get_absolute_url()
    for request in (first, second):
        request.refresh_from_db()
        assert (request.question, request.requester_name, request.requester_email) == ("", "", "")
        assert request.public_token.startswith("erased-")
    assert client.get(f"/hulpvraag/volg/{asked[0].public_token}/").status_code == 404
    assert not SupportRequestEvent.objects.filter(support_request__in=asked).exclude(text="")
    handover = Handover.objects.get(support_request=first)
    assert (handover.note, handover.status) == ("", "accepted")
    moment = ContactMoment.objects.get()
    assert NAME not in moment.summary
    assert "1234" not in moment.summary
    assert moment.summary.endswith("over haar vragen")
    # Nothing left of her anywhere (her questions at another desk are that desk's to erase).
    elsewhere = other[1]
    leftovers = [
        hit
        for hit in personal_data_leftovers([NAME, EMAIL, PHONE])
        if not hit.startswith(f"meetings.SupportRequest#{elsewhere.pk}.")
    ]
    assert leftovers == []
    assert SupportRequestEvent.objects.filter(support_request=elsewhere).exclude(text="").exists()
    # The others are untouched.
    mine, elsewhere = (SupportRequest.objects.get(pk=r.pk) for r in other)
    assert (mine.requester_email, mine.question) == ("piet@example.org", "Piet vraagt")
    assert elsewhere.requester_email == EMAIL
    assert OutgoingEmail.objects.filter(key=f"support-request-received:{mine.pk}").exists()


def test_the_erasure_is_audited_with_counts_and_numbers_only(supporter, asked):
    first, second = asked
    done = services_privacy.requester_erase(
        support_request=first, by=supporter, include_providers=True
    )
    assert done["support_requests"] == 2
    assert done["providers"] == 1
    assert done["emails"] >= 4
    assert done["contact_moments"] == 1
    assert (done["attendees"], done["agreements"]) == (1, 1)
    event = AuditEvent.objects.get(action="requester.erase")
    assert event.actor == supporter
    assert event.changes["support_request_ids"] == sorted([first.pk, second.pk])
    text = json.dumps(event.changes) + event.summary
    assert "zwanenburg" not in text.lower()
    assert "henri" not in text.lower()
    assert AuditEvent.objects.filter(action="support_request.erase_requester").count() == 2


def test_without_ticking_the_providers_their_contact_data_stays(supporter, asked):
    first, _second = asked
    services_privacy.requester_erase(support_request=first, by=supporter, include_providers=False)
    provider = Provider.objects.get(pk=first.provider_id)
    assert (provider.email, provider.erased_at) == (EMAIL, None)
    assert SupportRequest.objects.get(pk=first.pk).question == ""


def test_an_unsent_email_to_her_is_never_sent(supporter, asked, mailoutbox):
    first, _second = asked
    event = services.support_request_message(
        request=first, text="Nog niet verstuurd", by=supporter, public=True
    )
    pending = OutgoingEmail.objects.get(key=f"support-request-message:{event.pk}")
    assert pending.status == EmailStatus.PENDING
    services_privacy.requester_erase(support_request=first, by=supporter, include_providers=False)
    assert not OutgoingEmail.objects.filter(pk=pending.pk).exists()
    # Only the provider register's own e-mails stay (its contact data was not ticked).
    left = [e for e in OutgoingEmail.objects.all() if EMAIL in [t.lower() for t in e.to]]
    assert {e.key.split(":")[0] for e in left} == {"provider"}
    assert "Nog niet verstuurd" not in [m.body for m in mailoutbox]


def test_another_desks_email_to_the_same_address_is_neither_erased_nor_exported(
    supporter, asked, other
):
    """The same person asked at a desk in Amsterdam too: that desk's unsent e-mail to her is
    that desk's record; the erasure and the export here stay within this desk."""
    first, _second = asked
    elsewhere = other[1]
    theirs = OutgoingEmail.objects.get(key=f"support-request-received:{elsewhere.pk}")
    event = services.support_request_message(
        request=elsewhere, text="Tot dinsdag", by=supporter, public=True
    )
    theirs_unsent = OutgoingEmail.objects.get(key=f"support-request-message:{event.pk}")
    data = services_privacy.requester_personal_data(support_request=first, by=supporter)
    subjects = [e["subject"] for e in data["emails_sent"]]
    assert subjects
    assert theirs.subject not in subjects
    assert theirs_unsent.subject not in subjects
    assert "Andere sportloketten" in data["scope"]

    services_privacy.requester_erase(support_request=first, by=supporter, include_providers=False)
    left = set(
        OutgoingEmail.objects.filter(to__icontains="zwanenburg").exclude(
            key__startswith="provider:"
        )
    )
    assert left == {theirs, theirs_unsent}
    assert OutgoingEmail.objects.get(pk=theirs_unsent.pk).status == EmailStatus.PENDING


def test_a_failure_half_way_leaves_everything_as_it_was(supporter, asked, monkeypatch):
    """One transaction: the provider erasure fails after the questions were anonymised, and
    the questions, e-mails, contact moment and attendance are all still there."""
    first, second = asked

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services_privacy, "provider_erase_personal_data", broken)
    emails = OutgoingEmail.objects.count()
    audit = AuditEvent.objects.count()
    with pytest.raises(RuntimeError):
        services_privacy.requester_erase(
            support_request=first, by=supporter, include_providers=True
        )
    first.refresh_from_db()
    assert (first.requester_email, first.question) == (EMAIL, f"Bel mij op {PHONE}")
    assert OutgoingEmail.objects.count() == emails
    assert AuditEvent.objects.count() == audit
    assert NAME in ContactMoment.objects.get().summary
    assert Attendee.objects.get().email == EMAIL
    assert SupportRequestEvent.objects.filter(support_request=first, text__contains=NAME).exists()


@pytest.mark.parametrize("include_providers", [False, True])
def test_dashboard_figures_are_the_same_after_an_erasure(desk, supporter, asked, include_providers):
    """Every question figure stays. The provider figures follow the providers app's rule: a
    provider whose contact data is erased has left the network (``erased_at``), so ticking
    "also the providers" takes it out of the provider counts — and only then."""
    first, second = asked
    services.support_request_transition(request=second, to=SupportStatus.REJECTED, by=supporter)
    services.desk_stats_refresh(desk=desk)
    year = timezone.localdate().year

    def figures():
        board = desk_dashboard(desk=desk)
        questions = (
            board.per_status,
            board.per_category,
            board.per_week,
            board.first_response_hours,
            board.first_responses,
            board.handovers,
            board.rising,
            questions_per_municipality(year=year),
        )
        return questions, (board.providers, board.contacted)

    questions, providers = figures()
    services_privacy.requester_erase(
        support_request=first, by=supporter, include_providers=include_providers
    )
    services.desk_stats_refresh(desk=desk)
    assert figures()[0] == questions
    assert figures()[1] == ((0, 0) if include_providers else providers)
    assert providers == (1, 1)


def test_the_erasure_runs_the_same_number_of_queries_for_one_or_five_questions(
    desk, supporter, django_capture_on_commit_callbacks
):
    def ask(email: str, count: int) -> SupportRequest:
        provider = ProviderFactory()
        with django_capture_on_commit_callbacks(execute=True):
            for i in range(count):
                request = services.support_request_create(
                    desk=desk,
                    provider=provider,
                    subject=f"Vraag {i}",
                    question="Tekst",
                    channel=Channel.EMAIL,
                    requester_name="Kim",
                    requester_email=email,
                )
                services.support_request_message(
                    request=request, text="Antwoord", by=supporter, public=True
                )
        return request

    def queries(request) -> int:
        with CaptureQueriesContext(connection) as captured:
            services_privacy.requester_erase(
                support_request=request, by=supporter, include_providers=False
            )
        return len(captured)

    services_privacy.requester_erase(  # warm the content-type cache
        support_request=ask("warm@example.org", 1), by=supporter, include_providers=False
    )
    assert queries(ask("een@example.org", 1)) == queries(ask("vijf@example.org", 5))


# --- Refusals ----------------------------------------------------------------------------------


def test_only_the_desks_own_club_supporters_may_open_or_erase(
    client, asked, partner, policy_staff, pos_staff, administrator
):
    first, _second = asked
    other_desk = StaffProfileFactory(club_supporter=True, user__username="elders").user
    for user, expected in (
        (policy_staff, 403),
        (pos_staff, 403),
        (partner, 403),  # sees the handed-over question, but is not the desk
        (other_desk, 404),
    ):
        client.force_login(user)
        for url in (_url(first), _url(first, "persoonsgegevens")):
            assert client.post(url, {"confirm": "on"}).status_code == expected, (user, url)
        assert client.get(_url(first)).status_code == expected
    client.logout()
    assert client.post(_url(first), {"confirm": "on"}).status_code == 302  # to the login
    first.refresh_from_db()
    assert first.requester_email == EMAIL
    client.force_login(administrator)
    assert client.get(_url(first)).status_code == 200


def test_the_service_refuses_a_user_who_may_not_triage(asked, partner):
    first, _second = asked
    with pytest.raises(DomainError):
        services_privacy.requester_erase(support_request=first, by=partner, include_providers=True)
    with pytest.raises(DomainError):
        services_privacy.requester_personal_data(support_request=first, by=partner)


def test_without_the_confirmation_nothing_is_erased(client, supporter, asked):
    first, _second = asked
    client.force_login(supporter)
    for data in ({}, {"include_providers": "on"}, {"confirm": ""}):
        response = client.post(_url(first), data)
        assert response.status_code == 400
        assert "Vink de bevestiging aan" in response.content.decode()
    first.refresh_from_db()
    assert first.requester_email == EMAIL
    assert client.post("/loket/hulpvragen/999999/aanvrager/wissen/", {}).status_code == 404


def test_erasing_twice_says_there_is_nothing_left(client, supporter, asked):
    first, _second = asked
    client.force_login(supporter)
    client.post(_url(first), {"confirm": "on", "include_providers": "on"})
    page = client.get(_url(first))
    assert "Er zijn geen persoonsgegevens van deze aanvrager meer om te wissen" in (
        page.content.decode()
    )
    audit = AuditEvent.objects.count()
    again = client.post(_url(first), {"confirm": "on"})
    assert again.status_code == 400
    assert "Er zijn geen persoonsgegevens van deze aanvrager meer om te wissen" in (
        again.content.decode()
    )
    assert AuditEvent.objects.count() == audit


def test_a_question_without_an_address_is_erased_on_its_own(desk, supporter):
    provider = ProviderFactory(email="", contact_name="")
    phoned, other = (
        services.support_request_create(
            desk=desk,
            provider=provider,
            subject="Telefonische vraag",
            question="Belde over de kantine",
            channel=Channel.PHONE,
            requester_name="Jan",
            by=supporter,
        )
        for _ in range(2)
    )
    done = services_privacy.requester_erase(
        support_request=phoned, by=supporter, include_providers=True
    )
    assert done["support_requests"] == 1
    other.refresh_from_db()
    assert other.requester_name == "Jan"


# --- Export (art. 15) -------------------------------------------------------------------------


def test_the_export_holds_her_questions_emails_and_provider_but_no_internal_notes(
    client, supporter, asked
):
    first, second = asked
    client.force_login(supporter)
    assert client.get(_url(first, "persoonsgegevens")).status_code == 405
    response = client.post(_url(first, "persoonsgegevens"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["requester"] == {"names": [NAME], "email": EMAIL}
    assert [q["number"] for q in data["support_questions"]] == [first.pk, second.pk]
    timeline = " ".join(e["text"] for e in data["support_questions"][0]["timeline"])
    assert f"Dag {NAME}" in timeline
    assert "belt terug" not in timeline
    assert data["support_questions"][0]["handovers"][0]["status"] == "Geaccepteerd"
    assert data["emails_sent"]
    assert all(EMAIL in [to.lower() for to in e["to"]] for e in data["emails_sent"])
    assert data["providers"][0]["contact"]["email"] == EMAIL
    assert (len(data["meetings"]), len(data["agreements"])) == (1, 1)
    event = AuditEvent.objects.get(action="requester.export")
    assert event.changes == {"support_request_ids": [first.pk, second.pk]}
    assert "zwanenburg" not in (json.dumps(event.changes) + event.summary).lower()
    assert OutgoingEmail.objects.filter(status=EmailStatus.SENT).exists()


# --- Mentions of the person elsewhere at the desk ----------------------------------------------


@pytest.fixture
def mentioned(desk, supporter, asked, administrator):
    """What the desk wrote about Henriëtte outside her questions: a signal, the minutes of a
    desk meeting, a decision on money for her question (the transparency overview shows its
    rationale), and an administrator's change of her question in the admin (its log names the
    question's subject). Another desk's signal names her too."""
    first, _second = asked
    theme = Theme.objects.first()
    signal = network_services.signal_record(
        desk=desk,
        theme=theme,
        description=f"{NAME} ({EMAIL}) merkt dat vrijwilligers afhaken bij haar club",
        source=SignalSource.DESK,
        recorded_on=timezone.localdate(),
        by=supporter,
    )
    meeting = MeetingFactory(desk=desk)
    programme_services.meeting_minutes_save(
        meeting=meeting, minutes=f"Besproken: de vraag van {NAME}.", by=supporter
    )
    budget = BudgetFactory(desk=desk, year=timezone.localdate().year)
    allocation = services.support_request_allocate(
        request=first,
        budget=budget,
        amount="150",
        decision="granted",
        rationale=f"Zwemles voor de groep van {NAME}",
        decided_on=timezone.localdate(),
        by=supporter,
    )
    LogEntry.objects.log_actions(
        user_id=administrator.pk,
        queryset=SupportRequest.objects.filter(pk=first.pk),
        action_flag=CHANGE,
        change_message="Onderwerp gewijzigd",
        single_object=True,
    )
    amsterdam = DeskFactory(municipalities=[municipality("GM0363")])
    elsewhere = Signal.objects.create(
        desk=amsterdam,
        theme=theme,
        description=f"{NAME} vraagt ook in Amsterdam",
        source=SignalSource.DESK,
        recorded_on=timezone.localdate(),
    )
    return {"signal": signal, "meeting": meeting, "allocation": allocation, "other": elsewhere}


def _transparency_csv(client, desk) -> str:
    year = timezone.localdate().year
    response = client.get(f"/subsidies/transparantie/{desk.pk}/{year}/?format=csv")
    assert response.status_code == 200
    return response.content.decode()


def test_the_erasure_leaves_no_mention_in_signals_minutes_money_or_the_admin_log(
    client, desk, supporter, asked, mentioned
):
    first, _second = asked
    client.force_login(supporter)
    assert NAME in _transparency_csv(client, desk)
    before = {hit.split("#")[0] for hit in personal_data_leftovers([NAME, EMAIL, PHONE])}
    assert {
        "network.Signal",
        "meetings.Meeting",
        "subsidies.Allocation",
        "sportloket.AuditEvent",
        "admin.LogEntry",
    } <= before

    response = client.post(_url(first), {"confirm": "on", "include_providers": "on"})
    assert response.status_code == 302

    other = mentioned["other"]
    assert personal_data_leftovers([NAME, EMAIL, PHONE]) == [
        f"network.Signal#{other.pk}.description: {NAME}"
    ]  # another desk's signal is that desk's to erase
    assert NAME not in _transparency_csv(client, desk)
    signal = Signal.objects.get(pk=mentioned["signal"].pk)
    label = "(geanonimiseerd)"
    assert signal.description == f"{label} ({label}) merkt dat vrijwilligers afhaken bij haar club"
    assert Meeting.objects.get(pk=mentioned["meeting"].pk).minutes == (
        f"Besproken: de vraag van {label}."
    )
    allocation = Allocation.objects.get(pk=mentioned["allocation"].pk)
    assert allocation.rationale == f"Zwemles voor de groep van {label}"
    assert (allocation.amount, allocation.decision) == (150, "granted")  # the money stays
    assert LogEntry.objects.get().object_repr == label
    assert AuditEvent.objects.get(action="requester.erase").changes["mentions"] == 3


def test_a_mention_at_another_desk_is_not_this_desks_to_erase(desk, supporter, asked, mentioned):
    first, _second = asked
    services_privacy.requester_erase(support_request=first, by=supporter, include_providers=True)
    other = Signal.objects.get(pk=mentioned["other"].pk)
    assert other.description == f"{NAME} vraagt ook in Amsterdam"
