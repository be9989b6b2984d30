"""The public POS offices in the API: exactly the offices the public pages and map show (seed
000 §4: "POS-kantoor op de website van POS", "Agenda en contactpersoon op de website van
POS"), the contact person only with their recorded consent, the coming public meetings as on
the page, the page's address; the same few queries however many offices and meetings."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from meetings.programme.constants import MeetingKind, MeetingStatus
from poskantoor.constants import OfficeStatus
from poskantoor.models import PosOffice
from tests.meetings.factories import MeetingFactory
from tests.poskantoor.factories import make_office

pytestmark = pytest.mark.django_db

LIST = "/api/v1/public/pos-offices/"
CONSENT = dt.datetime(2026, 1, 31, 9, 0, tzinfo=dt.UTC)
INTERNAL_EMAIL = "contact@gemeente.example"  # the office's own contact (make_office)


def soon(days=14):
    return timezone.now() + dt.timedelta(days=days)


def meeting(office, kind=MeetingKind.FOLLOW_UP, days=14, **kwargs):
    return MeetingFactory(
        office=office,
        kind=kind,
        starts_at=soon(days),
        ends_at=soon(days) + dt.timedelta(hours=2),
        **kwargs,
    )


@pytest.fixture
def utrecht():
    return make_office(
        "GM0344",
        is_public=True,
        contact_name="Interne Contactpersoon",
        public_contact_name="Sanne de Vries",
        public_contact_email="sanne@utrecht.example",
        public_contact_phone="030 123 45 67",
        public_contact_consent_at=CONSENT,
    )


def test_only_offices_that_chose_to_be_public_are_listed_and_none_other_answers(client, utrecht):
    hidden = make_office("GM0307")  # Amersfoort: never switched public
    stopped = make_office("GM0355", is_public=True)  # Zeist: public, then stopped
    PosOffice.objects.filter(pk=stopped.pk).update(
        status=OfficeStatus.STOPPED, stopped_on=dt.date(2026, 6, 1)
    )
    meeting(hidden, title="Verborgen bijeenkomst")
    response = client.get(LIST)
    assert response.status_code == 200
    assert [row["slug"] for row in response.json()] == ["utrecht"]
    text = response.content.decode()
    assert "Amersfoort" not in text
    assert "Zeist" not in text
    assert "Verborgen bijeenkomst" not in text
    for slug in ("amersfoort", "zeist", "bestaat-niet"):
        refused = client.get(f"{LIST}{slug}/")
        assert refused.status_code == 404, slug
        assert refused.json()["code"] == "not_found"
        # The same answer as the public page: nothing tells them apart.
        assert client.get(f"/pos-kantoren/{slug}/").status_code == 404


def test_the_detail_shows_what_the_public_page_shows(client, utrecht, settings):
    settings.SPORTLOKET_SITE_URL = "https://sportloket.example.nl"
    plenary = meeting(
        utrecht,
        MeetingKind.SECOND_PLENARY,
        title="Tweede plenaire bijeenkomst",
        location="Sporthal De Kroon",
        agenda="1. Welkom",
        online_url="https://meet.example/geheim",
    )
    body = client.get(f"{LIST}utrecht/").json()
    assert body["name"] == utrecht.name
    assert body["municipality"]["cbs_code"] == "GM0344"
    assert body["phase"] == "in oprichting"
    assert body["url"] == "https://sportloket.example.nl/pos-kantoren/utrecht/"
    assert body["join_url"] == "https://sportloket.example.nl/aanmelden/?gemeente=GM0344"
    assert body["contact"] == {
        "name": "Sanne de Vries",
        "email": "sanne@utrecht.example",
        "phone": "030 123 45 67",
    }
    [shown] = body["meetings"]
    assert shown["id"] == plenary.pk
    assert shown["title"] == "Tweede plenaire bijeenkomst"
    assert shown["location"] == "Sporthal De Kroon"
    assert shown["online"] is True
    assert "meet.example" not in json.dumps(body)  # the link is for those invited
    assert shown["ics_url"].startswith("https://sportloket.example.nl/pos-kantoren/utrecht/")
    path = shown["ics_url"].removeprefix("https://sportloket.example.nl")
    assert client.get(path).status_code == 200
    assert client.get(LIST).json() == [body]


def test_a_contact_person_without_recorded_consent_never_appears(client):
    """The office's own (internal) contact is not its public contact: without a consenting
    public contact person, the API names nobody."""
    make_office("GM0344", is_public=True, contact_name="Interne Contactpersoon")
    for body in (client.get(f"{LIST}utrecht/").json(), client.get(LIST).json()[0]):
        assert body["contact"] is None
        text = json.dumps(body)
        assert "Interne Contactpersoon" not in text
        assert INTERNAL_EMAIL not in text


def test_withdrawn_consent_removes_the_contact_from_the_api(client, utrecht):
    from poskantoor.services import office_public_face_update
    from tests.factories import StaffProfileFactory, municipality

    officer = StaffProfileFactory(policy_staff=True, municipality=municipality("GM0344")).user
    office_public_face_update(office=utrecht, data={"is_public": True}, by=officer)
    assert client.get(f"{LIST}utrecht/").json()["contact"] is None
    assert "Sanne" not in client.get(LIST).content.decode()


def test_only_the_coming_meetings_open_to_entrepreneurs_are_shown(client, utrecht):
    """As on the page: not the core group's start sessions, not cancelled, not past."""
    meeting(utrecht, MeetingKind.SPORT_CAFE, days=20, title="Sportcafé")
    meeting(utrecht, MeetingKind.FOLLOW_UP, days=10, title="Vervolgbijeenkomst")
    meeting(utrecht, MeetingKind.START_SESSION_1, title="Kerngroep intern")
    meeting(utrecht, MeetingKind.KARTREKKERS, title="Kartrekkers")
    meeting(utrecht, title="Afgelast", status=MeetingStatus.CANCELLED)
    meeting(utrecht, days=-30, title="Al geweest")
    for body in (client.get(f"{LIST}utrecht/").json(), client.get(LIST).json()[0]):
        assert [m["title"] for m in body["meetings"]] == ["Vervolgbijeenkomst", "Sportcafé"]


def list_queries(client) -> int:
    from django.core.cache import cache

    cache.clear()  # the public list is cached: count what a fresh read costs
    with CaptureQueriesContext(connection) as queries:
        assert client.get(LIST).status_code == 200
    return len(queries)


def test_the_list_runs_the_same_queries_for_few_or_many_offices_and_meetings(client, utrecht):
    meeting(utrecht)
    few = list_queries(client)
    for code in ("GM0307", "GM0355", "GM0363", "GM0599"):
        office = make_office(
            code,
            is_public=True,
            public_contact_name="Contact",
            public_contact_consent_at=CONSENT,
        )
        for days in range(1, 13):  # more than a page shows: ten each
            meeting(office, days=days)
    many = list_queries(client)
    assert few == many <= 3
    body = client.get(LIST).json()
    assert len(body) == 5
    assert sorted(len(row["meetings"]) for row in body) == [1, 10, 10, 10, 10]
