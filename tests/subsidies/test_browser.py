"""The club supporter's journey in real headless Chromium."""

from decimal import Decimal

import pytest

from sportloket.constants import Role
from sportloket.models import OutgoingEmail
from subsidies.models import Allocation, SchemeShare
from tests.factories import ProviderFactory
from tests.meetings.factories import SupportRequestFactory

from .factories import BudgetFactory, SchemeFactory, target_group

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_club_supporter_finds_shares_and_allocates(page, login, user_for_role):
    """Finds the schemes of a provider, shares one, allocates part of a budget to the
    provider and to a support question (each with a rationale), and withdraws one."""
    supporter = user_for_role(Role.CLUB_SUPPORTER)
    SchemeFactory(name="Jeugdfonds Sport & Cultuur", target_groups=["jeugd"])
    SchemeFactory(name="Ouderenfonds", target_groups=["ouderen"])
    provider = ProviderFactory(name="VV Hoograven", target_groups=[target_group("jeugd")])
    budget = BudgetFactory(
        desk=supporter.staff_profile.desk, name="Uitvoeringsbudget", total=Decimal("5000")
    )
    question = SupportRequestFactory(
        desk=supporter.staff_profile.desk,
        provider=provider,
        subject="Vrijwilligers werven",
        requester_name="Kim de Boer",
    )
    csp_violations: list[str] = []
    page.on(
        "console", lambda m: "Content Security Policy" in m.text and csp_violations.append(m.text)
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

    # A support question: allocate part of the budget to it, with a rationale.
    page.goto(question.get_absolute_url())
    page.get_by_role("link", name="Budget toekennen").click()
    page.get_by_label("Budget").select_option(label="Uitvoeringsbudget 2026 (nog € 3.749,50 over)")
    page.get_by_label("Bedrag (€)").fill("500")
    page.get_by_label("Onderbouwing").fill("Workshop vrijwilligersbeleid voor het bestuur")
    page.get_by_role("button", name="Besluit vastleggen").click()
    assert "Het besluit is vastgelegd." in main.inner_text()
    card = page.locator("section", has_text="Budget toekennen")
    assert "€ 500,00" in card.inner_text()
    assert "Workshop vrijwilligersbeleid" in card.inner_text()
    allocation = question.allocation_links.get().allocation
    assert allocation.reference == f"Hulpvraag #{question.pk}"
    budget.refresh_from_db()
    assert budget.remaining == Decimal("3249.50")

    # Withdraw it again from the question page: back there, marked as withdrawn.
    card.get_by_role("link", name="Intrekken").click()
    page.get_by_label("Reden van intrekking").fill("Workshop wordt door de bond betaald")
    page.get_by_role("button", name="Toekenning intrekken").click()
    page.wait_for_url(f"**{question.get_absolute_url()}")
    assert "De toekenning is ingetrokken." in main.inner_text()
    card = page.locator("section", has_text="Budget toekennen")
    assert "Ingetrokken" in card.inner_text()
    assert "Workshop wordt door de bond betaald" in card.inner_text()
    budget.refresh_from_db()
    assert budget.remaining == Decimal("3749.50")

    # The budget and the transparency overview name the question, not the requester.
    page.goto(budget.get_absolute_url())
    assert page.locator("#budget-remaining").inner_text() == "€ 3.749,50"
    page.get_by_role("link", name="Transparantieoverzicht van dit jaar").click()
    overview = main.inner_text()
    assert f"Hulpvraag #{question.pk}" in overview
    assert "Ingetrokken" in overview
    assert "Kim de Boer" not in overview
    assert not csp_violations, csp_violations
