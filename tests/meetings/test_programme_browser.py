"""Journey in Chromium: policy staff plan the year from the programme, record a meeting with
attendance and an agreement, and see the guideline check change on the office page."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from meetings.models import Meeting
from tests.poskantoor.factories import make_office

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_policy_staff_plan_the_year_record_a_meeting_and_see_the_guideline_change(
    page, login, policy_staff
):
    office = make_office(registered_on=dt.date(2026, 1, 31))
    today = timezone.localdate()
    day = max(today - dt.timedelta(days=1), dt.date(today.year, 1, 1))
    login(policy_staff.username)
    page.goto(office.get_absolute_url())
    meetings_norm = page.locator('li[data-norm="meetings"]')
    assert meetings_norm.get_attribute("data-met") == "no"
    assert "(0 / 3)" in meetings_norm.inner_text()

    page.get_by_role("link", name="Jaar plannen vanuit het programma").click()
    page.get_by_label("Programma").select_option("year_1")
    page.get_by_label("Jaar").fill(str(today.year + 1))
    page.get_by_role("button", name="Deze bijeenkomsten inplannen").click()
    assert f"3 bijeenkomsten ingepland voor {today.year + 1}." in page.locator("main").inner_text()
    assert office.meetings.count() == 3

    page.get_by_role("link", name="Bijeenkomst plannen").click()
    page.get_by_label("Soort").select_option(label="Sportcafé / themabijeenkomst")
    page.get_by_label("Titel").fill("Sportcafé ouderen")
    page.get_by_label("Datum").fill(day.isoformat())
    page.get_by_label("Begintijd").fill("00:00")
    page.get_by_label("Eindtijd").fill("00:30")
    page.get_by_label("Locatie").fill("Buurthuis De Pijp")
    page.get_by_role("button", name="Opslaan").click()
    expect(
        page.get_by_role("heading", name="Sportcafé ouderen")
    ).to_be_visible()  # waits for the page the click opens

    for name, role in (("Wethouder Jansen", "policy_maker"), ("Wijkteam West", "social_domain")):
        page.get_by_label("Naam", exact=True).fill(name)
        page.get_by_label("Rol").select_option(role)
        page.get_by_role("button", name="Toevoegen aan de lijst").click()
        assert f"{name} is toegevoegd." in page.locator("main").inner_text()
    page.get_by_label("Wethouder Jansen aanwezig").check()
    page.get_by_label("Wijkteam West aanwezig").check()
    page.get_by_role("button", name="Aanwezigheid opslaan").click()
    assert page.locator('[data-flag="policy"]').inner_text().strip() == "ja"

    page.get_by_label("Omschrijving").fill("Proefles bewegen voor ouderen in twee wijken")
    page.get_by_label("Doelgroep").select_option(index=1)
    page.locator("#id_owner_name").fill("Karin")
    page.get_by_label("Klaar op").fill((today + dt.timedelta(days=30)).isoformat())
    page.get_by_role("button", name="Afspraak toevoegen").click()
    assert "De afspraak is toegevoegd." in page.locator("main").inner_text()

    page.get_by_role("button", name="Vastleggen als gehouden").click()
    assert page.locator("[data-status]").get_attribute("data-status") == "held"
    assert Meeting.objects.get(title="Sportcafé ouderen").policy_maker_present

    page.get_by_role("link", name=office.name).click()
    assert "(1 / 3)" in page.locator('li[data-norm="meetings"]').inner_text()
    assert page.locator('li[data-norm="social_domain"]').get_attribute("data-met") == "yes"
    assert "Proefles bewegen voor ouderen" in page.locator("main").inner_text()
