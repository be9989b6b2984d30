"""Reads of meetings: what a user may see and manage, the office's meetings of a year, open
agreements.

Who may do what: POS staff (and administrators) see and manage every meeting; policy staff see
and manage the meetings of their municipality's office and see the meetings of desks serving
their municipality; club supporters see the office meetings in their desk's area and manage
their own desk's meetings. Anything else is not found (404).
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from poskantoor.models import PosOffice
from sportloket.constants import Role
from sportloket.models import Desk
from sportloket.selectors import Scope, user_scope

from ..models import Agreement, Attendee, Meeting
from .constants import MeetingStatus
from .services import year_bounds


def meeting_scope_q(scope: Scope) -> Q:
    if scope.role is None:
        return Q(pk__in=[])
    if scope.sees_everything:
        return Q()
    offices = Q(office__municipality_id__in=scope.municipality_ids)
    if scope.role == Role.CLUB_SUPPORTER:
        return offices | Q(desk_id=scope.desk_id)
    desks = Desk.municipalities.through.objects.filter(
        municipality_id__in=scope.municipality_ids
    ).values("desk_id")
    return offices | Q(desk_id__in=desks)


def can_manage(scope: Scope, meeting: Meeting) -> bool:
    if scope.sees_everything:
        return True
    if scope.role == Role.POLICY_STAFF:
        return meeting.office_id is not None and (
            meeting.office.municipality_id in scope.municipality_ids
        )
    if scope.role == Role.CLUB_SUPPORTER:
        return meeting.desk_id is not None and meeting.desk_id == scope.desk_id
    return False


def can_manage_office(scope: Scope, office: PosOffice) -> bool:
    if scope.sees_everything:
        return True
    return scope.role == Role.POLICY_STAFF and office.municipality_id in scope.municipality_ids


def meeting_list(*, user: AbstractBaseUser, year: int | None = None) -> QuerySet[Meeting]:
    qs = (
        Meeting.objects.filter(meeting_scope_q(user_scope(user)))
        .select_related("office__municipality", "desk")
        .order_by("starts_at", "pk")
    )
    if year is not None:
        start, end = year_bounds(year)
        qs = qs.filter(starts_at__gte=start, starts_at__lt=end)
    return qs


def meeting_get(*, user: AbstractBaseUser, pk: int) -> Meeting:
    meeting = (
        Meeting.objects.filter(meeting_scope_q(user_scope(user)), pk=pk)
        .select_related("office__municipality", "desk", "created_by")
        .prefetch_related(
            Prefetch(
                "attendees",
                queryset=Attendee.objects.select_related("provider", "organisation", "user"),
            ),
            Prefetch(
                "agreements", queryset=Agreement.objects.select_related("target_group", "theme")
            ),
        )
        .first()
    )
    if meeting is None:
        raise Http404
    return meeting


def meetings_for_office_year(*, office: PosOffice, year: int) -> QuerySet[Meeting]:
    """The office's meetings that start in calendar ``year`` (Amsterdam time), cancelled ones
    left out, in date order — e.g. the planned meetings of a year plan."""
    start, end = year_bounds(year)
    return (
        Meeting.objects.filter(office=office, starts_at__gte=start, starts_at__lt=end)
        .exclude(status=MeetingStatus.CANCELLED)
        .order_by("starts_at", "pk")
    )


def open_agreements(*, office: PosOffice) -> QuerySet[Agreement]:
    return (
        Agreement.objects.filter(meeting__office=office, done_on__isnull=True)
        .select_related("meeting", "target_group", "theme")
        .order_by("due_on", "pk")
    )


def agreement_get(*, user: AbstractBaseUser, pk: int) -> Agreement:
    agreement = (
        Agreement.objects.filter(pk=pk)
        .filter(meeting__in=Meeting.objects.filter(meeting_scope_q(user_scope(user))).values("pk"))
        .select_related("meeting__office")
        .first()
    )
    if agreement is None:
        raise Http404
    return agreement


def current_year() -> int:
    return timezone.localdate().year


def is_overdue(agreement: Agreement, today: dt.date | None = None) -> bool:
    return agreement.done_on is None and agreement.due_on < (today or timezone.localdate())
