from celery import shared_task

from . import notices
from .news import tasks as news_tasks

__all__ = ["news_tasks", "notify_goal_flags"]


@shared_task
def notify_goal_flags() -> int:
    """Periodic: e-mail policy staff about flagged SMART goals, once per goal and flag. Safe to
    run twice; a claim left unsent by a killed worker is sent by a later run."""
    return notices.goal_flag_notices_send()
