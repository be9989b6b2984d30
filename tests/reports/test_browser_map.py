"""Journeys in Chromium, axe-core clean: POS staff read the map on the national dashboard and
open an office from it with the keyboard; a policy officer makes the office public with a
consenting contact person, and the public finds it on the public map and its page."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from tests.factories import StaffProfileFactory, municipality
from tests.hardening.test_accessibility import serious_violations, watch_console
from tests.meetings.factories import MeetingFactory
from tests.poskantoor.factories import make_office

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_pos_staff_open_an_office_from_the_map(page, login, pos_staff):
    office = make_office("GM0344", registered_on=dt.date(2026, 1, 31))
    make_office("GM0363", registered_on=dt.date(2026, 2, 10))
    problems = watch_console(page)
    login(pos_staff.username)
    page.goto("/dashboard/pos/")
    figure = page.get_by_test_id("pos-map")
    assert figure.locator('svg a[data-code="GM0344"] title').text_content().startswith("Utrecht")
    assert "© CBS" in figure.inner_text()
    assert "Geen kantoor" in page.get_by_test_id("map-legend").inner_text()
    assert serious_violations(page) == []
    assert problems == []
    # The table beside the map says the same.
    assert page.locator('#map-table tr[data-code="GM0344"]').inner_text().startswith("Utrecht")
    page.locator('svg a[data-code="GM0344"]').focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/pos-kantoren/{office.pk}/")
    assert page.locator("h1").inner_text() == office.name


def test_a_policy_officer_makes_the_office_public_and_the_public_finds_it(page, login):
    office = make_office("GM0344", registered_on=dt.date(2026, 1, 31))
    MeetingFactory(
        office=office,
        title="Startbijeenkomst met ondernemers",
        starts_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=10),
        ends_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=10, hours=2),
        kind="start_meeting",
    )
    policy = StaffProfileFactory(policy_staff=True, municipality=municipality("GM0344")).user
    problems = watch_console(page)
    login(policy.username)
    page.goto(f"/pos-kantoren/{office.pk}/")
    page.get_by_role("link", name="Instellingen openbare pagina").click()
    assert serious_violations(page) == []
    page.get_by_label("Toon dit POS-kantoor op de openbare website").check()
    page.get_by_label("Openbare contactpersoon").fill("Sanne de Vries")
    page.get_by_label("E-mailadres van de contactpersoon").fill("sanne@utrecht.example")
    page.get_by_role("button", name="Opslaan").click()
    # Without the contact's consent: refused, nothing saved, the message at the form.
    expect(page.locator("main")).to_contain_text("alleen getoond met hun toestemming")
    assert serious_violations(page) == []
    page.get_by_label("De contactpersoon heeft toestemming gegeven").check()
    page.get_by_role("button", name="Opslaan").click()
    expect(page.locator("main")).to_contain_text("zijn opgeslagen")
    assert page.get_by_test_id("public-link").is_visible()
    page.get_by_role("button", name="Uitloggen").click()

    page.goto("/pos-kantoren/kaart/")
    assert serious_violations(page) == []
    assert "Utrecht" in page.get_by_test_id("public-offices").inner_text()
    page.locator('svg a[data-code="GM0344"]').focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/pos-kantoren/utrecht/")
    main = page.locator("main").inner_text()
    assert "Sanne de Vries" in main
    assert "Startbijeenkomst met ondernemers" in main
    assert serious_violations(page) == []
    page.goto("/pos-kantoren/utrecht/embed/")
    assert serious_violations(page) == []
    page.goto("/pos-kantoren/utrecht/")
    page.get_by_test_id("join").click()
    page.wait_for_url("**/aanmelden/?gemeente=GM0344")
    assert (
        page.get_by_label("Gemeente").evaluate("e => e.options[e.selectedIndex].text") == "Utrecht"
    )
    assert problems == []
