"""Reads of the public pages. Everything here is shown to anyone: only public offices, only
meetings open to entrepreneurs, the contact person only with their recorded consent."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from email.utils import parseaddr

import icalendar
from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from meetings.models import Meeting
from meetings.programme.constants import MeetingKind, MeetingStatus
from meetings.programme.ics import meeting_ics
from poskantoor.models import PosOffice
from poskantoor.selectors import public_offices, public_phase, public_slug

# The meetings an entrepreneur may come to: the plenary meetings and the guideline's themed
# meetings with the entrepreneurs (seed 000 §5 "Bijeenkomst 1 Startbijeenkomst" and further).
# Not the introduction call, the kartrekkers meeting or the core group's start sessions, nor
# the exchange between offices: those are for the people already involved.
PUBLIC_MEETING_KINDS = (
    MeetingKind.START_MEETING,
    MeetingKind.SECOND_PLENARY,
    MeetingKind.FOLLOW_UP,
    MeetingKind.MUNICIPAL_GOALS,
    MeetingKind.COOPERATION_SESSION,
    MeetingKind.NEW_YEAR,
    MeetingKind.FUNDS,
    MeetingKind.ACCOMMODATIONS,
    MeetingKind.TRAINING,
    MeetingKind.EXTERNAL_EXPERTISE,
    MeetingKind.EVALUATION,
    MeetingKind.SPORT_CAFE,
)
MEETINGS_SHOWN = 10


@dataclass(frozen=True)
class PublicContact:
    name: str
    email: str
    phone: str


@dataclass
class PublicOffice:
    office: PosOffice
    slug: str
    phase: str
    contact: PublicContact | None
    meetings: list[Meeting]
    join_url: str


def public_contact(office: PosOffice) -> PublicContact | None:
    """The contact person, only with their consent recorded (the database refuses a contact
    without it; the check here keeps a page from ever showing one)."""
    if office.public_contact_consent_at is None or not office.public_contact_name:
        return None
    return PublicContact(
        office.public_contact_name, office.public_contact_email, office.public_contact_phone
    )


def coming_public_meetings(*, now: dt.datetime | None = None) -> QuerySet[Meeting]:
    """The coming planned meetings open to entrepreneurs, of every office, soonest first (the
    one rule for the page and the API; the API prefetches it for many offices at once)."""
    return Meeting.objects.filter(
        status=MeetingStatus.PLANNED,
        kind__in=PUBLIC_MEETING_KINDS,
        ends_at__gte=now or timezone.now(),
    ).order_by("starts_at", "pk")


def public_meetings(office: PosOffice, *, now: dt.datetime | None = None) -> list[Meeting]:
    """The coming planned meetings open to entrepreneurs, soonest first."""
    return list(coming_public_meetings(now=now).filter(office=office)[:MEETINGS_SHOWN])


def join_url(office: PosOffice) -> str:
    """The entrepreneurs' interest form with the office's municipality filled in."""
    return (
        f"{reverse('providers:register')}?{urlencode({'gemeente': office.municipality.cbs_code})}"
    )


def public_office(office: PosOffice, *, meetings: list[Meeting] | None = None) -> PublicOffice:
    return PublicOffice(
        office=office,
        slug=public_slug(office.municipality.name),
        phase=public_phase(office),
        contact=public_contact(office),
        meetings=public_meetings(office) if meetings is None else meetings,
        join_url=join_url(office),
    )


def public_office_list(*, now: dt.datetime | None = None) -> list[PublicOffice]:
    """Every office that chose to be public (``poskantoor.selectors.public_offices``) with its
    coming public meetings, as on its page: two queries, however many offices and meetings."""
    coming = coming_public_meetings(now=now)[:MEETINGS_SHOWN]
    offices = public_offices().prefetch_related(
        Prefetch("meetings", queryset=coming, to_attr="coming_public_meetings")
    )
    return [public_office(office, meetings=office.coming_public_meetings) for office in offices]


def public_meeting_get(office: PosOffice, pk: int) -> Meeting | None:
    """One public meeting of the office (coming or past, not cancelled), else None."""
    return (
        Meeting.objects.filter(
            office=office, pk=pk, kind__in=PUBLIC_MEETING_KINDS, status=MeetingStatus.PLANNED
        )
        .select_related("office")
        .first()
    )


def public_meeting_ics(meeting: Meeting, office: PosOffice) -> str:
    """The meeting's calendar entry for anyone (``meetings.programme.ics``), made public:
    METHOD:PUBLISH (a published event, not an invitation to reply to), the public page as its
    URL and as organiser the public contact with consent, else the site's sender address —
    never the office's internal contact."""
    calendar = icalendar.Calendar.from_ical(meeting_ics(meeting))
    calendar.pop("method", None)
    calendar.add("method", "PUBLISH")
    contact = public_contact(office)
    if contact and contact.email:
        name, email = contact.name, contact.email
    else:
        name, email = parseaddr(settings.DEFAULT_FROM_EMAIL)
    page = reverse("reports:public_office", args=[public_slug(office.municipality.name)])
    for event in calendar.walk("VEVENT"):
        for key in ("organizer", "url", "attendee"):
            event.pop(key, None)
        event.add("organizer", f"mailto:{email}", parameters={"CN": name})
        event.add("url", f"{settings.SPORTLOKET_SITE_URL}{page}")
    return calendar.to_ical().decode()
