from celery import shared_task

from . import services


@shared_task
def support_deadline_notices() -> tuple[int, int]:
    """Daily: remind assignees of questions due soon, escalate overdue ones to the coordinator.
    Safe to run twice or concurrently: each notice is claimed by a conditional UPDATE."""
    return services.deadline_notices_send()


@shared_task
def support_handovers_expire() -> int:
    """Periodic: return unanswered handovers past their date to the desk's queue. Idempotent."""
    return services.handovers_expire()


@shared_task
def agreements_overdue_notices() -> int:
    """Daily: tell the owner of each agreement past its due date, once per agreement (the
    unique notice row is the claim, so running twice or concurrently sends nothing extra)."""
    from . import programme_services

    claimed = programme_services.agreements_overdue_claim()
    return programme_services.agreement_notices_queue(notice_ids=claimed)


@shared_task
def desk_stats_refresh() -> int:
    """Every 15 minutes: rebuild the desk dashboard's weekly rollup. Idempotent (delete and
    insert per desk under a lock on the desk row)."""
    return services.desk_stats_refresh_all()


@shared_task
def guideline_reached_refresh() -> int:
    """Every 15 minutes: rebuild the guideline's rollup of entrepreneurs reached with schemes.
    Idempotent (the year's rows are locked, then upserted)."""
    from . import guideline_services

    return guideline_services.reached_stats_refresh()
