"""Periodic jobs of the POS programme. Their names stay ``meetings.tasks.<name>`` (the beat
schedule and any message queued before a deploy carry them)."""

from celery import shared_task


@shared_task(name="meetings.tasks.agreements_overdue_notices")
def agreements_overdue_notices() -> int:
    """Daily: tell the owner of each agreement past its due date, once per agreement. The
    unique notice row is the claim and the send is a conditional update, so running twice or
    concurrently sends nothing extra, and a claim left unsent by a killed worker is sent by a
    later run."""
    from . import notices

    result = notices.agreements_overdue_sweep()
    return notices.agreement_notices_send(notice_ids=result.to_send)


@shared_task(name="meetings.tasks.guideline_reached_refresh")
def guideline_reached_refresh() -> int:
    """Every 15 minutes: rebuild the guideline's rollup of entrepreneurs reached with schemes.
    Idempotent (the year's rows are locked, then upserted)."""
    from . import guideline_services

    return guideline_services.reached_stats_refresh()
