"""Journeys in real headless Chromium against the live server."""

import pytest
from playwright.sync_api import expect

from sportloket.constants import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    ("role", "label"),
    [
        (Role.CLUB_SUPPORTER, "Clubondersteuner"),
        (Role.POLICY_STAFF, "Beleidsmedewerker gemeente"),
        (Role.POS_STAFF, "POS-medewerker"),
        (Role.ADMINISTRATOR, "Beheerder"),
    ],
)
def test_each_role_logs_in_and_sees_its_home_page(page, login, user_for_role, role, label):
    user = user_for_role(role)
    login(user.username)
    assert page.get_by_role("heading", level=1).inner_text().startswith("Welkom")
    assert label in page.locator("main").inner_text()
    page.get_by_role("button", name="Uitloggen").click()
    expect(
        page.get_by_role("heading", name="U bent uitgelogd")
    ).to_be_visible()  # waits for the page the click opens


def test_wrong_password_shows_a_dutch_message(page, user_for_role):
    user = user_for_role(Role.POS_STAFF)
    page.goto("/account/login/")
    page.get_by_label("Gebruikersnaam").fill(user.username)
    page.get_by_label("Wachtwoord").fill("fout")
    page.get_by_role("button", name="Inloggen").click()
    assert "Voer een juiste gebruikersnaam" in page.locator("main").inner_text()
