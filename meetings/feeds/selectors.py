"""Reads of calendar feeds: the feed behind an address, the address of a feed, and what a
feed shows, in a fixed number of queries however many events there are."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from poskantoor.constants import MUNICIPALITY_SIDE, OPEN_STATUSES, POS_SIDE
from poskantoor.models import FoundingStep
from sportloket.constants import Role
from sportloket.selectors import user_scope

from ..models import Agreement, Attendee, CalendarFeed, Meeting, SupportRequest
from ..programme.selectors import meeting_scope_q

SALT = "sportloket.calendar-feed"
# Meetings that ended longer ago than this are left out (the feed stays small).
PAST_DAYS = 92


def _secret(feed: CalendarFeed, key: str | bytes | None = None) -> str:
    return salted_hmac(SALT, f"{feed.pk}:{feed.key}", secret=key, algorithm="sha256").hexdigest()[
        :40
    ]


def feed_token(feed: CalendarFeed) -> str:
    """The last part of the feed's address: ``<pk>-<secret>``."""
    return f"{feed.pk}-{_secret(feed)}"


def feed_urls(feed: CalendarFeed) -> tuple[str, str]:
    """(webcal:// address for calendar programs, https:// address for web calendars)."""
    path = reverse("meetings:calendar_feed", args=[feed_token(feed)])
    https = f"{settings.SPORTLOKET_SITE_URL.rstrip('/')}{path}"
    return "webcal://" + https.split("://", 1)[1], https


def feed_by_token(token: str) -> CalendarFeed | None:
    """The feed whose current address ends in ``token``; None for an unknown, malformed or
    revoked one. Accepts addresses made under a previous secret key (SECRET_KEY_FALLBACKS)."""
    pk, _dash, secret = token.partition("-")
    if not pk.isdigit() or len(secret) != 40:
        return None
    feed = (
        CalendarFeed.objects.select_related("user", "desk", "office__municipality")
        .filter(pk=int(pk))
        .first()
    )
    if feed is None:
        return None
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    if not any(constant_time_compare(_secret(feed, key), secret) for key in keys):
        return None
    if feed.user_id is not None and not feed.user.is_active:
        return None
    return feed


@dataclass(frozen=True)
class Deadline:
    """A deadline shown as an all-day event."""

    uid: str
    on: dt.date
    summary: str
    url: str


def _meetings(feed: CalendarFeed) -> QuerySet[Meeting]:
    since = timezone.now() - dt.timedelta(days=PAST_DAYS)
    meetings = Meeting.objects.filter(ends_at__gte=since).select_related("office", "desk")
    if feed.desk_id is not None:
        meetings = meetings.filter(desk_id=feed.desk_id)
    elif feed.office_id is not None:
        meetings = meetings.filter(office_id=feed.office_id)
    else:
        user = feed.user
        attends = Attendee.objects.filter(meeting=OuterRef("pk"), user=user)
        meetings = meetings.filter(meeting_scope_q(user_scope(user))).filter(
            Q(Exists(attends)) | Q(created_by=user)
        )
    return meetings.order_by("starts_at", "pk")


def _site(path: str) -> str:
    return f"{settings.SPORTLOKET_SITE_URL.rstrip('/')}{path}"


def staff_deadlines(user: AbstractBaseUser) -> list[Deadline]:
    """The open deadlines ``user`` owns, within what they may see: founding steps on their
    side (policy staff: the municipality's; POS staff: POS's), the response dates of the open
    questions assigned to them, and open agreements in their name (by e-mail address)."""
    scope = user_scope(user)
    if scope.role is None:
        return []
    deadlines: list[Deadline] = []
    sides = {Role.POLICY_STAFF: MUNICIPALITY_SIDE, Role.POS_STAFF: POS_SIDE}.get(scope.role)
    if sides:
        steps = (
            FoundingStep.objects.filter(
                scope.municipality_filter("office__municipality"),
                completed_on__isnull=True,
                due_date__isnull=False,
                owner__in=sides,
                office__status__in=OPEN_STATUSES,
            )
            .select_related("office")
            .order_by("due_date", "pk")
        )
        deadlines += [
            Deadline(
                uid=f"step-{step.pk}@sportloket",
                on=step.due_date,
                summary=_("Deadline: %(step)s (%(office)s)")
                % {"step": step.get_code_display(), "office": step.office.name},
                url=_site(step.office.get_absolute_url()),
            )
            for step in steps
        ]
    questions = SupportRequest.objects.filter(
        scope.municipality_filter(), assignee=user, is_open=True, clock_running=True
    ).select_related("provider")
    deadlines += [
        Deadline(
            uid=f"question-{question.pk}@sportloket",
            on=question.deadline,
            summary=_("Respond to support question %(number)d (%(provider)s)")
            % {"number": question.pk, "provider": question.provider},
            url=_site(question.get_absolute_url()),
        )
        for question in questions.order_by("deadline", "pk")
    ]
    if user.email:
        visible = Meeting.objects.filter(meeting_scope_q(scope)).values("pk")
        agreements = Agreement.objects.filter(
            done_on__isnull=True, owner_email__iexact=user.email, meeting__in=visible
        ).select_related("meeting")
        deadlines += [
            Deadline(
                uid=f"agreement-{agreement.pk}@sportloket",
                on=agreement.due_on,
                summary=_("Agreement due: %(agreement)s") % {"agreement": agreement},
                url=_site(agreement.meeting.get_absolute_url()),
            )
            for agreement in agreements.order_by("due_on", "pk")
        ]
    return deadlines


def feed_name(feed: CalendarFeed) -> str:
    if feed.desk_id is not None:
        return _("Sportloket – %(desk)s") % {"desk": feed.desk}
    if feed.office_id is not None:
        return _("Sportloket – %(office)s") % {"office": feed.office}
    return _("Sportloket – my meetings and deadlines")


def feed_content(feed: CalendarFeed) -> tuple[list[Meeting], list[Deadline]]:
    """What the feed shows: meetings, and for a staff member's feed their deadlines."""
    meetings = list(_meetings(feed))
    deadlines = staff_deadlines(feed.user) if feed.user_id is not None else []
    return meetings, deadlines


def feed_of(
    *,
    user: AbstractBaseUser | None = None,
    desk_id: int | None = None,
    office_id: int | None = None,
) -> CalendarFeed | None:
    if user is not None:
        return CalendarFeed.objects.filter(user=user).first()
    if desk_id is not None:
        return CalendarFeed.objects.filter(desk_id=desk_id).first()
    return CalendarFeed.objects.filter(office_id=office_id).first()
