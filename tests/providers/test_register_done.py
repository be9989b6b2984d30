"""The thank-you page after registering says what the desk sees, and the desk sees exactly that."""

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
