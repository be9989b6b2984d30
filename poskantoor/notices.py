"""Deadline enforcement of the founding steps: reminders, deadline-day notices and escalations,
as once-only notices (``sportloket.notices``).

Design §2: "each notice exactly once per step and kind, even if the task runs twice,
concurrently, or is retried"; "A notice goes out only while its step is open and its office
active (checked when it is sent, not only when it is claimed); a sweep that first sees a step
already past its deadline sends the escalation alone, not three notices at once."
"""

from __future__ import annotations

import datetime as dt
import logging
from datetime import timedelta

from django.conf import settings
from django.db import connection, models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from sportloket.notices import NoticeEmail, SweepResult, notice_send, notices_sweep

from .constants import OPEN_STATUSES, NoticeKind
from .models import DeadlineNotice, FoundingStep
from .selectors import step_notice_recipients

logger = logging.getLogger(__name__)

__all__ = ["SweepResult", "deadline_notice_send", "deadlines_sweep", "notice_recipients"]


def _moments(today: dt.date, reminder_days: int) -> dict[str, Q]:
    """The deadlines for which each kind is the one notice that fits ``today``: the reminder
    before the deadline day, the deadline-day notice on it, the escalation after it. A step
    the sweep first sees late gets only the kind of that moment, never the earlier ones."""
    return {
        NoticeKind.REMINDER: Q(due_date__gt=today, due_date__lte=today + timedelta(reminder_days)),
        NoticeKind.DUE_TODAY: Q(due_date=today),
        NoticeKind.ESCALATION: Q(due_date__lt=today),
    }


def _fits(kind: str, due: dt.date | None, today: dt.date) -> bool:
    """Whether a notice of ``kind`` still fits ``today`` (checked again when it is sent)."""
    if due is None:
        return False
    if kind == NoticeKind.REMINDER:
        return today < due
    if kind == NoticeKind.DUE_TODAY:
        return today == due
    return today > due


def _insert_notices(select: models.QuerySet) -> None:
    """INSERT … SELECT of notice rows; a row another sweep already inserted is skipped by the
    unique constraint (one statement per kind, whatever the number of offices)."""
    sql, params = select.query.sql_with_params()
    table = DeadlineNotice._meta.db_table
    columns = "step_id, kind, claim, created_at, recipients"
    # The SELECT always has a WHERE clause, which SQLite needs to parse the upsert clause.
    statement = f"INSERT INTO {table} ({columns}) {sql} ON CONFLICT DO NOTHING"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def _claim(run: str, now: dt.datetime, today: dt.date) -> None:
    reminder_days = settings.SPORTLOKET_DEADLINE_REMINDER_DAYS
    open_steps = FoundingStep.objects.filter(
        completed_on__isnull=True,
        due_date__isnull=False,
        due_date__lte=today + timedelta(days=reminder_days),
        office__status__in=OPEN_STATUSES,
    ).exclude(
        Exists(DeadlineNotice.objects.filter(step=OuterRef("pk"), kind=NoticeKind.ESCALATION))
    )
    locked = list(
        open_steps.select_for_update(skip_locked=True, of=("self",))
        .order_by()
        .values_list("pk", flat=True)
    )
    if not locked:
        return
    for kind, moment in _moments(today, reminder_days).items():
        select = (
            FoundingStep.objects.filter(moment, pk__in=locked)
            .exclude(Exists(DeadlineNotice.objects.filter(step=OuterRef("pk"), kind=kind)))
            .order_by()
            .annotate(
                n_kind=models.Value(kind, output_field=models.CharField()),
                n_claim=models.Value(run, output_field=models.CharField()),
                n_at=models.Value(now, output_field=models.DateTimeField()),
                n_to=models.Value("", output_field=models.TextField()),
            )
            .values_list("pk", "n_kind", "n_claim", "n_at", "n_to")
        )
        _insert_notices(select)


def deadlines_sweep(*, today: dt.date | None = None, now: dt.datetime | None = None) -> SweepResult:
    """Claim the one notice that fits today for every open step with a deadline near or past;
    return the ids to send (this sweep's claims, plus older claims never sent because a worker
    died between claim and send).

    Set-based: a fixed number of queries however many offices there are. Works from the
    database state, so a late or missed run only delays notices. On PostgreSQL the open steps
    are locked with SKIP LOCKED so concurrent sweeps split the work; everywhere the unique
    (step, kind) constraint is what guarantees one notice each. Call outside a transaction.
    """
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    return notices_sweep(DeadlineNotice, lambda run, at: _claim(run, at, today), now=now)


def notice_recipients(notice: DeadlineNotice) -> list[str]:
    """Who the notice goes to (``selectors.step_notice_recipients``): escalations to POS staff;
    reminders and deadline-day notices to the step's owner, a core group's own members included."""
    return step_notice_recipients(notices=[notice])[notice.pk]


def _compose(notice: DeadlineNotice, today: dt.date) -> NoticeEmail | None:
    """The e-mail of a notice that still applies, or None: "A notice is sent only while its
    step is still open and its office still active — checked at send time, not only at claim
    time", and only while its kind fits the day."""
    step = notice.step
    office = step.office
    if step.completed_on is not None or office.status not in OPEN_STATUSES:
        logger.info("POS deadline notice %s closed unsent: step done or office stopped", notice.pk)
        return None
    if not _fits(notice.kind, step.due_date, today):
        logger.info("POS deadline notice %s closed unsent: its moment has passed", notice.pk)
        return None
    recipients = notice_recipients(notice)
    DeadlineNotice.objects.filter(pk=notice.pk).update(recipients=", ".join(recipients))
    earlier = (
        step.notices.filter(emailed_at__isnull=False, created_at__lte=notice.created_at)
        .exclude(pk=notice.pk)
        .exists()
    )
    logger.info(
        "POS deadline %s sent once for step %s of %s (notice %s) to %s",
        notice.kind,
        step.code,
        office,
        notice.pk,
        ", ".join(recipients) or "nobody",
    )
    return NoticeEmail(
        key=f"pos-deadline-notice:{notice.pk}",
        to=recipients,
        template="poskantoor/emails/deadline_notice",
        context={
            "notice": notice,
            "step": step,
            "office": office,
            "days": (step.due_date - today).days,
            "overdue_days": (today - step.due_date).days,
            "first_notice": not earlier,
            "office_path": office.get_absolute_url(),
        },
    )


def deadline_notice_send(*, notice_id: int, today: dt.date | None = None) -> bool:
    """Queue the e-mail of one claimed notice, or close it when its step was completed, its
    office stopped or its moment passed since the claim. Idempotent: the conditional update of
    the once-only notice lets exactly one call through, and the outbox key is the notice.

    Returns True when this call queued the e-mail.
    """
    today = today or timezone.localdate()
    return notice_send(
        DeadlineNotice,
        notice_id=notice_id,
        compose=lambda notice: _compose(notice, today),
        select_related=["step__office__municipality"],
    )
