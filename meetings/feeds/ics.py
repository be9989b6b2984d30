"""The feed as an iCalendar subscription (RFC 5545, METHOD:PUBLISH): meetings at their
Europe/Amsterdam wall time with the rule-based VTIMEZONE of the invitations, deadlines as
all-day events. A meeting keeps the UID and SEQUENCE of its invitation, so a calendar that has
both shows it once. No attendees and no organiser: a subscription is not an invitation, and
it names nobody."""

from __future__ import annotations

import datetime as dt

import icalendar
from django.conf import settings
from django.utils import timezone

from ..models import Meeting
from ..programme.constants import MeetingStatus
from ..programme.ics import AMSTERDAM, PRODID, amsterdam_vtimezone, meeting_uid
from .selectors import Deadline

# How often a calendar program should fetch the feed again (a hint; many use their own).
REFRESH = dt.timedelta(hours=1)


def _meeting_event(meeting: Meeting, stamp: dt.datetime) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", meeting_uid(meeting))
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", stamp)
    event.add("dtstart", meeting.starts_at.astimezone(AMSTERDAM))
    event.add("dtend", meeting.ends_at.astimezone(AMSTERDAM))
    event.add("summary", meeting.title)
    cancelled = meeting.status == MeetingStatus.CANCELLED
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if meeting.location:
        event.add("location", meeting.location)
    url = f"{settings.SPORTLOKET_SITE_URL.rstrip('/')}{meeting.get_absolute_url()}"
    event.add("url", url)
    event.add("description", "\n\n".join(p for p in (meeting.online_url, url) if p))
    return event


def _deadline_event(deadline: Deadline, stamp: dt.datetime) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", deadline.uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", deadline.on)
    event.add("dtend", deadline.on + dt.timedelta(days=1))
    event.add("summary", deadline.summary)
    event.add("transp", "TRANSPARENT")  # a deadline does not make the day busy
    event.add("url", deadline.url)
    event.add("description", deadline.url)
    return event


def feed_ics(*, name: str, meetings: list[Meeting], deadlines: list[Deadline]) -> str:
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Europe/Amsterdam")
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", REFRESH)
    calendar.add_component(amsterdam_vtimezone())
    stamp = timezone.now().astimezone(dt.UTC)
    for meeting in meetings:
        calendar.add_component(_meeting_event(meeting, stamp))
    for deadline in deadlines:
        calendar.add_component(_deadline_event(deadline, stamp))
    return calendar.to_ical().decode()
