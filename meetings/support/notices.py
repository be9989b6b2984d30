"""What the desk hears about its work.

- When a requester adds information through the private link, the question's assignee (or,
  for an unassigned question, every club supporter of its desk) gets an e-mail and the board
  marks the question until the desk acts on it again (``SupportRequest.new_info_at``).
- Each working morning (``workdays.is_working_day``: the calendar the response deadlines count
  with, so no overview on a weekend or a Dutch public holiday) every club supporter gets one
  overview of the open questions due today
  or overdue: their own and their desk's unassigned ones. It is a once-only notice
  (``sportloket.notices``): the unique (person, day) row is the claim, so a second or
  concurrent sweep sends nobody a second overview; a claim whose send never happened (a worker
  killed in between) is sent by a later sweep, once. Each person can switch it off
  (``DeskOverviewOptOut``).
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from sportloket.constants import Role
from sportloket.notices import NoticeEmail, SweepResult, notices_send, notices_sweep
from sportloket.services import audit_record, email_queue

from ..models import DeskOverviewNotice, DeskOverviewOptOut, SupportRequest, SupportRequestEvent
from .workdays import is_working_day

# An overview lists at most this many questions; the rest is on the board behind its link.
OVERVIEW_MAX_ROWS = 50


def _supporters() -> QuerySet:
    """Active club supporters of a desk with an e-mail address."""
    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            staff_profile__role=Role.CLUB_SUPPORTER,
            staff_profile__desk__isnull=False,
        )
        .exclude(email="")
    )


def desk_information_recipients(*, request: SupportRequest) -> list[str]:
    """The assignee when there is one who can still act, otherwise the desk's supporters."""
    assignee = request.assignee
    if assignee is not None and assignee.is_active and assignee.email:
        return [assignee.email]
    return sorted(
        _supporters().filter(staff_profile__desk_id=request.desk_id).values_list("email", flat=True)
    )


def desk_told_of_information(*, request: SupportRequest, event: SupportRequestEvent) -> None:
    """Mark the question on the board and e-mail the desk about information the requester
    added. Call inside the transaction that records the requester's message (outbox key per
    message: exactly one e-mail per message, also when the call is repeated)."""
    SupportRequest.objects.filter(pk=request.pk).update(new_info_at=event.at)
    request.new_info_at = event.at
    to = desk_information_recipients(request=request)
    if not to:
        return
    email_queue(
        key=f"desk-information:{event.pk}",
        to=to,
        template="meetings/emails/desk_information",
        context={"support_request": request, "event": event},
    )


# --- Daily overview --------------------------------------------------------------------------


def _due_q(*, user_id_ref, desk_id_ref, on: dt.date) -> Q:
    """Open questions whose response is due by ``on`` and that are the person's to act on."""
    return Q(clock_running__in=[True], deadline__lte=on) & (
        Q(assignee_id=user_id_ref) | Q(assignee__isnull=True, desk_id=desk_id_ref)
    )


def overview_rows(*, user: AbstractBaseUser, on: dt.date) -> list[SupportRequest]:
    """The questions in one person's overview: overdue first, then due today."""
    desk_id = user.staff_profile.desk_id
    return list(
        SupportRequest.objects.filter(_due_q(user_id_ref=user.pk, desk_id_ref=desk_id, on=on))
        .select_related("provider", "assignee")
        .order_by("deadline", "pk")[: OVERVIEW_MAX_ROWS + 1]
    )


def desk_overviews_sweep(
    *, on: dt.date | None = None, now: dt.datetime | None = None
) -> SweepResult:
    """Claim today's overview of every club supporter who has something due and has not
    switched the overview off; return the ids to send. On a day that is not a working day
    (a weekend or a Dutch public holiday) nobody is claimed: the desk is closed.

    Set-based: one INSERT … SELECT-like bulk insert whatever the number of people. Safe to run
    twice and concurrently (unique person and day, ON CONFLICT DO NOTHING). Call outside a
    transaction.
    """
    on = on or timezone.localdate()

    def claim(run: str, at: dt.datetime) -> None:
        if not is_working_day(on):
            return
        due = SupportRequest.objects.filter(
            _due_q(
                user_id_ref=OuterRef("pk"), desk_id_ref=OuterRef("staff_profile__desk_id"), on=on
            )
        )
        people = (
            _supporters()
            .filter(Exists(due))
            .exclude(Exists(DeskOverviewOptOut.objects.filter(user=OuterRef("pk"))))
            .exclude(Exists(DeskOverviewNotice.objects.filter(user=OuterRef("pk"), on=on)))
            .values_list("pk", flat=True)
        )
        DeskOverviewNotice.objects.bulk_create(
            [DeskOverviewNotice(user_id=pk, on=on, claim=run, created_at=at) for pk in people],
            ignore_conflicts=True,
        )

    return notices_sweep(DeskOverviewNotice, claim, now=now)


def _compose(notice: DeskOverviewNotice) -> NoticeEmail | None:
    """None (the claim is closed) when the overview no longer applies: its day has passed or
    is not a working day, the person switched it off, left the desk or has nothing due any
    more."""
    user = notice.user
    profile = getattr(user, "staff_profile", None)
    if (
        notice.on != timezone.localdate()
        or not is_working_day(notice.on)
        or not user.is_active
        or not user.email
        or profile is None
        or profile.role != Role.CLUB_SUPPORTER
        or profile.desk_id is None
        or DeskOverviewOptOut.objects.filter(user=user).exists()
    ):
        return None
    rows = overview_rows(user=user, on=notice.on)
    if not rows:
        return None
    shown = rows[:OVERVIEW_MAX_ROWS]
    return NoticeEmail(
        key=f"desk-overview:{user.pk}:{notice.on:%Y-%m-%d}",
        to=[user.email],
        template="meetings/emails/desk_overview",
        context={
            "user": user,
            "on": notice.on,
            "overdue": [r for r in shown if r.deadline < notice.on],
            "due_today": [r for r in shown if r.deadline == notice.on],
            "more": len(rows) > OVERVIEW_MAX_ROWS,
        },
    )


def desk_overviews_send(*, notice_ids: list[int]) -> int:
    """Send each claimed overview once (each its own transaction); returns how many e-mails
    this call queued."""
    return notices_send(
        DeskOverviewNotice,
        notice_ids=notice_ids,
        compose=_compose,
        select_related=["user__staff_profile"],
    )


def desk_overviews_notify(*, on: dt.date | None = None) -> int:
    """Sweep and send the daily overviews. Idempotent and safe to run concurrently."""
    result = desk_overviews_sweep(on=on)
    return desk_overviews_send(notice_ids=result.to_send)


@transaction.atomic
def desk_overview_set(*, user: AbstractBaseUser, enabled: bool) -> bool:
    """Switch one person's daily overview on or off, with an audit event when it changes.
    Returns whether anything changed (setting the current value again is not a change)."""
    if enabled:
        changed = DeskOverviewOptOut.objects.filter(user=user).delete()[0] > 0
    else:
        changed = DeskOverviewOptOut.objects.get_or_create(user=user)[1]
    if changed:
        audit_record(
            subject=user,
            actor=user,
            action="desk_overview.enabled" if enabled else "desk_overview.disabled",
            changes={"daily_overview": [str(not enabled), str(enabled)]},
            summary=f"Daily desk overview switched {'on' if enabled else 'off'}",
        )
    return changed


def desk_overview_enabled(*, user: AbstractBaseUser) -> bool:
    return not DeskOverviewOptOut.objects.filter(user=user).exists()
