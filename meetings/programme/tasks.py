"""Periodic jobs of the POS programme. Their names stay ``meetings.tasks.<name>`` (the beat
schedule and any message queued before a deploy carry them)."""

from celery import shared_task


@shared_task(name="meetings.tasks.agreements_overdue_notices")
def agreements_overdue_notices() -> int:
    """Daily: tell the owner of each agreement past its due date, once per agreement (the
    unique notice row is the claim, so running twice or concurrently sends nothing extra)."""
    from . import services

    claimed = services.agreements_overdue_claim()
    return services.agreement_notices_queue(notice_ids=claimed)


@shared_task(name="meetings.tasks.guideline_reached_refresh")
def guideline_reached_refresh() -> int:
    """Every 15 minutes: rebuild the guideline's rollup of entrepreneurs reached with schemes.
    Idempotent (the year's rows are locked, then upserted)."""
    from . import guideline_services

    return guideline_services.reached_stats_refresh()
