"""Sharing schemes: by staff, the periodic digest (exactly once), unsubscribe, the guideline."""

import datetime as dt
from unittest import mock
from uuid import uuid4

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from providers.constants import ProviderKind
from sportloket.models import OutgoingEmail
from sportloket.services import DomainError
from sportloket.tasks import send_outgoing_email
from subsidies import selectors, services, tasks
from subsidies.constants import ShareChannel
from subsidies.models import DigestOptOut, SchemeShare
from tests.factories import ProviderFactory, municipality

from .factories import SchemeFactory, target_group

pytestmark = pytest.mark.django_db


def digests():
    return OutgoingEmail.objects.filter(key__startswith="scheme-digest:")


# --- Shared by staff ----------------------------------------------------------------------------


def test_share_queues_one_email_per_provider_after_commit(
    club_supporter, django_capture_on_commit_callbacks
):
    scheme = SchemeFactory(name="Jeugdfonds")
    a, b = ProviderFactory(), ProviderFactory()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        shared, skipped = services.scheme_share(scheme=scheme, providers=[a, b], by=club_supporter)
    assert (shared, skipped) == (2, 0)
    assert len(callbacks) == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([a.email, b.email])
    assert "Jeugdfonds" in mail.outbox[0].subject
    assert "/subsidies/afmelden/" in mail.outbox[0].body
    share = SchemeShare.objects.get(provider=a)
    assert (share.channel, share.shared_by) == (ShareChannel.MANUAL, club_supporter)


def test_share_nothing_is_sent_before_commit(club_supporter, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.scheme_share(
            scheme=SchemeFactory(), providers=[ProviderFactory()], by=club_supporter
        )
    assert len(callbacks) == 1
    assert mail.outbox == []
    email = OutgoingEmail.objects.get(key__startswith="scheme-share:")
    with mock.patch.object(send_outgoing_email, "delay") as delay:
        callbacks[0]()
    delay.assert_called_once_with(email.pk)


def test_share_twice_skips_providers_that_already_received_it(club_supporter):
    scheme = SchemeFactory()
    a, b = ProviderFactory(), ProviderFactory()
    services.scheme_share(scheme=scheme, providers=[a], by=club_supporter)
    assert services.scheme_share(scheme=scheme, providers=[a, b], by=club_supporter) == (1, 1)
    assert SchemeShare.objects.filter(scheme=scheme).count() == 2
    assert OutgoingEmail.objects.filter(key__startswith="scheme-share:").count() == 2


def test_share_skips_provider_without_email(club_supporter):
    assert services.scheme_share(
        scheme=SchemeFactory(), providers=[ProviderFactory(email="")], by=club_supporter
    ) == (0, 1)


def test_closed_scheme_cannot_be_shared(club_supporter):
    scheme = SchemeFactory(closes_on=timezone.localdate() - dt.timedelta(days=1))
    with pytest.raises(DomainError, match="niet open"):
        services.scheme_share(scheme=scheme, providers=[ProviderFactory()], by=club_supporter)
    assert not SchemeShare.objects.exists()


# --- Digest -------------------------------------------------------------------------------------


def test_digest_sends_each_provider_its_matching_schemes_once(django_capture_on_commit_callbacks):
    SchemeFactory(name="Jeugdfonds", target_groups=["jeugd"])
    SchemeFactory(name="Ouderenfonds", target_groups=["ouderen"])
    youth = ProviderFactory(target_groups=[target_group("jeugd")])
    elderly = ProviderFactory(target_groups=[target_group("ouderen")])
    with django_capture_on_commit_callbacks(execute=True):
        assert services.digest_send() == 2
    by_recipient = {m.to[0]: m.body for m in mail.outbox}
    assert "Jeugdfonds" in by_recipient[youth.email]
    assert "Ouderenfonds" not in by_recipient[youth.email]
    assert "Ouderenfonds" in by_recipient[elderly.email]
    assert "/subsidies/afmelden/" in by_recipient[elderly.email]


def test_digest_run_twice_sends_nothing_the_second_time(django_capture_on_commit_callbacks):
    SchemeFactory()
    ProviderFactory()
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.send_scheme_digest.delay().get() == 1
        assert tasks.send_scheme_digest.delay().get() == 0
    assert len(mail.outbox) == 1
    assert SchemeShare.objects.count() == 1


def test_digest_sends_only_the_newly_matching_scheme_later():
    first = SchemeFactory(name="Eerste")
    provider = ProviderFactory()
    services.digest_send()
    SchemeFactory(name="Tweede")
    services.digest_send()
    shares = SchemeShare.objects.filter(provider=provider, channel=ShareChannel.DIGEST)
    assert sorted(s.scheme.name for s in shares) == ["Eerste", "Tweede"]
    second_email = digests().order_by("pk").last()
    assert "Tweede" in second_email.body
    assert first.name not in second_email.body


def test_digest_never_repeats_a_scheme_that_staff_already_shared(club_supporter):
    scheme = SchemeFactory()
    provider = ProviderFactory()
    services.scheme_share(scheme=scheme, providers=[provider], by=club_supporter)
    assert services.digest_send() == 0
    assert not digests().exists()


def test_digest_claim_is_exclusive_when_another_run_claimed_first():
    scheme = SchemeFactory()
    provider = ProviderFactory()
    # Another (concurrent) run inserted the claim between our read and our insert.
    claimed = services._claim_shares([(scheme.pk, provider.pk)], channel="digest", by=None)
    again = services._claim_shares([(scheme.pk, provider.pk)], channel="digest", by=None)
    assert len(claimed) == 1
    assert again == []


@pytest.mark.parametrize(
    "provider_kwargs",
    [{"pending": True}, {"email": ""}, {"status": "inactive"}],
)
def test_digest_skips_unconfirmed_inactive_and_unreachable_providers(provider_kwargs):
    SchemeFactory()
    ProviderFactory(**provider_kwargs)
    assert services.digest_send() == 0


def test_digest_skips_closed_and_non_matching_schemes():
    SchemeFactory(active=False)
    SchemeFactory(target_groups=["jeugd"])
    ProviderFactory(target_groups=[target_group("ouderen")])
    assert services.digest_send() == 0


def test_digest_query_count_does_not_grow_with_providers(django_assert_num_queries):
    """Set-based: one query per open scheme lists the new pairs, whatever the number of
    providers; a run with nothing new stops there."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    SchemeFactory(target_groups=["jeugd"])
    SchemeFactory(themes=["inclusie-diversiteit"])
    for _ in range(3):
        ProviderFactory(target_groups=[target_group("jeugd"), target_group("ouderen")])
    assert services.digest_send() == 3
    with CaptureQueriesContext(connection) as small:
        assert services.digest_send() == 0
    ProviderFactory.create_batch(60, target_groups=[target_group("jeugd"), target_group("ouderen")])
    with CaptureQueriesContext(connection) as first_small:
        services.digest_send()
    assert services.digest_send() == 0
    with django_assert_num_queries(len(small.captured_queries)):
        assert services.digest_send() == 0
    assert SchemeShare.objects.count() == 2 * 63
    assert digests().count() == 63
    assert len(first_small.captured_queries) > len(small.captured_queries)


# --- Unsubscribe --------------------------------------------------------------------------------


def test_unsubscribe_link_works_without_login_and_stops_the_digest(client):
    SchemeFactory()
    provider = ProviderFactory()
    url = services.unsubscribe_url(provider).removeprefix("http://127.0.0.1:8000")
    page = client.get(url)
    assert page.status_code == 200
    assert provider.name in page.content.decode()
    assert not DigestOptOut.objects.exists()  # following the link alone changes nothing
    response = client.post(url)
    assert response.status_code == 200
    assert "niet meer" in response.content.decode()
    assert DigestOptOut.objects.filter(provider=provider).exists()
    assert client.post(url).status_code == 200  # twice is fine
    assert DigestOptOut.objects.count() == 1
    assert services.digest_send() == 0


def test_unsubscribe_with_forged_token_is_refused(client):
    provider = ProviderFactory()
    url = reverse("subsidies:unsubscribe", args=[f"{provider.pk}:forged"])
    assert client.get(url).status_code == 400
    assert client.post(url).status_code == 400
    assert not DigestOptOut.objects.exists()


# --- The guideline selector -------------------------------------------------------------------


def test_entrepreneurs_reached_counts_distinct_entrepreneurs_per_municipality_and_year(
    club_supporter,
):
    utrecht, amsterdam = municipality("GM0344"), municipality("GM0363")
    one, two = SchemeFactory(), SchemeFactory()
    entrepreneur = ProviderFactory(kind=ProviderKind.ENTREPRENEUR, municipality=utrecht)
    club = ProviderFactory(kind=ProviderKind.CLUB, municipality=utrecht)
    elsewhere = ProviderFactory(kind=ProviderKind.ENTREPRENEUR, municipality=amsterdam)
    services.scheme_share(scheme=one, providers=[entrepreneur, club, elsewhere], by=club_supporter)
    services.scheme_share(scheme=two, providers=[entrepreneur], by=club_supporter)
    last_year = ProviderFactory(kind=ProviderKind.ENTREPRENEUR, municipality=utrecht)
    a_year_ago = timezone.now().replace(year=timezone.now().year - 1)
    with mock.patch("django.utils.timezone.now", return_value=a_year_ago):
        services.scheme_share(scheme=one, providers=[last_year], by=club_supporter)
    assert SchemeShare.objects.get(provider=last_year).shared_at == a_year_ago
    year = timezone.localdate().year
    assert selectors.entrepreneurs_reached(municipality=utrecht, year=year) == 1
    assert selectors.entrepreneurs_reached(municipality=utrecht, year=year - 1) == 1
    assert selectors.entrepreneurs_reached(municipality=municipality("GM0355"), year=year) == 0
    assert selectors.shares_per_municipality(year=year) == {utrecht.pk: 1, amsterdam.pk: 1}


def test_reached_counts_agree_with_a_live_count_over_the_shares(club_supporter):
    """The stored kind and municipality on the share rows give the same figures as COUNT
    DISTINCT over a join with the providers, through both selectors; they are written by
    staff shares, the digest and a plain create alike."""
    from django.db.models import Count

    places = [municipality(code) for code in ("GM0344", "GM0363", "GM0599")]
    schemes = [SchemeFactory(), SchemeFactory(), SchemeFactory()]
    providers = [
        ProviderFactory(kind=kind, municipality=place)
        for place in places
        for kind in (ProviderKind.ENTREPRENEUR, ProviderKind.ENTREPRENEUR, ProviderKind.CLUB)
    ]
    services.scheme_share(scheme=schemes[0], providers=providers[:4], by=club_supporter)
    services.scheme_share(scheme=schemes[1], providers=providers[2:6], by=club_supporter)
    services.digest_send()  # reaches the rest, and adds shares for the ones already reached
    SchemeShare.objects.create(
        scheme=SchemeFactory(active=False), provider=providers[0], channel="manual", claim=uuid4()
    )
    assert not SchemeShare.objects.filter(municipality=None).exists()
    year = timezone.localdate().year
    live = {
        row["provider__municipality_id"]: row["n"]
        for row in SchemeShare.objects.filter(
            shared_at__year=year, provider__kind=ProviderKind.ENTREPRENEUR
        )
        .values("provider__municipality_id")
        .annotate(n=Count("provider_id", distinct=True))
    }
    assert live == {place.pk: 2 for place in places}
    assert selectors.shares_per_municipality(year=year) == live
    for place in places:
        assert selectors.entrepreneurs_reached(municipality=place, year=year) == live[place.pk]
    assert selectors.shares_per_municipality(year=year - 1) == {}


def test_a_digest_whose_provider_unsubscribed_after_the_claim_is_closed_not_sent():
    from subsidies.models import DigestNotice

    SchemeFactory()
    provider = ProviderFactory()
    claimed = services.digest_sweep().claimed
    services.digest_unsubscribe(provider=provider)  # between the claim and the send
    assert services.digest_notices_send(notice_ids=claimed) == 0
    notice = DigestNotice.objects.get()
    assert (notice.emailed_at, notice.closed_at is not None) == (None, True)
    assert not digests().exists()
