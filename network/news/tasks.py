from celery import shared_task

from . import services


@shared_task
def news_update_deliver(update_id: int) -> int:
    """Deliver an update whose sending started: claim its recipients, e-mail each once, mark it
    sent. Safe to run twice; what a killed worker left is sent by ``news_updates_sweep``."""
    return services.news_send_pending(update_id=update_id)


@shared_task
def news_updates_sweep() -> int:
    """Periodic: finish every update being sent (recipients not claimed yet because the
    broker was down, claims a killed worker never sent). Safe to run twice and concurrently."""
    return services.news_send_pending()
