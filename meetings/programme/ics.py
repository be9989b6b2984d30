"""iCalendar (.ics) invitations of meetings (RFC 5545), with the Europe/Amsterdam time zone.

A meeting keeps one UID for its whole life and raises SEQUENCE when it moves or is cancelled,
so a calendar replaces the invitation it already has instead of adding a second one. RFC 5546
(3.2.2) requires an ORGANIZER in a METHOD:REQUEST or CANCEL: the desk or the office's contact.
The time zone is written as rules (the last Sunday of March and of October), so a parser needs
no table of transitions and reads a meeting in any year at the right hour.
"""

from __future__ import annotations

import datetime as dt
from email.utils import parseaddr
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings
from django.utils import timezone

from ..models import Meeting
from .constants import MeetingStatus

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
PRODID = "-//Sportloket//Bijeenkomsten//NL"
# The MIME type of the e-mail part, so that mail programs offer "accept" / "decline".
ICS_MIMETYPE_REQUEST = "text/calendar; method=REQUEST; charset=utf-8"
ICS_MIMETYPE_CANCEL = "text/calendar; method=CANCEL; charset=utf-8"


def amsterdam_vtimezone() -> icalendar.Timezone:
    """Europe/Amsterdam by its EU rule: summer time from the last Sunday of March 02:00 to the
    last Sunday of October 03:00 (RRULE), valid for every year rather than a list of dates."""
    zone = icalendar.Timezone()
    zone.add("tzid", "Europe/Amsterdam")
    zone.add("x-lic-location", "Europe/Amsterdam")
    summer = icalendar.TimezoneDaylight()
    summer.add("tzname", "CEST")
    summer.add("tzoffsetfrom", dt.timedelta(hours=1))
    summer.add("tzoffsetto", dt.timedelta(hours=2))
    summer.add("dtstart", dt.datetime(1981, 3, 29, 2, 0))  # noqa: DTZ001 - local wall time (RFC 5545)
    summer.add("rrule", {"freq": "yearly", "bymonth": 3, "byday": "-1SU"})
    winter = icalendar.TimezoneStandard()
    winter.add("tzname", "CET")
    winter.add("tzoffsetfrom", dt.timedelta(hours=2))
    winter.add("tzoffsetto", dt.timedelta(hours=1))
    winter.add("dtstart", dt.datetime(1996, 10, 27, 3, 0))  # noqa: DTZ001 - local wall time
    winter.add("rrule", {"freq": "yearly", "bymonth": 10, "byday": "-1SU"})
    zone.add_component(summer)
    zone.add_component(winter)
    return zone


def meeting_organizer(meeting: Meeting) -> tuple[str, str]:
    """(name, e-mail) of who organises the meeting: the desk (its address, else its
    coordinator's), or the office's contact person; the site's sender address otherwise."""
    name, email = "", ""
    if meeting.desk_id:
        desk = meeting.desk
        coordinator = desk.coordinator
        name = desk.name
        email = desk.email or (coordinator.email if coordinator else "")
    elif meeting.office_id:
        office = meeting.office
        name = office.contact_name or str(office)
        email = office.contact_email
    if not email:
        fallback_name, email = parseaddr(settings.DEFAULT_FROM_EMAIL)
        name = name or fallback_name
    return name, email


def ics_mimetype(meeting: Meeting) -> str:
    cancelled = meeting.status == MeetingStatus.CANCELLED
    return ICS_MIMETYPE_CANCEL if cancelled else ICS_MIMETYPE_REQUEST


def meeting_uid(meeting: Meeting) -> str:
    return f"meeting-{meeting.uid}@sportloket"


def meeting_ics(meeting: Meeting, *, attendee_emails: list[str] | None = None) -> str:
    """The meeting as a VCALENDAR with one VEVENT; METHOD:CANCEL for a cancelled meeting."""
    cancelled = meeting.status == MeetingStatus.CANCELLED
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "REQUEST")
    calendar.add_component(amsterdam_vtimezone())
    event = icalendar.Event()
    event.add("uid", meeting_uid(meeting))
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", timezone.now().astimezone(dt.UTC))
    event.add("dtstart", meeting.starts_at.astimezone(AMSTERDAM))
    event.add("dtend", meeting.ends_at.astimezone(AMSTERDAM))
    event.add("summary", meeting.title)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if meeting.location:
        event.add("location", meeting.location)
    description = "\n\n".join(part for part in (meeting.goals, meeting.agenda) if part)
    if meeting.online_url:
        description = f"{description}\n\n{meeting.online_url}".strip()
        event.add("conference", meeting.online_url, parameters={"VALUE": "URI"})
    if description:
        event.add("description", description)
    event.add("url", f"{settings.SPORTLOKET_SITE_URL}{meeting.get_absolute_url()}")
    organizer_name, organizer_email = meeting_organizer(meeting)
    event.add("organizer", f"mailto:{organizer_email}", parameters={"CN": organizer_name})
    for email in attendee_emails or []:
        event.add(
            "attendee",
            f"mailto:{email}",
            parameters={"ROLE": "REQ-PARTICIPANT", "PARTSTAT": "NEEDS-ACTION", "RSVP": "TRUE"},
        )
    calendar.add_component(event)
    return calendar.to_ical().decode()
