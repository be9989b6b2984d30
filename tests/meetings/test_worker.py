"""The daily deadline task on two real workers at once: each notice still happens once."""

import datetime as dt

import pytest

from meetings import tasks
from meetings.models import SupportRequest, SupportRequestEvent
from meetings.support import services
from meetings.support.constants import Channel, EventKind
from sportloket.models import OutgoingEmail
from tests.conftest import wait_until
from tests.factories import ProviderFactory

pytestmark = [pytest.mark.redis, pytest.mark.postgres]


def test_two_workers_running_the_daily_task_escalate_each_question_once(
    celery_workers, desk, coordinator
):
    queue = celery_workers(2)
    requests = [
        services.support_request_create(
            desk=desk,
            provider=ProviderFactory(),
            subject=f"Vraag {i}",
            question="Tekst",
            channel=Channel.EMAIL,
        )
        for i in range(5)
    ]
    SupportRequest.objects.filter(pk__in=[r.pk for r in requests]).update(
        deadline=dt.date(2020, 1, 6)
    )
    for _ in range(4):
        tasks.support_deadline_notices.apply_async(queue=queue)
    wait_until(
        lambda: SupportRequest.objects.filter(escalated_for=dt.date(2020, 1, 6)).count() == 5
    )
    tasks.support_handovers_expire.apply_async(queue=queue)
    wait_until(
        lambda: OutgoingEmail.objects.filter(key__startswith="support-escalation:").count() == 5
    )
    assert SupportRequestEvent.objects.filter(kind=EventKind.ESCALATION).count() == 5
