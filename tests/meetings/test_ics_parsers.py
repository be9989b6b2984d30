"""Calendar invitations that calendars accept: the .ics read by two independent parsers
(icalendar and vobject), the e-mail part typed as an invitation, an ORGANIZER (RFC 5546) and a
greeting of the person rather than the organisation."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest
import vobject
from django.core import mail

from meetings.programme import services
from meetings.programme.ics import meeting_ics
from tests.factories import DeskFactory, ProviderFactory
from tests.poskantoor.factories import make_office

from .factories import MeetingFactory, amsterdam

pytestmark = pytest.mark.django_db

WINTER = amsterdam(2026, 1, 15, 19, 30)  # CET, UTC+1
SUMMER = amsterdam(2026, 6, 18, 19, 30)  # CEST, UTC+2
FAR_SUMMER = amsterdam(2041, 6, 20, 19, 30)  # after 2038: no table of dates runs out


@pytest.fixture
def office(db):
    office = make_office(registered_on=dt.date(2026, 1, 31))
    office.contact_name = "Karin de Vries"
    office.contact_email = "karin@pos.example.org"
    office.save(update_fields=["contact_name", "contact_email"])
    return office


@pytest.mark.parametrize(
    ("when", "utc_hour"),
    [(WINTER, 18), (SUMMER, 17), (FAR_SUMMER, 17)],
    ids=["winter", "summer", "summer-2041"],
)
def test_two_independent_parsers_read_the_same_utc_time(office, when, utc_hour):
    """With the old VTIMEZONE (fixed dates, no RRULE) vobject read a June meeting an hour off;
    both parsers now agree, also after 2038."""
    ics = meeting_ics(MeetingFactory(office=office, starts_at=when), attendee_emails=["a@x.nl"])
    event = next(iter(icalendar.Calendar.from_ical(ics).walk("VEVENT")))
    by_icalendar = event.decoded("DTSTART").astimezone(dt.UTC)
    by_vobject = vobject.readOne(ics).vevent.dtstart.value.astimezone(dt.UTC)
    assert by_icalendar == by_vobject == when.astimezone(dt.UTC)
    assert by_vobject.hour == utc_hour


def test_the_time_zone_is_a_rule_not_a_list_of_dates(office):
    ics = meeting_ics(MeetingFactory(office=office, starts_at=SUMMER))
    zones = list(icalendar.Calendar.from_ical(ics).walk("VTIMEZONE"))
    assert [str(z["TZID"]) for z in zones] == ["Europe/Amsterdam"]
    parts = {p.name: p for p in zones[0].subcomponents}
    assert set(parts) == {"DAYLIGHT", "STANDARD"}
    assert parts["DAYLIGHT"]["RRULE"]["BYMONTH"] == [3]
    assert parts["STANDARD"]["RRULE"]["BYMONTH"] == [10]
    assert parts["DAYLIGHT"]["RRULE"]["BYDAY"] == ["-1SU"]
    assert "RDATE" not in ics


def test_a_request_names_the_office_contact_as_organizer(office):
    """RFC 5546 3.2.2: ORGANIZER is required in a METHOD:REQUEST."""
    ics = meeting_ics(MeetingFactory(office=office, starts_at=WINTER))
    event = vobject.readOne(ics).vevent
    assert event.organizer.value == "mailto:karin@pos.example.org"
    assert event.organizer.params["CN"] == ["Karin de Vries"]


def test_a_desk_meeting_is_organised_by_the_desk():
    desk = DeskFactory(name="Sportloket Oost", email="oost@loket.example.org")
    meeting = MeetingFactory(office=None, desk=desk, starts_at=WINTER)
    event = next(iter(icalendar.Calendar.from_ical(meeting_ics(meeting)).walk("VEVENT")))
    assert str(event["ORGANIZER"]) == "mailto:oost@loket.example.org"
    assert event["ORGANIZER"].params["CN"] == "Sportloket Oost"


def _calendar_part(message):
    return next(p for p in message.message().walk() if p.get_content_type() == "text/calendar")


def test_the_invitation_mail_is_an_invitation_and_greets_the_person(
    office, django_capture_on_commit_callbacks
):
    provider = ProviderFactory(
        name="Korfbalvereniging DOS", contact_name="Sanne Bakker", email="info@dos.example.org"
    )
    meeting = MeetingFactory(office=office, starts_at=SUMMER)
    services.attendee_add(meeting=meeting, data={"provider": provider}, by=None)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.meeting_invite(meeting=meeting, by=None) == 1
    sent = mail.outbox[-1]
    assert sent.body.startswith("Beste Sanne Bakker,")
    assert "Korfbalvereniging DOS," not in sent.body.splitlines()[0]
    part = _calendar_part(sent)
    assert part.get_param("method") == "REQUEST"
    assert part.get_content_charset() == "utf-8"
    assert part.get_filename() == "uitnodiging.ics"
    ics = part.get_payload(decode=True).decode()
    event = vobject.readOne(ics).vevent
    assert event.dtstart.value.astimezone(dt.UTC) == SUMMER.astimezone(dt.UTC)
    assert event.organizer.value == "mailto:karin@pos.example.org"


def test_an_organisation_without_a_person_gets_a_general_greeting(
    office, django_capture_on_commit_callbacks
):
    provider = ProviderFactory(name="Zwemclub De Golf", contact_name="", email="golf@example.org")
    meeting = MeetingFactory(office=office, starts_at=WINTER)
    services.attendee_add(meeting=meeting, data={"provider": provider}, by=None)
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_invite(meeting=meeting, by=None)
    assert mail.outbox[-1].body.startswith("Beste genodigde,")


def test_a_cancellation_part_says_cancel(office, django_capture_on_commit_callbacks):
    meeting = MeetingFactory(office=office, starts_at=WINTER)
    services.attendee_add(meeting=meeting, data={"name": "Piet", "email": "p@x.nl"}, by=None)
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_invite(meeting=meeting, by=None)
        services.meeting_cancel(meeting=meeting, by=None)
    assert _calendar_part(mail.outbox[-1]).get_param("method") == "CANCEL"
