"""The digest task on real Celery workers: concurrent runs still send each scheme once."""

import re

import pytest

from sportloket.models import OutgoingEmail
from subsidies import tasks
from subsidies.models import SchemeShare
from tests.conftest import wait_until
from tests.factories import ProviderFactory

from .factories import SchemeFactory


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_digest_runs_on_two_workers_send_each_scheme_once(celery_workers, tmp_path):
    SchemeFactory.create_batch(3)
    providers = ProviderFactory.create_batch(20)
    queue = celery_workers(2)
    for _ in range(4):
        tasks.send_scheme_digest.apply_async(queue=queue)

    def finished() -> bool:
        logs = "".join(p.read_text() for p in tmp_path.glob("worker*.log"))
        return len(re.findall(r"send_scheme_digest\[[^\]]+\] succeeded", logs)) >= 4

    wait_until(finished, timeout=60)
    assert SchemeShare.objects.count() == 3 * len(providers)
    digests = OutgoingEmail.objects.filter(key__startswith="scheme-digest:")
    assert digests.count() == len(providers)
    assert sorted(e.to[0] for e in digests) == sorted(p.email for p in providers)
