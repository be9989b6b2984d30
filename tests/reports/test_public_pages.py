"""The POS offices in public: the office page and its snippet when the office chose to be
public (seed 000 §4: "POS-kantoor op de website van POS", "Agenda en contactpersoon op de
website van POS"), the public map, the .ics of a public meeting; anything not public is a 404
and leaks nothing."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from meetings.programme.constants import MeetingKind, MeetingStatus
from poskantoor.constants import OfficeStatus
from poskantoor.models import PosOffice
from tests.factories import DeskFactory, municipality
from tests.meetings.factories import MeetingFactory
from tests.poskantoor.factories import make_office

pytestmark = pytest.mark.django_db

CONSENT = dt.datetime(2026, 1, 31, 9, 0, tzinfo=dt.UTC)
INTERNAL_EMAIL = "contact@gemeente.example"  # the office's own contact (make_office)


def public_office(code="GM0344", *, active=False, **kwargs):
    office = make_office(code, is_public=True, **kwargs)
    if active:  # as if every founding step was held
        PosOffice.objects.filter(pk=office.pk).update(status=OfficeStatus.ACTIVE, current_step="7")
        office.refresh_from_db()
    return office


def soon(days=14):
    return timezone.now() + dt.timedelta(days=days)


@pytest.fixture
def utrecht():
    office = public_office(
        public_contact_name="Sanne de Vries",
        public_contact_email="sanne@utrecht.example",
        public_contact_phone="030 123 45 67",
        public_contact_consent_at=CONSENT,
    )
    office.name = "POS-kantoor Utrecht"
    office.save(update_fields=["name"])
    return office


def test_the_public_page_shows_name_municipality_phase_contact_meetings_and_joining(
    client, utrecht
):
    plenary = MeetingFactory(
        office=utrecht,
        kind=MeetingKind.SECOND_PLENARY,
        title="Tweede plenaire bijeenkomst",
        starts_at=soon(),
        ends_at=soon() + dt.timedelta(hours=2),
        location="Sporthal De Kroon",
        agenda="1. Welkom\n2. Doelen van de gemeente",
    )
    online = MeetingFactory(
        office=utrecht,
        kind=MeetingKind.SPORT_CAFE,
        title="Sportcafé",
        starts_at=soon(20),
        ends_at=soon(20) + dt.timedelta(hours=1),
        location="",
        online_url="https://meet.example/sportcafe",
    )
    MeetingFactory(
        office=utrecht,
        kind=MeetingKind.START_SESSION_1,
        title="Kerngroep intern",
        starts_at=soon(),
        ends_at=soon() + dt.timedelta(hours=1),
    )
    MeetingFactory(
        office=utrecht,
        kind=MeetingKind.FOLLOW_UP,
        title="Afgelast",
        starts_at=soon(),
        ends_at=soon() + dt.timedelta(hours=1),
        status=MeetingStatus.CANCELLED,
    )
    MeetingFactory(
        office=utrecht,
        kind=MeetingKind.FOLLOW_UP,
        title="Al geweest",
        starts_at=soon(-30),
        ends_at=soon(-30) + dt.timedelta(hours=1),
    )
    response = client.get("/pos-kantoren/utrecht/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "POS-kantoor Utrecht" in page
    assert "In oprichting" in page
    assert "Sanne de Vries" in page
    assert "sanne@utrecht.example" in page
    assert "030 123 45 67" in page
    assert INTERNAL_EMAIL not in page
    assert "Tweede plenaire bijeenkomst" in page
    assert "Doelen van de gemeente" in page
    assert "Sporthal De Kroon" in page
    assert "Sportcafé" in page
    assert "online" in page
    assert page.index("Tweede plenaire") < page.index("Sportcafé")
    for hidden in ("Kerngroep intern", "Afgelast", "Al geweest"):
        assert hidden not in page
    assert f"/pos-kantoren/utrecht/bijeenkomsten/{plenary.pk}.ics" in page
    assert f"/pos-kantoren/utrecht/bijeenkomsten/{online.pk}.ics" in page
    assert "/aanmelden/?gemeente=GM0344" in page


def test_an_active_office_is_shown_as_active(client):
    public_office(active=True)
    page = client.get("/pos-kantoren/utrecht/").content.decode()
    assert "Actief" in page


def test_without_consent_no_contact_person_is_shown(client):
    public_office()
    page = client.get("/pos-kantoren/utrecht/").content.decode()
    assert "nog geen openbare contactpersoon" in page
    assert INTERNAL_EMAIL not in page


@pytest.mark.parametrize(
    "kwargs",
    [
        {"is_public": False},
        {"is_public": True, "status": OfficeStatus.STOPPED, "stopped_on": dt.date(2026, 3, 1)},
    ],
    ids=["not-public", "stopped"],
)
def test_an_office_that_is_not_public_is_404_everywhere_and_leaks_nothing(client, kwargs):
    office = make_office("GM0344", **kwargs)
    office.name = "Geheim kantoor"
    office.save(update_fields=["name"])
    meeting = MeetingFactory(office=office, starts_at=soon(), ends_at=soon(15))
    for url in (
        "/pos-kantoren/utrecht/",
        "/pos-kantoren/utrecht/embed/",
        f"/pos-kantoren/utrecht/bijeenkomsten/{meeting.pk}.ics",
    ):
        assert client.get(url).status_code == 404, url
    public_map = client.get("/pos-kantoren/kaart/").content.decode()
    assert "Geheim kantoor" not in public_map
    assert "/pos-kantoren/utrecht/" not in public_map


def test_an_unknown_municipality_is_404(client, utrecht):
    assert client.get("/pos-kantoren/nergenshuizen/").status_code == 404


def test_a_meeting_of_another_office_or_not_public_is_404_as_ics(client, utrecht):
    other = public_office("GM0363")
    theirs = MeetingFactory(office=other, starts_at=soon(), ends_at=soon(15))
    internal = MeetingFactory(
        office=utrecht, kind=MeetingKind.KARTREKKERS, starts_at=soon(), ends_at=soon(15)
    )
    assert client.get(f"/pos-kantoren/utrecht/bijeenkomsten/{theirs.pk}.ics").status_code == 404
    assert client.get(f"/pos-kantoren/utrecht/bijeenkomsten/{internal.pk}.ics").status_code == 404


def test_the_ics_is_published_with_the_public_contact_and_page(client, utrecht):
    meeting = MeetingFactory(
        office=utrecht,
        title="Startbijeenkomst",
        starts_at=soon(),
        ends_at=soon(15),
        kind=MeetingKind.START_MEETING,
    )
    response = client.get(f"/pos-kantoren/utrecht/bijeenkomsten/{meeting.pk}.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    text = response.content.decode()
    assert INTERNAL_EMAIL not in text
    calendar = icalendar.Calendar.from_ical(text)
    assert str(calendar["method"]) == "PUBLISH"
    (event,) = calendar.walk("VEVENT")
    assert str(event["summary"]) == "Startbijeenkomst"
    assert str(event["organizer"]) == "mailto:sanne@utrecht.example"
    assert str(event["url"]).endswith("/pos-kantoren/utrecht/")
    assert "uid" in event


def test_the_ics_without_a_consenting_contact_names_the_site_not_the_office(client):
    office = public_office()
    meeting = MeetingFactory(office=office, starts_at=soon(), ends_at=soon(15))
    text = client.get(f"/pos-kantoren/utrecht/bijeenkomsten/{meeting.pk}.ics").content.decode()
    assert INTERNAL_EMAIL not in text
    (event,) = icalendar.Calendar.from_ical(text).walk("VEVENT")
    assert str(event["organizer"]) == "mailto:noreply@sportloket.nl"


@override_settings(SPORTLOKET_EMBED_ORIGINS=["https://www.pos.example"])
def test_only_the_snippet_may_be_framed_and_only_by_the_allowed_origins(client, utrecht):
    embed = client.get("/pos-kantoren/utrecht/embed/")
    assert embed.status_code == 200
    policy = embed["Content-Security-Policy"]
    assert "frame-ancestors 'self' https://www.pos.example" in policy
    assert "X-Frame-Options" not in embed
    snippet = embed.content.decode()
    assert "POS-kantoor Utrecht" in snippet
    assert "navbar" not in snippet
    for url in ("/pos-kantoren/utrecht/", "/pos-kantoren/kaart/", "/aanmelden/"):
        response = client.get(url)
        assert "frame-ancestors 'none'" in response["Content-Security-Policy"], url


def test_the_join_link_fills_in_the_municipality(client, utrecht):
    page = client.get("/aanmelden/?gemeente=GM0344").content.decode()
    utrecht_pk = municipality("GM0344").pk
    assert f'<option value="{utrecht_pk}" selected>' in page
    # An unknown code is ignored: the form opens empty.
    assert client.get("/aanmelden/?gemeente=GM9999").status_code == 200


def test_the_public_map_shows_public_offices_by_phase_and_desks(client, utrecht):
    public_office("GM0363", active=True)
    make_office("GM0599")  # Rotterdam: not public
    DeskFactory(name="Sportloket Zeist", municipalities=[municipality("GM0355")])
    DeskFactory(name="Loket Utrecht", municipalities=[municipality("GM0344")])
    response = client.get("/pos-kantoren/kaart/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "© CBS" in page
    assert '<a href="/pos-kantoren/utrecht/" tabindex="0" data-code="GM0344">' in page
    assert '<a href="/pos-kantoren/amsterdam/" tabindex="0" data-code="GM0363">' in page
    assert 'data-code="GM0344" data-state="phase-founding"' in page
    assert 'data-code="GM0363" data-state="phase-active"' in page
    assert '<g data-code="GM0355"><title>Zeist: Sport- en beweegloket (Sportloket Zeist)' in page
    assert '<g data-code="GM0599"><title>Rotterdam: Geen POS-kantoor of loket' in page
    assert "/pos-kantoren/rotterdam/" not in page


def test_public_pages_cost_a_fixed_number_of_queries(client, utrecht):
    for code in ("GM0363", "GM0599", "GM0518"):
        public_office(code)
    for _ in range(5):
        MeetingFactory(office=utrecht, starts_at=soon(), ends_at=soon(15))
    with CaptureQueriesContext(connection) as page:
        client.get("/pos-kantoren/utrecht/")
    with CaptureQueriesContext(connection) as public_map:
        client.get("/pos-kantoren/kaart/")
    assert len(page) <= 3
    assert len(public_map) <= 3
