"""Decisions on money for a support question: the link, the recipient, refusals, pages, roles."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from meetings.models import SupportRequestAllocation
from meetings.support import services
from sportloket.models import AuditEvent
from sportloket.services import DomainError
from subsidies import services as subsidies_services
from subsidies.constants import Decision
from subsidies.models import Allocation
from tests.factories import DeskFactory, ProviderFactory, StaffProfileFactory, municipality
from tests.subsidies.factories import BudgetFactory

from .factories import SupportRequestFactory

pytestmark = pytest.mark.django_db

DECIDED_ON = dt.date(2026, 2, 2)


@pytest.fixture(autouse=True)
def _dutch():
    with translation.override("nl"):
        yield


@pytest.fixture
def budget(desk):
    return BudgetFactory(desk=desk, name="Uitvoeringsbudget", year=2026, total=Decimal("1000"))


@pytest.fixture
def question(desk):
    return SupportRequestFactory(
        desk=desk,
        provider=ProviderFactory(name="VV Hoograven"),
        requester_name="Kim de Boer",
        requester_email="kim@example.org",
    )


def allocate(question, budget, by, amount="250", decision=Decision.GRANTED, rationale="Cursus"):
    return services.support_request_allocate(
        request=question,
        budget=budget,
        amount=amount,
        decision=decision,
        rationale=rationale,
        decided_on=DECIDED_ON,
        by=by,
    )


def allocated(budget) -> Decimal:
    budget.refresh_from_db()
    return budget.allocated


def nothing_stored(budget) -> bool:
    return (
        not Allocation.objects.exists()
        and not SupportRequestAllocation.objects.exists()
        and allocated(budget) == Decimal("0.00")
    )


# --- Service ---------------------------------------------------------------------------------


class TestAllocateService:
    def test_allocation_for_a_question_is_linked_counted_and_audited(
        self, question, budget, supporter
    ):
        allocation = allocate(question, budget, supporter, "250.50")
        assert allocated(budget) == Decimal("250.50")
        assert allocation.reference == f"Hulpvraag #{question.pk}"
        assert allocation.provider == question.provider  # a confirmed provider is named
        assert allocation.recipient == f"VV Hoograven · Hulpvraag #{question.pk}"
        assert allocation.support_request_link.support_request == question
        assert AuditEvent.objects.filter(action="allocation_granted").count() == 1
        event = AuditEvent.objects.get(action="support_request.allocate")
        assert event.object_id == str(question.pk)

    def test_reference_is_in_the_site_language_whatever_the_user_reads(
        self, question, budget, supporter
    ):
        with translation.override("en"):
            allocation = allocate(question, budget, supporter)
        assert allocation.reference == f"Hulpvraag #{question.pk}"

    @pytest.mark.parametrize("state", ["pending", "erased"])
    def test_a_provider_that_is_not_confirmed_is_not_named(self, desk, budget, supporter, state):
        from django.utils import timezone

        provider = ProviderFactory(name="Jan Jansen Fitness", pending=state == "pending")
        if state == "erased":
            provider.erased_at = timezone.now()
            provider.save()
        question = SupportRequestFactory(desk=desk, provider=provider)
        allocation = allocate(question, budget, supporter)
        assert allocation.provider is None
        assert allocation.recipient == f"Hulpvraag #{question.pk}"
        assert allocated(budget) == Decimal("250.00")

    def test_a_provider_outside_the_desk_area_is_not_named_nor_refused(
        self, desk, budget, supporter
    ):
        moved = ProviderFactory(municipality=municipality("GM0363"))
        question = SupportRequestFactory(desk=desk, provider=moved)
        allocation = allocate(question, budget, supporter)
        assert allocation.provider is None

    def test_rejected_decision_is_recorded_for_the_question_but_not_counted(
        self, question, budget, supporter
    ):
        allocate(question, budget, supporter, "5000", decision=Decision.REJECTED)
        assert allocated(budget) == Decimal("0.00")
        assert question.allocation_links.get().allocation.decision == Decision.REJECTED

    def test_budget_of_another_desk_is_refused_and_nothing_is_stored(self, question, supporter):
        other = BudgetFactory(desk=DeskFactory(municipalities=[municipality("GM0363")]))
        with pytest.raises(DomainError, match="budget van het loket dat deze hulpvraag"):
            allocate(question, other, supporter)
        assert nothing_stored(other)

    def test_more_than_the_balance_is_refused_and_nothing_is_stored(
        self, question, budget, supporter
    ):
        with pytest.raises(DomainError, match="nog maar € 1.000,00 over"):
            allocate(question, budget, supporter, "1000.01")
        assert nothing_stored(budget)

    @pytest.mark.parametrize("amount", ["-5", "0", "12.345", "twaalf", "NaN"])
    def test_bad_amounts_are_refused_and_nothing_is_stored(
        self, question, budget, supporter, amount
    ):
        with pytest.raises(DomainError):
            allocate(question, budget, supporter, amount)
        assert nothing_stored(budget)

    def test_rationale_is_required(self, question, budget, supporter):
        with pytest.raises(DomainError, match="onderbouwing"):
            allocate(question, budget, supporter, rationale="  ")
        assert nothing_stored(budget)

    def test_a_link_that_cannot_be_written_takes_the_allocation_with_it(
        self, question, budget, supporter, monkeypatch
    ):
        """One transaction: no allocation counted against the budget without its question."""

        def broken(**kwargs):
            raise IntegrityError("link refused")

        monkeypatch.setattr(SupportRequestAllocation.objects, "create", broken)
        with pytest.raises(IntegrityError):
            allocate(question, budget, supporter)
        assert nothing_stored(budget)

    def test_withdrawing_a_question_allocation_frees_the_budget(self, question, budget, supporter):
        allocation = allocate(question, budget, supporter, "600")
        subsidies_services.allocation_withdraw(
            allocation=allocation, reason="Niet meer nodig", by=supporter
        )
        assert allocated(budget) == Decimal("0.00")
        allocate(question, budget, supporter, "1000")
        assert allocated(budget) == Decimal("1000.00")
        assert question.allocation_links.count() == 2

    def test_database_refuses_an_allocation_without_a_recipient(self, budget, supporter):
        with pytest.raises(IntegrityError), transaction.atomic():
            Allocation.objects.create(
                budget=budget,
                provider=None,
                reference="",
                amount=Decimal("1"),
                decision=Decision.GRANTED,
                rationale="x",
                decided_by=supporter,
                decided_on=DECIDED_ON,
            )

    def test_subsidies_service_refuses_an_allocation_without_a_recipient(self, budget, supporter):
        with pytest.raises(DomainError, match="Kies wie het ontvangt"):
            subsidies_services.allocation_create(
                budget=budget,
                provider=None,
                reference="   ",
                amount="10",
                decision=Decision.GRANTED,
                rationale="x",
                decided_on=DECIDED_ON,
                by=supporter,
            )


# --- Pages -----------------------------------------------------------------------------------


def allocate_url(question) -> str:
    return reverse("meetings:request_allocate", args=[question.pk])


def form_data(chosen, **overrides) -> dict:
    return {
        "budget": chosen.pk,
        "amount": "250,50",
        "decision": Decision.GRANTED,
        "rationale": "Training voor vrijwilligers",
        "decided_on": "2026-02-02",
        **overrides,
    }


class TestPages:
    def test_question_page_shows_the_allocations_and_the_link(
        self, client, question, budget, supporter
    ):
        allocation = allocate(question, budget, supporter, "300")
        client.force_login(supporter)
        page = client.get(question.get_absolute_url()).content.decode()
        assert "Budget toekennen" in page
        assert allocate_url(question) in page
        assert "€ 300,00" in page
        assert "Uitvoeringsbudget 2026" in page
        withdraw = reverse("subsidies:allocation_withdraw", args=[allocation.pk])
        assert f"{withdraw}?next=/loket/hulpvragen/{question.pk}/" in page

    def test_form_offers_the_desk_budgets_with_their_balance_only(
        self, client, question, budget, supporter
    ):
        other = BudgetFactory(desk=DeskFactory(), name="Ander loket")
        client.force_login(supporter)
        page = client.get(allocate_url(question)).content.decode()
        assert "Uitvoeringsbudget 2026 (nog € 1.000,00 over)" in page
        assert "Ander loket" not in page
        response = client.post(allocate_url(question), form_data(other))
        assert response.status_code == 400
        assert "Selecteer een geldige keuze" in response.content.decode()
        assert nothing_stored(other)

    def test_allocating_through_the_form(self, client, question, budget, supporter):
        client.force_login(supporter)
        response = client.post(allocate_url(question), form_data(budget))
        assert response.status_code == 302
        assert response["Location"] == question.get_absolute_url()
        assert allocated(budget) == Decimal("250.50")
        allocation = question.allocation_links.get().allocation
        assert allocation.amount == Decimal("250.50")
        assert allocation.decided_by == supporter
        assert allocation.rationale == "Training voor vrijwilligers"
        assert "Het besluit is vastgelegd." in client.get(response["Location"]).content.decode()

    @pytest.mark.parametrize(
        ("overrides", "message"),
        [
            ({"amount": "-10"}, "meer dan € 0,00"),
            ({"amount": "10,123"}, "twee decimalen"),
            ({"amount": "tien euro"}, "Voer een bedrag"),
            ({"amount": "1000,01"}, "nog maar € 1.000,00 over"),
            ({"rationale": "   "}, "Dit veld is verplicht"),
            ({"decided_on": "2099-01-01"}, "toekomst"),
            ({"decided_on": "morgen"}, "geldige datum"),
            ({"budget": "abc"}, "Selecteer een geldige keuze"),
        ],
    )
    def test_bad_input_gets_a_clear_message_and_nothing_is_stored(
        self, client, question, budget, supporter, overrides, message
    ):
        client.force_login(supporter)
        response = client.post(allocate_url(question), form_data(budget, **overrides))
        assert response.status_code == 400
        html = response.content.decode()
        assert message in html
        if "amount" in overrides:
            assert f'value="{overrides["amount"]}"' in html  # what was typed is kept
        assert nothing_stored(budget)

    def test_refusal_shows_the_balance_as_it_is_now(self, client, question, budget, supporter):
        client.force_login(supporter)
        allocate(question, budget, supporter, "900")
        response = client.post(allocate_url(question), form_data(budget, amount="200"))
        assert response.status_code == 400
        html = response.content.decode()
        assert "nog maar € 100,00 over" in html
        assert "Uitvoeringsbudget 2026 (nog € 100,00 over)" in html

    def test_budget_page_and_transparency_name_the_question_not_the_requester(
        self, client, desk, budget, supporter, policy_staff
    ):
        pending = ProviderFactory(name="Jan Jansen Fitness", pending=True)
        question = SupportRequestFactory(
            desk=desk, provider=pending, requester_name="Jan Jansen", requester_email="jan@x.nl"
        )
        allocate(question, budget, supporter, "400", rationale="Sportmateriaal")
        client.force_login(supporter)
        budget_page = client.get(budget.get_absolute_url()).content.decode()
        assert f"Hulpvraag #{question.pk}" in budget_page
        client.force_login(policy_staff)
        url = reverse("subsidies:transparency", args=[desk.pk, 2026])
        for body in (
            client.get(url).content.decode(),
            client.get(url + "?format=csv").content.decode(),
        ):
            assert f"Hulpvraag #{question.pk}" in body
            assert "Jan Jansen" not in body
            assert "jan@x.nl" not in body
        csv = client.get(url + "?format=csv").content.decode()
        assert f";;;Hulpvraag #{question.pk};400,00;Toegekend;Sportmateriaal;" in csv

    def test_withdraw_from_the_question_page_returns_there(
        self, client, question, budget, supporter
    ):
        allocation = allocate(question, budget, supporter, "300")
        client.force_login(supporter)
        url = reverse("subsidies:allocation_withdraw", args=[allocation.pk])
        back = question.get_absolute_url()
        page = client.get(url, {"next": back}).content.decode()
        assert f'name="next" value="{back}"' in page
        response = client.post(url, {"reason": "Club vond ander geld", "next": back})
        assert response["Location"] == back
        page = client.get(back).content.decode()
        assert "Ingetrokken" in page
        assert "Club vond ander geld" in page
        assert allocated(budget) == Decimal("0.00")


# --- Roles -----------------------------------------------------------------------------------


class TestRoles:
    def test_anonymous_is_sent_to_login(self, client, question, budget):
        for method in (client.get, client.post):
            response = method(allocate_url(question))
            assert response.status_code == 302
            assert "/account/login/" in response["Location"]

    @pytest.mark.parametrize("role", ["policy_staff", "pos_staff"])
    def test_policy_and_pos_staff_are_refused(self, client, question, budget, request, role):
        user = StaffProfileFactory(**{role: True}).user
        client.force_login(user)
        assert client.get(allocate_url(question)).status_code == 403
        assert client.post(allocate_url(question), form_data(budget)).status_code == 403
        assert nothing_stored(budget)

    def test_policy_staff_see_the_question_without_the_money_card(
        self, client, question, budget, supporter
    ):
        allocate(question, budget, supporter)
        policy = StaffProfileFactory(policy_staff=True).user
        client.force_login(policy)
        page = client.get(question.get_absolute_url())
        assert page.status_code == 200
        assert allocate_url(question) not in page.content.decode()

    def test_another_desks_club_supporter_gets_404(self, client, question, budget):
        other = StaffProfileFactory(
            club_supporter=True, desk=DeskFactory(municipalities=[municipality("GM0363")])
        ).user
        client.force_login(other)
        assert client.get(allocate_url(question)).status_code == 404
        assert client.post(allocate_url(question), form_data(budget)).status_code == 404
        assert nothing_stored(budget)

    def test_a_partner_that_accepted_the_question_reads_it_but_cannot_allocate(
        self, client, question, budget, supporter, partner, partner_org
    ):
        handover = services.handover_create(
            request=question, organisation=partner_org, note="Graag oppakken", by=supporter
        )
        services.handover_accept(handover=handover, by=partner)
        client.force_login(partner)
        page = client.get(question.get_absolute_url())
        assert page.status_code == 200
        assert "Budget toekennen" not in page.content.decode()
        assert client.get(allocate_url(question)).status_code == 404
        assert client.post(allocate_url(question), form_data(budget)).status_code == 404
        assert nothing_stored(budget)

    def test_administrator_may_allocate(self, client, question, budget, administrator):
        client.force_login(administrator)
        assert client.get(allocate_url(question)).status_code == 200
        assert client.post(allocate_url(question), form_data(budget)).status_code == 302
        assert allocated(budget) == Decimal("250.50")


# --- Query counts ----------------------------------------------------------------------------


def test_question_pages_run_a_constant_number_of_queries(
    client, question, budget, supporter, django_assert_num_queries
):
    client.force_login(supporter)
    urls = [question.get_absolute_url(), allocate_url(question)]

    def fill(n):
        for i in range(n):
            allocation = allocate(question, budget, supporter, "1")
            if i % 2:
                subsidies_services.allocation_withdraw(
                    allocation=allocation, reason="r", by=supporter
                )
            allocate(question, BudgetFactory(desk=question.desk), supporter, "1")

    fill(1)
    counts = {}
    for url in urls:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        counts[url] = len(ctx.captured_queries)
    fill(10)
    for url in urls:
        with django_assert_num_queries(counts[url]):
            assert client.get(url).status_code == 200
