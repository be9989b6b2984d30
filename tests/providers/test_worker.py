"""The confirmation e-mail is sent by a real Celery worker on Redis, after commit."""

from unittest import mock

import pytest

from providers import services
from providers.constants import ProviderStatus
from sportloket import tasks
from sportloket.constants import EmailStatus
from sportloket.models import OutgoingEmail, Sport
from tests.conftest import wait_until
from tests.factories import municipality

pytestmark = [pytest.mark.redis, pytest.mark.postgres]


def test_real_worker_sends_the_confirmation_link_that_activates_the_provider(
    celery_workers, tmp_path
):
    queue = celery_workers(1)
    send = tasks.send_outgoing_email

    def to_test_queue(*args):
        return send.apply_async(args, queue=queue)

    data = {
        "name": "Padel Noord",
        "kind": "entrepreneur",
        "kvk_number": "87654321",
        "municipality": municipality("GM0344"),
        "postcode": "3511 AB",
        "contact_name": "Kim",
        "email": "kim@padel.example",
        "sports": list(Sport.objects.filter(slug="padel")),
        "privacy_consent": True,
    }
    with mock.patch.object(send, "delay", side_effect=to_test_queue):
        provider = services.provider_register(data=data).provider
        services.provider_register(data=data)  # same KvK again: no second provider
    # Registering twice writes two e-mails (a still-pending provider gets its link again).
    # The file backend creates a file before it writes the message: wait until the outbox has
    # recorded both as sent (after the backend closed the file), then read them.
    wait_until(
        lambda: (
            OutgoingEmail.objects.filter(status=EmailStatus.SENT).count()
            == OutgoingEmail.objects.count()
            > 0
        )
    )
    texts = [f.read_text() for f in (tmp_path / "mail").glob("*.log")]
    assert len(texts) == OutgoingEmail.objects.count()
    text = next(t for t in texts if "/aanmelden/bevestigen/" in t)
    assert "kim@padel.example" in text
    token = text.split("/aanmelden/bevestigen/")[1].split("/")[0]
    services.provider_confirm_email(token=token)
    provider.refresh_from_db()
    assert provider.status == ProviderStatus.ACTIVE
