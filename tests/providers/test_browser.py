"""The newcomer's journey in real Chromium: register, confirm by e-mail, seen by the desk."""

import re

import pytest
from django.core import mail

from providers.constants import ProviderStatus
from providers.models import Provider

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fill_form(page, *, kvk="87654321"):
    page.goto("/aanmelden/")
    page.get_by_label("Naam van de vereniging of het bedrijf").fill("FitLab Zuilen")
    page.get_by_label("Soort").select_option("entrepreneur")
    page.get_by_label("KvK-nummer").fill(kvk)
    page.get_by_label("Gemeente").select_option(label="Utrecht")
    page.get_by_label("Postcode").fill("3553ab")
    page.get_by_label("Fitness").check()
    page.get_by_label("Ouderen").check()
    page.locator("#id_contact_name").fill("Kim de Boer")
    page.get_by_label("E-mail").fill("kim@fitlab.example")
    page.get_by_label("Ik ga ermee akkoord").check()


def test_newcomer_registers_confirms_and_club_supporter_sees_provider(page, login, club_supporter):
    fill_form(page, kvk="1234")
    page.get_by_role("button", name="Aanmelden").click()
    assert "precies 8 cijfers" in page.locator("main").inner_text()
    assert page.locator("#id_contact_name").input_value() == "Kim de Boer"
    assert page.get_by_label("Fitness").is_checked()
    assert not Provider.objects.exists()

    page.get_by_label("KvK-nummer").fill("87654321")
    page.get_by_label("Ik ga ermee akkoord").check()
    page.get_by_role("button", name="Aanmelden").click()
    page.wait_for_url("**/aanmelden/verstuurd/")
    assert Provider.objects.get().status == ProviderStatus.PENDING
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+(/aanmelden/bevestigen/\S+/)", mail.outbox[0].body).group(1)

    page.goto(link)
    page.get_by_role("button", name="Mijn aanmelding bevestigen").click()
    assert "is bevestigd" in page.locator("main").inner_text()
    assert Provider.objects.get().status == ProviderStatus.ACTIVE

    login(club_supporter.username)
    page.get_by_role("link", name="Aanbieders", exact=True).click()
    page.get_by_label("Zoeken").fill("fitlab")
    page.locator("main form button[type=submit]").click()
    page.get_by_role("link", name="FitLab Zuilen").click()
    main = page.locator("main").inner_text()
    assert "Kim de Boer" in main
    assert "E-mailadres bevestigd" in main


def test_honeypot_is_invisible_and_honest_submission_passes(page):
    fill_form(page)
    box = page.locator(".hp-field").bounding_box()
    assert box["x"] + box["width"] <= 0  # out of sight for people
    page.get_by_role("button", name="Aanmelden").click()
    page.wait_for_url("**/aanmelden/verstuurd/")
    assert Provider.objects.count() == 1
