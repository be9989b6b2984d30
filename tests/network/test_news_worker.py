"""The news update's exactly-once with a real Celery worker on Redis: the worker that delivers
an update is killed with SIGKILL after its claims committed and before it e-mailed anyone; a
healthy worker then finishes it, and every recipient gets exactly one e-mail."""

from __future__ import annotations

import datetime as dt
import os
import re
import signal
from unittest import mock

import pytest
from django.db import models

from network.news import services
from network.news.constants import UpdateStatus
from network.news.models import NewsDelivery, NewsUpdate
from network.news.tasks import news_update_deliver, news_updates_sweep
from sportloket.constants import EmailStatus
from sportloket.models import OutgoingEmail
from sportloket.services import DomainError
from tests.conftest import wait_until
from tests.factories import StaffProfileFactory
from tests.hardening.test_reliability import sent_message_ids

from ..celery_worker import PAUSE_AFTER_CLAIM_FILE
from .news_helpers import draft, network_of, offices


def recipients_in(folder) -> list[str]:
    text = "".join(f.read_text() for f in sorted(folder.glob("*.log")))
    return re.findall(r"^To: (\S+)$", text, flags=re.M)


@pytest.mark.redis
@pytest.mark.postgres
def test_a_worker_killed_mid_send_leaves_every_recipient_exactly_one_email(
    celery_workers, tmp_path
):
    pos = StaffProfileFactory(pos_staff=True).user
    office, _other = offices()
    addresses = network_of(office, members=3, entrepreneurs=4)
    update = draft(pos, office=office)
    paused = tmp_path / "claimed"
    queue = celery_workers(1, extra_env={PAUSE_AFTER_CLAIM_FILE: str(paused)})

    def to_the_test_queue(update_id):
        return news_update_deliver.apply_async((update_id,), queue=queue)

    # Sending is started twice (a double click): the second start is refused; the delivery
    # task is then delivered twice as well (a redelivered message).
    with mock.patch.object(news_update_deliver, "delay", to_the_test_queue):
        services.news_update_send(update=update, by=pos)
        with pytest.raises(DomainError):
            services.news_update_send(update=update, by=pos)
    to_the_test_queue(update.pk)

    # The worker committed its claims and blocks before sending: kill it there.
    wait_until(paused.exists, timeout=120, interval=0.1)
    victim = celery_workers.processes[0]
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait(timeout=10)
    assert NewsDelivery.objects.filter(update=update).count() == len(addresses)
    assert not NewsDelivery.objects.filter(emailed_at__isnull=False).exists()
    assert not OutgoingEmail.objects.filter(key__startswith="news-update:").exists()

    # A quarter of an hour later the periodic sweep runs on a healthy worker (twice), next to
    # the second delivery message.
    NewsDelivery.objects.update(created_at=models.F("created_at") - dt.timedelta(minutes=15))
    celery_workers(1)
    news_updates_sweep.apply_async(queue=queue)
    news_updates_sweep.apply_async(queue=queue)

    def finished() -> bool:
        news = OutgoingEmail.objects.filter(key__startswith="news-update:")
        return (
            NewsUpdate.objects.get(pk=update.pk).status == UpdateStatus.SENT
            and news.count() == len(addresses)
            and not news.exclude(status=EmailStatus.SENT).exists()
        )

    wait_until(finished, timeout=180, interval=0.5)
    celery_workers.round_trip()  # everything queued before has run
    ids = sent_message_ids(tmp_path / "mail")
    assert len(ids) == len(set(ids)) == len(addresses)
    assert sorted(recipients_in(tmp_path / "mail")) == sorted(addresses)
    assert NewsUpdate.objects.get(pk=update.pk).recipient_count == len(addresses)
