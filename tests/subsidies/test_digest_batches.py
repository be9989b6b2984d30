"""The digest's e-mails are sent in batches, each one transaction with a fixed number of
queries: every recipient still gets exactly one e-mail with all its new schemes, a rerun sends
nothing twice, and a worker that dies in the middle of the sending leaves the batches before
it sent and the rest claimed for the next sweep."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sportloket import notices
from sportloket.models import OutgoingEmail
from subsidies import services
from subsidies.models import DigestMark, DigestNotice, Scheme
from tests.concurrency import run_at_once
from tests.factories import ProviderFactory

from .factories import SchemeFactory

pytestmark = pytest.mark.django_db


def digests() -> list[OutgoingEmail]:
    return list(OutgoingEmail.objects.filter(key__startswith="scheme-digest:").order_by("pk"))


@pytest.fixture
def small_batches(monkeypatch):
    monkeypatch.setattr(services, "DIGEST_BATCH", 4)


def test_each_recipient_gets_one_email_with_all_its_new_schemes_across_batches(small_batches):
    schemes = SchemeFactory.create_batch(3)
    providers = ProviderFactory.create_batch(11)
    assert services.digest_send() == 11
    emails = digests()
    assert sorted(e.to[0] for e in emails) == sorted(p.email for p in providers)
    for email in emails:
        assert all(scheme.name in email.body for scheme in schemes)
        assert "3" in email.subject
    assert DigestNotice.objects.filter(emailed_at__isnull=False).count() == 11
    assert services.digest_send() == 0
    assert len(digests()) == 11


def test_a_digest_whose_schemes_all_closed_after_the_claim_is_closed_and_the_rest_sent():
    closing = SchemeFactory()
    staying = SchemeFactory()
    only_closing = ProviderFactory(kind="other")
    both = ProviderFactory(kind="club")
    Scheme.objects.filter(pk=staying.pk).update(for_other=False)
    claimed = services.digest_sweep().claimed
    assert len(claimed) == 2
    Scheme.objects.filter(pk=closing.pk).update(active=False)
    assert services.digest_notices_send(notice_ids=claimed) == 1
    (email,) = digests()
    assert email.to == [both.email]
    assert staying.name in email.body
    assert closing.name not in email.body
    closed = DigestNotice.objects.get(provider=only_closing)
    assert closed.closed_at is not None
    assert closed.emailed_at is None


def test_a_worker_that_dies_while_sending_leaves_the_rest_for_the_next_sweep(
    small_batches, monkeypatch
):
    SchemeFactory.create_batch(2)
    providers = ProviderFactory.create_batch(11)
    queue = services.emails_queue_new
    calls = []

    def dies_in_the_second_batch(**kwargs):
        calls.append(kwargs)
        if len(calls) == 2:
            raise SystemExit("worker killed")
        return queue(**kwargs)

    monkeypatch.setattr(services, "emails_queue_new", dies_in_the_second_batch)
    with pytest.raises(SystemExit):
        services.digest_send()
    monkeypatch.undo()
    # The sweep committed its claims and its mark; of the sending, the first batch committed
    # whole and the second left nothing behind.
    assert DigestMark.objects.exists()
    assert len(digests()) == 4
    assert DigestNotice.objects.filter(emailed_at__isnull=False).count() == 4
    assert notices.unsent(DigestNotice).count() == 7
    later = timezone.now() + notices.RESEND_AFTER + dt.timedelta(seconds=1)
    result = services.digest_sweep(now=later)
    assert result.claimed == []
    assert len(result.resend) == 7
    assert services.digest_notices_send(notice_ids=result.resend) == 7
    emails = digests()
    assert sorted(e.to[0] for e in emails) == sorted(p.email for p in providers)
    assert len({e.key for e in emails}) == 11
    assert services.digest_send() == 0


def _send_queries() -> int:
    with CaptureQueriesContext(connection) as ctx:
        services.digest_send()
    return len(ctx.captured_queries)


def test_the_queries_of_a_sweep_with_new_providers_do_not_grow_with_them():
    """One batch of 3 and one of 40 new providers (one scheme each, and a scheme none fits):
    the same queries. On the first sweep every scheme is looked at, so one sweep comes first."""
    SchemeFactory()
    SchemeFactory(target_groups=["ouderen"])
    services.digest_send()
    counts = []
    for n in (3, 40):
        ProviderFactory.create_batch(n)
        counts.append(_send_queries())
    assert counts[0] == counts[1]
    # 23, plus per batch the shares per scheme and the entrepreneurs reached (3 queries), and
    # the schemes' share counts (3 queries).
    assert counts[0] <= 29
    assert len(digests()) == 43


def test_the_queries_for_a_new_provider_do_not_grow_with_the_open_schemes():
    """Schemes unchanged since the last sweep are matched against the changed providers in
    Python: the same queries with 2 and with 12 open schemes."""
    counts = []
    for more in (2, 10):
        SchemeFactory.create_batch(more)
        services.digest_send()
        Scheme.objects.update(updated_at=timezone.now() - dt.timedelta(days=1))
        newcomer = ProviderFactory()
        counts.append(_send_queries())
        assert DigestNotice.objects.get(provider=newcomer).emailed_at is not None
    assert counts[0] == counts[1]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_senders_of_the_same_digests_at_once_send_each_once():
    SchemeFactory.create_batch(2)
    providers = ProviderFactory.create_batch(30)
    claimed = services.digest_sweep().claimed
    results = run_at_once(
        *[lambda: services.digest_notices_send(notice_ids=claimed)] * 3,
    )
    assert sum(sent for _kind, sent in results) == 30
    emails = digests()
    assert sorted(e.to[0] for e in emails) == sorted(p.email for p in providers)
    assert notices.unsent(DigestNotice).count() == 0
