from celery import shared_task

from . import services


@shared_task
def notify_goal_flags() -> int:
    """Periodic: e-mail policy staff about flagged SMART goals. Safe to run twice."""
    return services.goal_flag_notices_send()
