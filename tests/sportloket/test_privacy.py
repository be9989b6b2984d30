"""The privacy statement names the controller, the data, purposes, recipients, the retention
periods of the sweep (read from the retention rules) and the right to complain."""

import re

import pytest
from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation

from sportloket import retention
from sportloket.models import PrivacyController
from sportloket.privacy import KINDS, RULE_TEXTS, privacy_controller, privacy_sections
from sportloket.retention import Rule, delete_rows

pytestmark = pytest.mark.django_db

CONTROLLER = {
    "SPORTLOKET_PRIVACY_CONTROLLER_NAME": "Gemeente Utrecht",
    "SPORTLOKET_PRIVACY_CONTROLLER_ADDRESS": "Postbus 16200\n3500 CE Utrecht",
    "SPORTLOKET_PRIVACY_CONTROLLER_EMAIL": "privacy@utrecht.example",
    "SPORTLOKET_PRIVACY_CONTROLLER_PHONE": "14 030",
    "SPORTLOKET_PRIVACY_DPO_EMAIL": "fg@utrecht.example",
}


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_privacy_names_the_controller_its_address_contact_and_dpo(client, settings):
    for name, value in CONTROLLER.items():
        setattr(settings, name, value)
    response = client.get(reverse("privacy"), HTTP_ACCEPT_LANGUAGE="nl")
    assert response.status_code == 200
    text = _text(response)
    assert "Gemeente Utrecht is verwerkingsverantwoordelijke" in text
    assert "Postbus 16200" in text
    assert "3500 CE Utrecht" in text
    assert "<br>3500 CE Utrecht" in response.content.decode()
    assert "privacy@utrecht.example" in text
    assert "14 030" in text
    assert "Functionaris gegevensbescherming: fg@utrecht.example" in text


def test_privacy_without_a_configured_controller_says_so_instead_of_naming_nobody(client, settings):
    settings.SPORTLOKET_PRIVACY_CONTROLLER_NAME = ""
    text = _text(client.get(reverse("privacy"), HTTP_ACCEPT_LANGUAGE="nl"))
    assert "nog niet ingesteld" in text
    assert "is verwerkingsverantwoordelijke voor" not in text


def test_privacy_lists_purposes_recipients_rights_and_the_autoriteit_persoonsgegevens(client):
    text = _text(client.get(reverse("privacy"), HTTP_ACCEPT_LANGUAGE="nl"))
    for heading in ("Sportaanbieders", "Hulpvragen aan het loket", "POS-kantoren en kerngroepen"):
        assert heading in text
    assert text.count("Doel ") >= len(KINDS)
    assert "de partnerorganisatie die haar overneemt" in text  # recipients on handover
    assert "recht op inzage" in text
    assert "vergetelheid" in text
    assert "klacht in te dienen bij de Autoriteit Persoonsgegevens" in text


def test_privacy_is_in_english_for_an_english_reader(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.get(reverse("privacy"))
    text = _text(response)
    assert "Dutch Data Protection Authority (Autoriteit Persoonsgegevens)" in text
    assert "anonymised 2 years after it was closed" in text


def test_privacy_retention_period_follows_the_setting(client, settings):
    """Change a rule's period and the page changes with it: the page reads the rules."""
    text = _text(client.get(reverse("privacy"), HTTP_ACCEPT_LANGUAGE="nl"))
    assert "teksten van uw vraag geanonimiseerd 2 jaar na het sluiten" in text
    settings.SPORTLOKET_RETENTION_DAYS = {
        **settings.SPORTLOKET_RETENTION_DAYS,
        "closed_support_requests": 400,
    }
    text = _text(client.get(reverse("privacy"), HTTP_ACCEPT_LANGUAGE="nl"))
    assert "teksten van uw vraag geanonimiseerd 400 dagen na het sluiten" in text
    assert "geanonimiseerd 2 jaar na het sluiten" not in text


def test_privacy_shows_a_rule_an_app_registers_later(client, monkeypatch, settings):
    """A new rule appears on the page without editing the page: under its model's kind, or
    under "Other records" with its model's name when no kind claims the model."""
    settings.SPORTLOKET_RETENTION_DAYS = {**settings.SPORTLOKET_RETENTION_DAYS, "extra": 45}
    extra = Rule("extra_rule", "sportloket.Sport", "extra", lambda qs, c: qs.none(), delete_rows)
    original = retention.rules
    monkeypatch.setattr("sportloket.privacy.rules", lambda: (*original(), extra))
    text = _text(client.get(reverse("privacy"), HTTP_ACCEPT_LANGUAGE="nl"))
    assert "Overige gegevens" in text
    assert "Sporten: verwijderd of geanonimiseerd na 45 dagen." in text


def test_every_registered_retention_rule_is_described_and_shown_once():
    names = [rule.name for rule in retention.rules()]
    assert set(names) <= set(RULE_TEXTS), set(names) - set(RULE_TEXTS)
    with translation.override("en"):
        shown = [text for section in privacy_sections() for text in section.retention]
    assert len(shown) == len(names)
    assert all(section.kind.key != "other" for section in privacy_sections())


def test_every_retention_period_on_the_page_is_the_configured_one():
    with translation.override("en"):
        shown = " ".join(t for section in privacy_sections() for t in section.retention)
    for rule in retention.rules():
        if rule.period is None:
            continue
        days = settings.SPORTLOKET_RETENTION_DAYS[rule.period]
        words = f"{days // 365} year" if days % 365 == 0 else f"{days} day"
        assert words in shown, rule.name


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [1280, 390])
def test_privacy_reads_on_a_desk_and_a_phone(page, settings, width):
    for name, value in CONTROLLER.items():
        setattr(settings, name, value)
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/privacy/")
    main = page.locator("main")
    assert page.get_by_role("heading", name="Wie is verantwoordelijk").is_visible()
    assert "Gemeente Utrecht is verwerkingsverantwoordelijke" in main.inner_text()
    assert page.get_by_role("link", name="autoriteitpersoonsgegevens.nl").is_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{overflow}px wider than the screen at {width}px"


# --- The controller as an administrator enters it in the admin ------------------------------

ADMIN_CHANGE = "/beheer/sportloket/privacycontroller/1/change/"
ADMIN_LIST = "/beheer/sportloket/privacycontroller/"
ADMIN_ADD = "/beheer/sportloket/privacycontroller/add/"


@pytest.fixture
def admin_client(client, administrator):
    administrator.is_staff = True
    administrator.save()
    client.force_login(administrator)
    return client


def test_an_administrator_enters_the_controller_in_the_admin_and_the_page_shows_it(
    admin_client, settings
):
    """ "… with the controller's name, address and contact configurable in settings/admin" """
    for name, value in CONTROLLER.items():
        setattr(settings, name, value)
    assert admin_client.get(ADMIN_LIST)["Location"] == ADMIN_ADD
    response = admin_client.post(
        ADMIN_ADD,
        {
            "name": "Gemeente Zeist",
            "address": "Postbus 513\r\n3700 AM Zeist",
            "email": "privacy@zeist.example",
            "phone": "",
            "dpo_email": "",
        },
    )
    assert response.status_code == 302, response.content.decode()
    controller = PrivacyController.objects.get()
    assert controller.pk == 1
    text = _text(admin_client.get(reverse("privacy"), HTTP_ACCEPT_LANGUAGE="nl"))
    assert "Gemeente Zeist is verwerkingsverantwoordelijke" in text
    assert "Postbus 513" in text
    assert "privacy@zeist.example" in text
    assert "Gemeente Utrecht" not in text
    assert "privacy@utrecht.example" not in text
    # The fields left empty fall back to the server's settings, field by field.
    assert "14 030" in text
    assert "Functionaris gegevensbescherming: fg@utrecht.example" in text


def test_the_admin_holds_one_controller_which_cannot_be_added_twice_or_deleted(admin_client):
    PrivacyController.objects.create(name="Gemeente Zeist")
    assert admin_client.get(ADMIN_LIST)["Location"] == ADMIN_CHANGE
    assert admin_client.get(ADMIN_ADD).status_code == 403
    assert admin_client.get(f"{ADMIN_CHANGE[: -len('change/')]}delete/").status_code == 403
    page = admin_client.get(ADMIN_CHANGE)
    assert page.status_code == 200
    assert "SPORTLOKET_PRIVACY_CONTROLLER_NAME" in page.content.decode()  # the fallback named
    response = admin_client.post(
        ADMIN_CHANGE,
        {"name": "Gemeente De Bilt", "address": "", "email": "", "phone": "", "dpo_email": ""},
    )
    assert response.status_code == 302
    assert list(PrivacyController.objects.values_list("pk", "name")) == [(1, "Gemeente De Bilt")]


def test_the_admin_refuses_a_malformed_address_with_a_message_and_saves_nothing(admin_client):
    response = admin_client.post(
        ADMIN_ADD,
        {
            "name": "Gemeente Zeist",
            "address": "",
            "email": "geen-adres",
            "phone": "",
            "dpo_email": "",
        },
    )
    assert response.status_code == 200
    assert "geldig e-mailadres" in response.content.decode()
    assert not PrivacyController.objects.exists()


def test_the_database_keeps_at_most_one_controller():
    PrivacyController.objects.create(name="Gemeente Zeist")
    with pytest.raises(IntegrityError), transaction.atomic():
        PrivacyController.objects.create(id=2, name="Gemeente De Bilt")


@pytest.mark.parametrize("role", ["club_supporter", "policy_staff"])
def test_staff_who_are_not_administrators_cannot_edit_the_controller(client, request, role):
    user = request.getfixturevalue(role)
    user.is_staff = True
    user.save()
    client.force_login(user)
    assert client.get(ADMIN_ADD).status_code in (302, 403)
    assert client.post(ADMIN_ADD, {"name": "Iemand"}).status_code in (302, 403)
    assert not PrivacyController.objects.exists()


def test_without_a_row_or_settings_the_page_still_says_the_controller_is_not_configured(
    client, settings
):
    for name in CONTROLLER:
        setattr(settings, name, "")
    PrivacyController.objects.create(name="   ")
    text = _text(client.get(reverse("privacy"), HTTP_ACCEPT_LANGUAGE="nl"))
    assert "nog niet ingesteld" in text


def test_the_statement_reads_the_controller_in_one_query(client, django_assert_num_queries):
    PrivacyController.objects.create(name="Gemeente Zeist")
    with django_assert_num_queries(1):
        assert privacy_controller().name == "Gemeente Zeist"
