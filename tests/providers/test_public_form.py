import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse

from providers.constants import ProviderStatus
from providers.models import Provider
from providers.services import confirmation_token
from sportloket.models import OutgoingEmail, Sport, TargetGroup
from tests.factories import ProviderFactory

pytestmark = pytest.mark.django_db
URL = "/aanmelden/"


def post(client, data, **extra):
    return client.post(URL, data, **extra)


def test_form_url_is_stable_and_public(client):
    assert reverse("providers:register") == URL
    response = client.get(URL)
    assert response.status_code == 200
    assert "Aanmelden als sportaanbieder" in response.content.decode()


def test_valid_registration_sends_confirmation_mail_and_stays_pending(
    client, form_data, django_capture_on_commit_callbacks
):
    sport = Sport.objects.get(slug="fitness")
    group = TargetGroup.objects.get(slug="ouderen")
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, {**form_data, "sports": [sport.pk], "target_groups": [group.pk]})
    assert response.status_code == 302
    assert response["Location"] == reverse("providers:register_done")
    provider = Provider.objects.get()
    assert provider.status == ProviderStatus.PENDING
    assert provider.postcode == "3553 AB"
    assert provider.kvk_number == "87654321"
    assert list(provider.target_groups.all()) == [group]
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["kim@fitlab.example"]
    assert "/aanmelden/bevestigen/" in mail.outbox[0].body
    # The subject is fixed text: never what a stranger typed into the form.
    assert mail.outbox[0].subject == f"Bevestig uw aanmelding bij Sportloket (nr. {provider.pk})"


def test_confirm_page_asks_then_confirms_on_post(client, form_data):
    post(client, form_data)
    provider = Provider.objects.get()
    url = reverse("providers:confirm", args=[confirmation_token(provider)])
    response = client.get(url)
    assert response.status_code == 200
    provider.refresh_from_db()
    assert provider.status == ProviderStatus.PENDING  # a link scanner's GET confirms nothing
    response = client.post(url)
    assert response.status_code == 200
    assert "is bevestigd" in response.content.decode()
    provider.refresh_from_db()
    assert provider.status == ProviderStatus.ACTIVE


@pytest.mark.parametrize("token", ["nonsense", "a" * 300, "1:abc:def"])
def test_forged_confirmation_link_gets_a_clear_error(client, form_data, token):
    post(client, form_data)
    for method in (client.get, client.post):
        response = method(f"/aanmelden/bevestigen/{token}/")
        assert response.status_code == 400
        assert "niet geldig" in response.content.decode()
    assert Provider.objects.get().status == ProviderStatus.PENDING


def test_expired_confirmation_link_gets_a_clear_error(client, form_data):
    post(client, form_data)
    provider = Provider.objects.get()
    url = reverse("providers:confirm", args=[confirmation_token(provider)])
    with override_settings(SPORTLOKET_CONFIRMATION_MAX_AGE=-1):
        response = client.post(url)
    assert response.status_code == 400
    assert "verlopen" in response.content.decode()
    assert Provider.objects.get().status == ProviderStatus.PENDING


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "Dit veld is verplicht."),
        ("name", "x" * 201, "niet meer dan 200 tekens"),
        ("name", "<script>alert(1)</script>", "Gebruik geen &lt; of &gt;"),
        ("contact_name", "<b>Kim</b>", "Gebruik geen &lt; of &gt;"),
        ("kvk_number", "1234567", "precies 8 cijfers"),
        ("kvk_number", "1234567a", "precies 8 cijfers"),
        ("kvk_number", "", "KvK-nummer"),
        ("postcode", "12345", "Geef een geldige postcode op."),
        ("postcode", "", "Dit veld is verplicht."),
        ("email", "geen-email", "Voer een geldig e-mailadres in."),
        ("email", "", "Dit veld is verplicht."),
        ("phone", "abc", "Vul een geldig telefoonnummer in"),
        ("municipality", "999999", "Selecteer een geldige keuze"),
        ("municipality", "Atlantis", "Selecteer een geldige keuze"),
        ("kind", "alien", "Selecteer een geldige keuze"),
        ("privacy_consent", "", "privacyverklaring"),
    ],
)
def test_bad_input_gets_a_dutch_message_keeps_input_and_stores_nothing(
    client, form_data, field, value, message
):
    data = {**form_data, field: value}
    if field == "privacy_consent":
        del data["privacy_consent"]
    response = post(client, data)
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body
    assert "alles wat u typte is bewaard" in body
    for kept in ("FitLab Zuilen", "Kim de Boer") if field not in ("name", "contact_name") else ():
        assert kept in body
    assert not Provider.objects.exists()
    assert not OutgoingEmail.objects.exists()


def test_unknown_sport_is_refused(client, form_data):
    response = post(client, {**form_data, "sports": ["99999"]})
    assert response.status_code == 400
    assert not Provider.objects.exists()


def test_typed_values_are_kept_after_an_error(client, form_data):
    response = post(client, {**form_data, "kvk_number": "123"})
    body = response.content.decode()
    for value in ("FitLab Zuilen", "3553ab", "Kim de Boer", "kim@fitlab.example", 'value="123"'):
        assert value in body


def test_honeypot_pretends_success_and_stores_nothing(client, form_data):
    response = post(client, {**form_data, "website_url": "http://spam.example"})
    assert response.status_code == 302
    assert response["Location"] == reverse("providers:register_done")
    assert not Provider.objects.exists()
    assert not OutgoingEmail.objects.exists()


def test_honeypot_is_hidden_from_people(client):
    body = client.get(URL).content.decode()
    assert 'class="hp-field"' in body
    assert 'aria-hidden="true"' in body


@override_settings(SPORTLOKET_PUBLIC_FORM_RATE=3)
def test_rate_limit_per_address_gives_friendly_429_and_stores_nothing(client, form_data):
    for i in range(3):
        post(client, {**form_data, "kvk_number": f"1000000{i}", "name": f"A{i}"})
    response = post(client, {**form_data, "kvk_number": "20000000", "name": "Te veel"})
    assert response.status_code == 429
    assert not Provider.objects.filter(name="Te veel").exists()
    other = post(client, {**form_data, "kvk_number": "20000000"}, REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 302


def test_known_kvk_creates_no_second_provider_and_answers_like_a_new_one(client, form_data):
    ProviderFactory(kvk_number="87654321", name="FitLab")
    response = post(client, form_data)
    assert response["Location"] == reverse("providers:register_done")
    assert Provider.objects.count() == 1
    body = client.get(response["Location"]).content.decode()
    assert "adres dat bij ons bekend is" in body


def test_registering_twice_while_pending_resends_the_link(
    client, form_data, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, form_data)
        response = post(client, form_data)
    assert response["Location"] == reverse("providers:register_done")
    assert Provider.objects.count() == 1
    assert len(mail.outbox) == 2
