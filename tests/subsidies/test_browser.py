"""The club supporter's journey in real headless Chromium."""

from decimal import Decimal

import pytest

from sportloket.constants import Role
from sportloket.models import OutgoingEmail
from subsidies.models import Allocation, SchemeShare
from tests.factories import ProviderFactory

from .factories import BudgetFactory, SchemeFactory, target_group

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_club_supporter_finds_shares_and_allocates(page, login, user_for_role):
    supporter = user_for_role(Role.CLUB_SUPPORTER)
    SchemeFactory(name="Jeugdfonds Sport & Cultuur", target_groups=["jeugd"])
    SchemeFactory(name="Ouderenfonds", target_groups=["ouderen"])
    provider = ProviderFactory(name="VV Hoograven", target_groups=[target_group("jeugd")])
    budget = BudgetFactory(
        desk=supporter.staff_profile.desk, name="Uitvoeringsbudget", total=Decimal("5000")
    )

    login(supporter.username)
    page.get_by_role("link", name="Regelingen per aanbieder").click()
    page.get_by_role("link", name="VV Hoograven").click()
    main = page.locator("main")
    assert "Jeugdfonds Sport & Cultuur" in main.inner_text()
    assert "Ouderenfonds" not in main.inner_text()
    assert "Doelgroepen: Jeugd" in main.inner_text()

    page.get_by_role("link", name="Jeugdfonds Sport & Cultuur").click()
    page.get_by_label("Delen met VV Hoograven").check()
    page.get_by_role("button", name="Delen per e-mail").click()
    assert "Per e-mail gedeeld met 1 aanbieders" in main.inner_text()
    assert SchemeShare.objects.filter(provider=provider).count() == 1
    assert OutgoingEmail.objects.filter(to=[provider.email]).exists()

    page.get_by_role("link", name="Budgetten", exact=True).click()
    page.get_by_role("link", name="Uitvoeringsbudget").click()
    page.get_by_label("Sportaanbieder").select_option(label="VV Hoograven")
    page.get_by_label("Bedrag (€)").fill("1.250,50")
    page.get_by_label("Onderbouwing").fill("Opleiding van twee jeugdtrainers")
    page.get_by_role("button", name="Besluit vastleggen").click()
    assert "Het besluit is vastgelegd." in main.inner_text()
    assert page.locator("#budget-remaining").inner_text() == "€ 3.749,50"

    page.get_by_label("Sportaanbieder").select_option(label="VV Hoograven")
    page.get_by_label("Bedrag (€)").fill("4000")
    page.get_by_label("Onderbouwing").fill("Te veel")
    page.get_by_role("button", name="Besluit vastleggen").click()
    assert "er is nog maar € 3.749,50 over" in main.inner_text()
    assert Allocation.objects.filter(budget=budget).count() == 1
