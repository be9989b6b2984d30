"""What the requester and the desk read about a question: every status, event and field in
words of the page's language, never a stored code ("Status gewijzigd : triaged")."""

import datetime as dt
import html
import re

import pytest
from django.conf import settings
from django.utils import translation

from meetings.support import services
from meetings.support.constants import (
    Channel,
    EventKind,
    Priority,
    SupportStatus,
)
from sportloket.models import QuestionCategory
from tests.factories import ProviderFactory

pytestmark = pytest.mark.django_db

DAY = dt.date(2025, 6, 2)  # a Monday, no holiday in the following two weeks

# Stored codes a person must never read: every status code (the labels are capitalised, the
# codes are not), the channel and event codes that are not ordinary words, and ISO dates.
# Handover statuses ("declined") are English words in labels ("Handover declined").
RAW_CODES = sorted(
    {str(s) for s in SupportStatus}
    | {str(c) for c in Channel if "_" in c}
    | {str(k) for k in EventKind if "_" in k}
)
RAW = re.compile(r"\b(" + "|".join(map(re.escape, RAW_CODES)) + r")\b|\b\d{4}-\d{2}-\d{2}\b")


def set_today(monkeypatch, day: dt.date) -> None:
    monkeypatch.setattr(services, "today", lambda: day)


def visible_text(content: bytes, start: str, end: str) -> str:
    """The text between two markers of the page as a browser shows it, on one line."""
    page = content.decode()
    part = page[page.index(start) : page.index(end, page.index(start))]
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", part)).split())
    return text.replace(" :", ":")


@pytest.fixture
def journey(desk, supporter, coordinator, partner, partner_org, monkeypatch):
    """One question through every event kind and every open status, and a second one
    rejected, both through the services the pages use."""
    set_today(monkeypatch, DAY)
    request = services.support_request_create(
        desk=desk,
        provider=ProviderFactory(),
        subject="Vrijwilligers",
        question="Hoe vinden we vrijwilligers?",
        channel=Channel.SPORT_PLATFORM,
        requester_email="kim@example.org",
    )
    category = QuestionCategory.objects.create(name="Vrijwilligers", slug="vrijwilligers")
    services.support_request_assign(request=request, assignee=supporter, by=supporter)
    services.support_request_update(
        request=request, by=supporter, category=category, priority=Priority.HIGH
    )
    services.support_request_message(
        request=request, text="We kijken ernaar.", by=supporter, public=True
    )
    services.support_request_message(request=request, text="Intern", by=supporter, public=False)
    services.support_request_transition(
        request=request, to=SupportStatus.WAITING_FOR_PROVIDER, by=supporter, text="Welke club?"
    )
    set_today(monkeypatch, DAY + dt.timedelta(days=2))
    services.support_request_provider_message(request=request, text="Voetbalclub")
    request.refresh_from_db()
    services.deadline_notices_send(on=request.deadline)  # reminds the assignee
    set_today(monkeypatch, DAY + dt.timedelta(days=10))
    services.deadline_notices_send(on=DAY + dt.timedelta(days=10))  # escalates
    first = services.handover_create(
        request=request, organisation=partner_org, note="Graag bellen", by=supporter
    )
    services.handovers_expire(on=first.respond_by + dt.timedelta(days=1))
    second = services.handover_create(
        request=request, organisation=partner_org, note="Nog een keer", by=supporter
    )
    services.handover_decline(handover=second, by=partner, reason="Vol")
    third = services.handover_create(
        request=request, organisation=partner_org, note="Derde keer", by=supporter
    )
    services.handover_accept(handover=third, by=partner, helper_name="Femke")
    services.handover_outcome_report(handover=third, by=partner, outcome="Club geholpen")
    services.support_request_transition(
        request=request, to=SupportStatus.RESOLVED, by=supporter, text="Geregeld"
    )
    services.support_request_transition(request=request, to=SupportStatus.CLOSED, by=supporter)
    rejected = services.support_request_create(
        desk=desk, provider=ProviderFactory(), subject="Andere", question="?", channel=Channel.FORM
    )
    services.support_request_transition(request=rejected, to=SupportStatus.REJECTED, by=supporter)
    request.refresh_from_db()
    rejected.refresh_from_db()
    return request, rejected


def test_the_journey_makes_every_event_kind_and_reaches_every_status(journey):
    request, rejected = journey
    kinds = set(request.events.values_list("kind", flat=True))
    assert kinds == set(EventKind.values)
    reached = {e.data["to"] for r in journey for e in r.events.filter(kind=EventKind.STATUS)}
    assert reached | {SupportStatus.NEW} == set(SupportStatus.values)


@pytest.mark.parametrize("language", ["nl", "en"])
def test_every_status_and_event_kind_reads_as_a_label_on_the_staff_timeline(
    client, supporter, journey, language
):
    """Issue: "Every status, event and field a person reads is a translated label"."""
    client.force_login(supporter)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    with translation.override(language):
        for request in journey:
            response = client.get(request.get_absolute_url())
            assert response.status_code == 200
            text = visible_text(response.content, '<dl class="row">', "</ol>")
            assert not RAW.search(text), RAW.search(text)
            for event in request.events.all():
                assert str(EventKind(event.kind).label) in text
            for to in request.events.filter(kind=EventKind.STATUS).values_list(
                "data__to", flat=True
            ):
                assert f"{EventKind.STATUS.label}: {SupportStatus(to).label}" in text
        closed, _ = journey
        text = " ".join(
            visible_text(client.get(closed.get_absolute_url()).content, "<dl", "</ol>").split()
        )
        assert (
            f"{EventKind.PRIORITY.label}: {Priority.NORMAL.label} → {Priority.HIGH.label}" in text
        )
        moved = closed.events.get(kind=EventKind.DEADLINE).data
        shown = [dt.date.fromisoformat(moved[k]).strftime("%d-%m-%Y") for k in ("from", "to")]
        assert f"{EventKind.DEADLINE.label}: {shown[0]} → {shown[1]}" in text
        assert str(Channel.SPORT_PLATFORM.label) in text


@pytest.mark.parametrize("language", ["nl", "en"])
def test_every_status_reads_as_a_label_on_the_private_status_page(client, journey, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    with translation.override(language):
        for request in journey:
            response = client.get(request.get_public_url())
            assert response.status_code == 200
            text = visible_text(response.content, "<h1", "</ol>")
            assert not RAW.search(text), RAW.search(text)
            flat = text
            for to in request.events.filter(kind=EventKind.STATUS).values_list(
                "data__to", flat=True
            ):
                assert f"{EventKind.STATUS.label}: {SupportStatus(to).label}" in flat
            assert str(SupportStatus(request.status).label) in flat
            # What only the desk reads stays off this page.
            assert "Intern" not in flat
            assert "Vol" not in flat.split()


@pytest.mark.parametrize("status", SupportStatus.values)
def test_the_current_status_is_its_label_in_both_languages(client, desk, status):
    from .factories import SupportRequestFactory

    request = SupportRequestFactory(desk=desk, status=status)
    for language in ("nl", "en"):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        with translation.override(language):
            response = client.get(request.get_public_url())
            label = str(SupportStatus(status).label)
        assert f'<strong id="public-status">{label}</strong>' in response.content.decode()
