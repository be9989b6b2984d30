"""Celery tasks of the founding process: thin wrappers around ``services``."""

from __future__ import annotations

import logging

from celery import shared_task

from . import notices, services

logger = logging.getLogger(__name__)


@shared_task(bind=True)
def sweep_deadlines(self) -> int:
    """Periodic (beat, every 15 minutes): claim due notices in one transaction, then publish
    one send task per notice. Safe to run twice or concurrently: the claim is a unique row.

    Send tasks go to the queue this sweep came from, so a deployment (or test) that routes
    deadline work to its own queue keeps it there. If this worker dies before publishing, or a
    send task is lost, the next sweep hands the unsent notices out again.
    """
    result = notices.deadlines_sweep()
    queue = (getattr(self.request, "delivery_info", None) or {}).get("routing_key")
    for notice_id in result.to_send:
        send_deadline_notice.apply_async((notice_id,), queue=queue)
    if result.to_send:
        logger.info("POS deadline sweep: %d notices to send", len(result.to_send))
    return len(result.to_send)


@shared_task(bind=True, autoretry_for=(OSError,), retry_backoff=30, max_retries=5)
def send_deadline_notice(self, notice_id: int) -> bool:  # noqa: ARG002 - bound for retries
    """Queue the e-mail of one notice (or close it if its step is done, its office stopped or
    its moment passed); a second run does nothing."""
    return notices.deadline_notice_send(notice_id=notice_id)


@shared_task(autoretry_for=(OSError,), retry_backoff=10, max_retries=3)
def year_plan_render(plan_id: int) -> bool:
    """Render the year plan's PDF if the stored one is behind; running twice renders once."""
    return services.year_plan_render_pdf(plan_id=plan_id)
