"""The unsubscribe link of the scheme e-mails: signed for that purpose only, valid for 90 days,
a fresh one in every e-mail; anything else gets a clear Dutch page, never a 500."""

from __future__ import annotations

import re
import time
from unittest import mock

import pytest
from django.core import mail, signing
from django.urls import reverse

from providers.services import confirmation_token
from sportloket.models import OutgoingEmail
from sportloket.tokens import make_token, read_token
from subsidies import services
from subsidies.models import DigestOptOut
from tests.factories import ProviderFactory
from tests.subsidies.factories import SchemeFactory

pytestmark = pytest.mark.django_db

DAY = 86400
INVALID = "Deze link is niet geldig"
EXPIRED = "Deze link is verlopen"


def url_of(token: str) -> str:
    return reverse("subsidies:unsubscribe", args=[token])


def token_made(days_ago: float, provider) -> str:
    with mock.patch("django.core.signing.time.time", return_value=time.time() - days_ago * DAY):
        return make_token(services.UNSUBSCRIBE_PURPOSE, provider.pk)


def refused(client, url: str, message: str) -> None:
    for response in (client.get(url), client.post(url)):
        assert response.status_code == 400
        assert message in response.content.decode()
    assert not DigestOptOut.objects.exists()


def test_a_link_of_89_days_still_unsubscribes(client):
    provider = ProviderFactory()
    url = url_of(token_made(89, provider))
    assert provider.name in client.get(url).content.decode()
    assert client.post(url).status_code == 200
    assert DigestOptOut.objects.filter(provider=provider).exists()


def test_a_link_older_than_90_days_is_refused_with_a_clear_page(client):
    refused(client, url_of(token_made(91, ProviderFactory())), EXPIRED)


def test_a_link_of_the_old_format_is_refused(client):
    """Before, the link was signed with the generic salt and accepted for ten years."""
    provider = ProviderFactory()
    old = signing.dumps(str(provider.pk), salt="sportloket.subsidies-unsubscribe", compress=False)
    refused(client, url_of(old), INVALID)


def test_a_token_of_another_purpose_is_refused(client):
    provider = ProviderFactory(pending=True)
    refused(client, url_of(confirmation_token(provider)), INVALID)
    refused(client, url_of(make_token("provider-confirm", provider.pk)), INVALID)


@pytest.mark.parametrize(
    "token", ["x", "1", "1:abc", "MQ:1v0:" + "a" * 43, "é" * 200, "a" * 5000, "..", "%00"]
)
def test_garbage_is_refused_without_a_server_error(client, token):
    refused(client, url_of(token), INVALID)


def test_the_link_of_an_erased_provider_is_refused(client):
    provider = ProviderFactory()
    url = url_of(make_token(services.UNSUBSCRIBE_PURPOSE, provider.pk))
    type(provider).objects.filter(pk=provider.pk).update(erased_at="2026-01-01T00:00:00Z")
    refused(client, url, INVALID)


LINK = re.compile(r"/subsidies/afmelden/([^/\s]+)/")


def test_every_digest_carries_a_fresh_link(django_capture_on_commit_callbacks):
    provider = ProviderFactory(email="club@example.org")
    SchemeFactory()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.digest_send() == 1
    (first,) = mail.outbox
    token = LINK.search(first.body).group(1)
    # Issued now: valid with a maximum age of a minute, for this provider.
    assert read_token(services.UNSUBSCRIBE_PURPOSE, token, max_age=60) == str(provider.pk)
    later = time.time() + 30 * DAY
    SchemeFactory()
    with (
        mock.patch("django.core.signing.time.time", return_value=later),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert services.digest_send() == 1
    second = mail.outbox[1]
    fresh = LINK.search(second.body).group(1)
    assert fresh != token
    with mock.patch("django.core.signing.time.time", return_value=later + 60):
        assert read_token(services.UNSUBSCRIBE_PURPOSE, fresh, max_age=120) == str(provider.pk)
    assert OutgoingEmail.objects.count() == 2
