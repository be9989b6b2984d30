"""Periodic jobs of the desk's questions. Their names stay ``meetings.tasks.<name>`` (the beat
schedule and any message queued before a deploy carry them)."""

from celery import shared_task

from . import messages, notices, services


@shared_task(name="meetings.tasks.support_deadline_notices")
def support_deadline_notices() -> tuple[int, int]:
    """Daily: remind assignees of questions due soon, escalate overdue ones to the coordinator.
    Safe to run twice or concurrently: each notice is claimed by a conditional UPDATE."""
    return services.deadline_notices_send()


@shared_task(name="meetings.tasks.support_handovers_expire")
def support_handovers_expire() -> int:
    """Periodic: return unanswered handovers past their date to the desk's queue. Idempotent."""
    return services.handovers_expire()


@shared_task(name="meetings.tasks.support_handover_reminders")
def support_handover_reminders() -> int:
    """Daily: remind the receiving organisation's staff of handovers they have not answered,
    the working day before they expire. Safe to run twice or concurrently: once-only notices."""
    return messages.handover_reminders_send()


@shared_task(name="meetings.tasks.desk_stats_refresh")
def desk_stats_refresh() -> int:
    """Every 15 minutes: bring the desk dashboard's weekly rollup up to date, re-counting only
    the periods of questions changed since the last run (in full once a week, when the window
    moves on). Idempotent and safe to run concurrently: each period is deleted and counted
    again whole, per desk under a lock on the desk row, with the desk's mark in the same
    transaction (a worker that dies mid-run changes nothing)."""
    return services.desk_stats_refresh_all()


@shared_task(name="meetings.tasks.desk_overviews")
def desk_overviews() -> int:
    """Working mornings: each club supporter's overview of questions due today and overdue,
    once per person and day (a once-only notice: safe to run twice or concurrently)."""
    return notices.desk_overviews_notify()
