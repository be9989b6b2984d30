"""Exactly once under concurrency: two sweeps at the same moment on PostgreSQL, and two real
Celery workers on Redis running the sweep task concurrently."""

import datetime as dt

import pytest

from poskantoor import notices, tasks
from poskantoor.models import DeadlineNotice
from sportloket.models import OutgoingEmail
from tests.concurrency import run_at_once
from tests.conftest import wait_until

from .factories import make_office

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _offices():
    # Registered long ago: every notice of steps 2a and 2b is due now.
    return [
        make_office(code, registered_on=dt.date(2026, 1, 31))
        for code in ("GM0344", "GM0307", "GM0355", "GM0363", "GM0599")
    ]


def test_two_sweeps_at_the_same_moment_claim_each_notice_once(pos_staff):
    _offices()

    def sweep():
        return notices.deadlines_sweep(today=dt.date(2026, 3, 1))

    results = [result for _, result in run_at_once(sweep, sweep)]
    claimed = [pk for result in results for pk in result.claimed]
    # 2a and 2b are both past their deadline on 1 March: the escalation alone for each.
    assert len(claimed) == len(set(claimed)) == 5 * 2
    assert DeadlineNotice.objects.count() == 10


@pytest.mark.redis
def test_two_real_workers_running_the_sweep_concurrently_send_each_notice_once(
    celery_workers, pos_staff
):
    offices = _offices()
    queue = celery_workers(2)
    for _ in range(4):  # concurrent runs, a double tick and a redelivery
        tasks.sweep_deadlines.apply_async(queue=queue)
    expected = len(offices) * 2  # 2a and 2b escalated
    wait_until(
        lambda: DeadlineNotice.objects.filter(emailed_at__isnull=False).count() == expected,
        timeout=60,
    )
    keys = list(
        OutgoingEmail.objects.filter(key__startswith="pos-deadline-notice:").values_list(
            "key", flat=True
        )
    )
    assert len(keys) == len(set(keys)) == expected
    assert DeadlineNotice.objects.count() == expected
