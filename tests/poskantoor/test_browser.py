"""Journeys in Chromium: POS staff record an overdue step (2b is POS's step, seed 000 §6:
"POS plant binnen 2 weken een digitaal kennismakingsgesprek in, dit vindt binnen 1 maand na
aanmelding plaats") on its real date afterwards; a municipality registers interest through the
public form."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from poskantoor.models import InterestRegistration
from poskantoor.selectors import open_step

from .factories import make_office

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_pos_staff_see_the_overdue_step_and_record_it_held_afterwards(page, login, pos_staff):
    office = make_office(registered_on=dt.date(2026, 1, 31))
    from poskantoor import services

    services.step_complete(
        step=open_step(office=office, code="2a"), on=dt.date(2026, 2, 2), by=pos_staff
    )
    login(pos_staff.username)
    page.get_by_role("link", name="POS-kantoren").first.click()
    page.get_by_role("link", name="Utrecht").click()
    step = page.locator('li[data-step="2b"]')
    assert "te laat" in step.inner_text()
    step.get_by_role("link", name="Deze stap afronden").click()
    page.get_by_label("Gehouden op").fill("2026-02-20")
    page.get_by_label("Onderbouwing").fill("Kennismakingsgesprek gevoerd via Teams.")
    page.get_by_role("button", name="Stap afronden").click()
    assert "Stap 2b is afgerond." in page.locator("main").inner_text()
    assert "afgerond op 20-02-2026" in page.locator('li[data-step="2b"]').inner_text()
    assert page.locator('li[data-step="3"]').get_attribute("data-state") == "overdue"


def test_municipality_registers_interest_through_the_public_form(page):
    page.goto("/pos-kantoor/aanmelden/")
    page.get_by_label("Gemeente").select_option(label="Amersfoort")
    page.get_by_label("Organisatie").fill("Gemeente Amersfoort, team Sport")
    page.get_by_label("Uw naam").fill("Lotte Visser")
    page.get_by_label("E-mail").fill("lotte@amersfoort.example")
    page.get_by_label("Ik ga ermee akkoord", exact=False).check()
    page.get_by_role("button", name="Interesse aanmelden").click()
    expect(
        page.get_by_role("heading", name="Kijk in uw e-mail")
    ).to_be_visible()  # waits for the page the click opens
    assert InterestRegistration.objects.get().municipality.name == "Amersfoort"
