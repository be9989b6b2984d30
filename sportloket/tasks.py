from celery import shared_task

from . import services


@shared_task(
    bind=True,
    autoretry_for=(OSError,),
    retry_backoff=30,
    retry_backoff_max=600,
    max_retries=5,
)
def send_outgoing_email(self, email_id: int) -> bool:  # noqa: ARG001 - bound for retries
    """Send one outbox e-mail; safe to run twice (the claim is a conditional UPDATE)."""
    return services.email_send(email_id=email_id)


@shared_task
def retry_unsent_emails() -> int:
    """Periodic: re-publish outbox e-mails that were not sent. Safe to run concurrently."""
    ids = services.emails_due_for_retry()
    for email_id in ids:
        send_outgoing_email.delay(email_id)
    return len(ids)


@shared_task(name="sportloket.tasks.retention_sweep")
def retention_sweep_task() -> dict[str, int]:
    """Nightly: delete or anonymise what passed its retention period. Safe to run twice."""
    from .retention import retention_sweep

    return retention_sweep()
