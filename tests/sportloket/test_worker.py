"""A real Celery worker consumes tasks from Redis against the real (PostgreSQL) test database."""

import pytest

from sportloket import services, tasks
from sportloket.constants import EmailStatus
from sportloket.models import OutgoingEmail
from tests.conftest import wait_until

pytestmark = [pytest.mark.redis, pytest.mark.postgres]


def test_real_worker_on_redis_sends_an_outbox_email_once(celery_workers, tmp_path):
    queue = celery_workers(1)
    email = OutgoingEmail.objects.create(
        key="worker-test", to=["kim@example.org"], subject="Hallo", body="Tekst"
    )
    tasks.send_outgoing_email.apply_async((email.pk,), queue=queue)
    tasks.send_outgoing_email.apply_async((email.pk,), queue=queue)  # a redelivery
    wait_until(lambda: OutgoingEmail.objects.get(pk=email.pk).status == EmailStatus.SENT)
    wait_until(lambda: list((tmp_path / "mail").glob("*.log")))
    files = list((tmp_path / "mail").glob("*.log"))
    assert len(files) == 1
    assert "Subject: Hallo" in files[0].read_text()
    assert OutgoingEmail.objects.get(pk=email.pk).attempts == 1
    assert services.emails_due_for_retry() == []
