"""Goal notices: policy staff are e-mailed about each flag of a SMART goal (no measurement for
too long, deadline passed, …) once per goal and flag, as once-only notices
(``sportloket.notices``): claimed by the sweep, then sent; a claim whose send never happened (a
worker killed in between) is sent by a later sweep, once."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from sportloket.notices import NoticeEmail, SweepResult, notices_send, notices_sweep
from sportloket.selectors import policy_staff_emails

from .constants import GoalFlag
from .models import GoalNotice, SmartGoal
from .selectors import goal_statuses


def goal_flags_sweep(*, on: dt.date | None = None, now: dt.datetime | None = None) -> SweepResult:
    """Claim a notice for every flag of every goal that has none yet; return the ids to send.

    Goals of a municipality without policy staff stay unclaimed until someone can be told.
    Safe to run twice and concurrently: the unique (goal, kind) row is the claim, inserted with
    ON CONFLICT DO NOTHING. Call outside a transaction.
    """
    on = on or timezone.localdate()

    def claim(run: str, at: dt.datetime) -> None:
        already = set(GoalNotice.objects.values_list("goal_id", "kind"))
        recipients: dict[int, bool] = {}
        rows = []
        for status in goal_statuses(SmartGoal.objects.all(), on=on):
            goal = status.goal
            for flag in status.flags:
                if (goal.pk, flag.value) in already:
                    continue
                municipality_id = goal.coach.municipality_id
                if municipality_id not in recipients:
                    recipients[municipality_id] = bool(
                        policy_staff_emails(municipality_id=municipality_id)
                    )
                if recipients[municipality_id]:
                    rows.append(GoalNotice(goal=goal, kind=flag, claim=run, created_at=at))
        GoalNotice.objects.bulk_create(rows, ignore_conflicts=True)

    return notices_sweep(GoalNotice, claim, now=now)


def _compose(notice: GoalNotice, on: dt.date) -> NoticeEmail | None:
    """None (the claim is closed) when the goal no longer has this flag, e.g. a measurement was
    recorded since the claim, or its municipality has no policy staff left to tell."""
    goal = notice.goal
    (status,) = goal_statuses(SmartGoal.objects.filter(pk=goal.pk), on=on)
    if notice.kind not in {flag.value for flag in status.flags}:
        return None
    to = policy_staff_emails(municipality_id=goal.coach.municipality_id)
    if not to:
        return None
    return NoticeEmail(
        key=f"goal-flag:{goal.pk}:{notice.kind}",
        to=to,
        template="emails/network/goal_flag",
        context={"goal": goal, "coach": goal.coach, "flag": GoalFlag(notice.kind).label},
    )


def goal_notices_send(*, notice_ids: list[int], on: dt.date | None = None) -> int:
    """Send each claimed notice once (each its own transaction); returns how many e-mails this
    call queued."""
    on = on or timezone.localdate()
    return notices_send(
        GoalNotice,
        notice_ids=notice_ids,
        compose=lambda notice: _compose(notice, on),
        select_related=["goal__coach"],
    )


def goal_flag_notices_send(*, on: dt.date | None = None) -> int:
    """Sweep and send: e-mail the municipality's policy staff about each flagged goal, once per
    goal and flag (outbox key ``goal-flag:<goal>:<kind>``). Idempotent and safe to run
    concurrently."""
    result = goal_flags_sweep(on=on)
    return goal_notices_send(notice_ids=result.to_send, on=on)
