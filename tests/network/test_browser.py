"""The network journeys in real Chromium."""

import datetime as dt

import pytest

from network.models import GoalProgress, SmartGoal
from sportloket.constants import OrganisationType
from sportloket.models import DeskPartner, Theme
from tests.factories import OrganisationFactory, StaffProfileFactory

from .factories import CoachFactory, OrganisationContactFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_club_supporter_finds_a_partner_by_domain_and_theme(page, login, desk, supporter):
    welfare = OrganisationFactory(name="Welzijn West", type=OrganisationType.WELFARE)
    welfare.themes.add(Theme.objects.get(name="Inclusie & diversiteit"))
    OrganisationContactFactory(organisation=welfare, name="Fatima Ouali", function="wijkverbinder")
    care = OrganisationFactory(name="Fysio Oost", type=OrganisationType.CARE)
    care.themes.add(Theme.objects.get(name="Inclusie & diversiteit"))
    DeskPartner.objects.create(desk=desk, organisation=welfare)
    DeskPartner.objects.create(desk=desk, organisation=care)

    login("sanne")
    page.get_by_role("link", name="Netwerkkaart").click()
    page.get_by_label("Domein").select_option(label="Welzijn")
    page.get_by_label("Thema").select_option(label="Inclusie & diversiteit")
    page.get_by_role("button", name="Zoeken").click()
    table = page.get_by_role("table", name="Partnerorganisaties")
    table.get_by_text("Fatima Ouali").wait_for()
    assert "wijkverbinder" in table.inner_text()
    assert "Fysio Oost" not in table.inner_text()


def test_policy_staff_record_a_coachs_goal_and_progress(page, login, policy):
    coach = CoachFactory(name="Lotte Visser")
    login("ahmed")
    page.goto("/buurtsportcoaches/")
    page.get_by_role("link", name="Lotte Visser").click()
    page.get_by_label("Specifieke omschrijving").fill("Meer kinderen in Lombok lid van een club")
    page.get_by_label("Indicator").fill("Kinderen 6-12 lid")
    page.get_by_label("Nulmeting").fill("120")
    page.get_by_label("Streefwaarde").fill("180")
    page.get_by_label("Afgesproken op").fill("2026-01-15")
    page.get_by_label("Deadline").fill("2027-12-31")
    page.get_by_label("Wie meet").fill("Sportbedrijf")
    page.get_by_role("button", name="Doel vastleggen").click()
    page.get_by_text("SMART-doel vastgelegd.").wait_for()
    goal = SmartGoal.objects.get(coach=coach)

    page.locator("#id_goal").select_option(label=goal.indicator)
    page.get_by_label("Gemeten op").fill(dt.date.today().isoformat())  # noqa: DTZ011
    page.locator("#id_value").fill("135,5")
    page.get_by_role("button", name="Voortgang vastleggen").click()
    page.get_by_text("Voortgang vastgelegd.").wait_for()
    assert str(GoalProgress.objects.get(goal=goal).value) == "135.50"
    assert "Kinderen 6-12 lid" in page.get_by_role("table", name="SMART-doelen").inner_text()


def test_national_staff_compare_desks(page, login, desk, other_desk, pos):
    StaffProfileFactory(desk=desk, organisation=OrganisationFactory(in_spn=True))
    login("joost")
    page.get_by_role("link", name="Loketten", exact=True).click()
    page.get_by_text("loketten voldoen aan alle criteria").wait_for()
    table = page.get_by_role("table")
    assert "Loket Utrecht" in table.inner_text()
    assert "Loket Amsterdam" in table.inner_text()
    table.get_by_role("link", name="Loket Utrecht").click()
    page.get_by_text("criteria voldaan").wait_for()
    assert "Ondersteuners participeren in SPN, ASK, KSS of LAB" in page.locator("main").inner_text()
