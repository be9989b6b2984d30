"""The portal's task: send the sign-in link of one request off the web request."""

from celery import shared_task

from . import services


@shared_task(name="meetings.tasks.portal_sign_in_send")
def portal_sign_in_send(link_id: int) -> int:
    """Send the sign-in link(s) of one request. Idempotent: the request is claimed once."""
    return services.portal_sign_in_send(link_id=link_id)


@shared_task(name="meetings.tasks.portal_sign_in_sweep")
def portal_sign_in_sweep() -> int:
    """Periodic: send the sign-in links whose task never ran (broker down when they were asked
    for, message lost). Safe to run twice and concurrently."""
    return services.portal_sign_in_sweep()
