"""Journey in Chromium: POS records a GO despite unmet basic conditions, the municipality's
policy officer confirms it ("Deze lokale kerngroep en POS besluiten gezamenlijk")."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from poskantoor import services
from poskantoor.selectors import open_step

from .factories import make_office

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_pos_records_a_go_with_a_reason_and_the_policy_officer_confirms_it(
    page, login, policy_staff, pos_staff
):
    office = make_office(registered_on=dt.date(2026, 1, 31))
    for code, on in (("2a", dt.date(2026, 2, 2)), ("2b", dt.date(2026, 2, 10))):
        services.step_complete(step=open_step(office=office, code=code), on=on, by=pos_staff)
    login(pos_staff.username)
    page.goto(office.get_absolute_url())
    page.get_by_role("link", name="GO / NO-GO vastleggen").click()
    expect(
        page.locator('li[data-unmet="mapped"]')
    ).to_be_visible()  # waits for the page the click opens
    page.get_by_label("GO: startbijeenkomst voorbereiden").check()
    page.get_by_label("Datum van het besluit").fill("2026-03-05")
    page.get_by_label("Waarom starten met ondersteuning van POS", exact=False).fill(
        "De kerngroep ontstaat in de startbijeenkomst."
    )
    page.get_by_role("button", name="Besluit vastleggen").click()
    assert "het gaat in zodra de andere kant het bevestigt" in page.locator("main").inner_text()
    assert page.locator('li[data-step="3"]').get_attribute("data-state") != "done"

    page.context.clear_cookies()
    login(policy_staff.username)
    page.goto(office.get_absolute_url())
    page.get_by_role("button", name="Besluit bevestigen").click()
    main = page.locator("main").inner_text()
    assert "Het besluit is bevestigd en gaat in." in main
    assert page.locator('li[data-step="3"]').get_attribute("data-state") == "done"
    decision = page.locator('[data-decision="go"][data-status="confirmed"]')
    assert "De kerngroep ontstaat in de startbijeenkomst." in decision.inner_text()
