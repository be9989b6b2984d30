"""iCalendar (.ics) invitations of meetings (RFC 5545), with the Europe/Amsterdam time zone.

A meeting keeps one UID for its whole life and raises SEQUENCE when it moves or is cancelled,
so a calendar replaces the invitation it already has instead of adding a second one.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings
from django.utils import timezone

from ..models import Meeting
from .constants import MeetingStatus

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
PRODID = "-//Sportloket//Bijeenkomsten//NL"


def meeting_uid(meeting: Meeting) -> str:
    return f"meeting-{meeting.uid}@sportloket"


def meeting_ics(meeting: Meeting, *, attendee_emails: list[str] | None = None) -> str:
    """The meeting as a VCALENDAR with one VEVENT; METHOD:CANCEL for a cancelled meeting."""
    cancelled = meeting.status == MeetingStatus.CANCELLED
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "REQUEST")
    calendar.add_component(icalendar.Timezone.from_tzid("Europe/Amsterdam"))
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
    for email in attendee_emails or []:
        event.add("attendee", f"mailto:{email}", parameters={"ROLE": "REQ-PARTICIPANT"})
    calendar.add_component(event)
    return calendar.to_ical().decode()
