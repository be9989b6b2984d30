"""The thank-you page after registering says what the desk sees, and the desk sees exactly that."""

import time
from unittest import mock

import pytest
from django.urls import reverse

from providers.constants import ProviderStatus
from providers.models import Provider
from tests.factories import DeskFactory, StaffProfileFactory

pytestmark = pytest.mark.django_db


def test_thank_you_page_says_the_desk_sees_the_unconfirmed_registration_as_it_does(
    client, form_data, utrecht
):
    """Issue: the page said "until then it is not visible to the desk" while staff see it at
    once as "In afwachting": the page now names the status the desk's list shows."""
    response = client.post(reverse("providers:register"), form_data, follow=True)
    page = response.content.decode()
    label = str(ProviderStatus.PENDING.label)
    assert "Het loket ziet uw aanmelding meteen" in page
    assert f"“{label}”" in page
    assert "niet zichtbaar voor het loket" not in page

    provider = Provider.objects.get()
    desk = DeskFactory(municipalities=[utrecht])
    client.force_login(StaffProfileFactory(club_supporter=True, desk=desk).user)
    listing = client.get(reverse("providers:list")).content.decode()
    assert provider.name in listing
    assert label in listing
    detail = client.get(provider.get_absolute_url())
    assert detail.status_code == 200
    assert label in detail.content.decode()


def test_thank_you_page_names_the_status_in_english_too(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("providers:register_done")).content.decode()
    assert "The desk sees your registration straight away, marked “Pending (e-mail not" in page


def _link_sentence(client) -> str:
    page = client.get(reverse("providers:register_done")).content.decode()
    start = page.index('id="register-link-valid">') + len('id="register-link-valid">')
    return page[start : page.index("</p>", start)]


def _confirm_after(client, provider, seconds: int):
    """Follow the provider's confirmation link ``seconds`` after it was made."""
    from providers.services import confirmation_token

    made = time.time()
    with mock.patch("time.time", return_value=made):
        token = confirmation_token(provider)
    with mock.patch("time.time", return_value=made + seconds):
        return client.post(reverse("providers:confirm", args=[token]))


@pytest.mark.parametrize(
    ("max_age", "words", "seconds"),
    [(3 * 86400, "3 dagen", 3 * 86400), (2 * 86400, "2 dagen", 2 * 86400), (7200, "2 uur", 7200)],
)
def test_thank_you_page_says_how_long_the_link_is_valid_and_the_link_keeps_to_it(
    client, settings, max_age, words, seconds
):
    """ "The link is valid for three days" was fixed text: now it is read from the setting
    that decides it, and the link is accepted up to that moment and refused after it."""
    from tests.factories import ProviderFactory

    settings.SPORTLOKET_CONFIRMATION_MAX_AGE = max_age
    sentence = _link_sentence(client)
    assert f"De link is {words} geldig." in sentence
    within = ProviderFactory(status=ProviderStatus.PENDING)
    assert _confirm_after(client, within, seconds - 60).status_code == 200
    within.refresh_from_db()
    assert within.status == ProviderStatus.ACTIVE
    late = ProviderFactory(status=ProviderStatus.PENDING)
    assert _confirm_after(client, late, seconds + 60).status_code == 400
    late.refresh_from_db()
    assert late.status == ProviderStatus.PENDING


def test_the_link_validity_is_rounded_down_so_the_page_never_promises_more(client, settings):
    settings.SPORTLOKET_CONFIRMATION_MAX_AGE = 36 * 3600
    assert "De link is 1 dag geldig." in _link_sentence(client)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "The link is valid for 1 day." in _link_sentence(client)
