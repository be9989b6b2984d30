"""Withdrawing an allocation and editing a budget: balance, refusals, audit trail, pages, roles."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from sportloket.models import AuditEvent
from sportloket.services import DomainError
from subsidies import services
from subsidies.constants import BudgetKind, Decision
from subsidies.models import Allocation, Budget
from tests.factories import DeskFactory, ProviderFactory, StaffProfileFactory, municipality

from .factories import BudgetFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 1)


def allocate(budget, by, amount="100", decision=Decision.GRANTED, provider=None):
    return services.allocation_create(
        budget=budget,
        provider=provider or ProviderFactory(),
        amount=amount,
        decision=decision,
        rationale="Opleiding trainers",
        decided_on=TODAY,
        by=by,
    )


@pytest.fixture
def budget(club_supporter):
    return BudgetFactory(
        desk=club_supporter.staff_profile.desk, total=Decimal("1000.00"), name="Uitvoering"
    )


def allocated(budget) -> Decimal:
    budget.refresh_from_db()
    return budget.allocated


# --- Withdrawing: the service ----------------------------------------------------------------


class TestWithdrawService:
    def test_withdrawn_allocation_returns_to_the_balance_and_stays_visible(
        self, budget, club_supporter
    ):
        kept = allocate(budget, club_supporter, "300")
        gone = allocate(budget, club_supporter, "250.50")
        assert allocated(budget) == Decimal("550.50")

        services.allocation_withdraw(
            allocation=gone, reason="  Activiteit gaat niet door ", by=club_supporter
        )

        assert allocated(budget) == Decimal("300.00")
        gone.refresh_from_db()
        assert gone.is_withdrawn
        assert gone.withdrawn_by == club_supporter
        assert gone.withdrawal_reason == "Activiteit gaat niet door"
        assert gone.decision == Decision.GRANTED  # the decision itself is history
        assert gone.status_label == "Ingetrokken"
        assert not gone.can_withdraw
        assert Allocation.objects.count() == 2
        kept.refresh_from_db()
        assert not kept.is_withdrawn
        event = AuditEvent.objects.get(action="allocation_withdrawn")
        assert event.object_id == str(gone.pk)
        assert event.changes == {"withdrawal_reason": ["", "Activiteit gaat niet door"]}

    def test_the_returned_money_can_be_allocated_again(self, budget, club_supporter):
        everything = allocate(budget, club_supporter, "1000")
        with pytest.raises(DomainError, match="€ 0,00"):
            allocate(budget, club_supporter, "1")
        services.allocation_withdraw(
            allocation=everything, reason="Teruggetrokken", by=club_supporter
        )
        allocate(budget, club_supporter, "1000")
        assert allocated(budget) == Decimal("1000.00")

    @pytest.mark.parametrize("reason", ["", "   ", None])
    def test_a_reason_is_required(self, budget, club_supporter, reason):
        allocation = allocate(budget, club_supporter)
        with pytest.raises(DomainError, match="Schrijf op waarom de toekenning"):
            services.allocation_withdraw(allocation=allocation, reason=reason, by=club_supporter)
        allocation.refresh_from_db()
        assert not allocation.is_withdrawn
        assert allocated(budget) == Decimal("100.00")

    def test_withdrawing_twice_is_refused_and_counts_once(self, budget, club_supporter):
        allocation = allocate(budget, club_supporter, "400")
        services.allocation_withdraw(allocation=allocation, reason="Eerste keer", by=club_supporter)
        # A stale copy, as a second browser tab would have it.
        stale = Allocation.objects.get(pk=allocation.pk)
        stale.withdrawn_at = None
        with pytest.raises(DomainError, match="al ingetrokken op"):
            services.allocation_withdraw(allocation=stale, reason="Tweede keer", by=club_supporter)
        assert allocated(budget) == Decimal("0.00")
        allocation.refresh_from_db()
        assert allocation.withdrawal_reason == "Eerste keer"
        assert AuditEvent.objects.filter(action="allocation_withdrawn").count() == 1

    def test_a_rejected_decision_cannot_be_withdrawn(self, budget, club_supporter):
        rejected = allocate(budget, club_supporter, "50", decision=Decision.REJECTED)
        with pytest.raises(DomainError, match="Alleen een toegekend bedrag"):
            services.allocation_withdraw(
                allocation=rejected, reason="Waarom niet", by=club_supporter
            )
        rejected.refresh_from_db()
        assert not rejected.is_withdrawn
        assert allocated(budget) == Decimal("0.00")

    def test_database_refuses_a_withdrawal_without_reason_or_of_a_rejection(
        self, budget, club_supporter
    ):
        granted = allocate(budget, club_supporter)
        rejected = allocate(budget, club_supporter, decision=Decision.REJECTED)
        now = timezone.now()
        for allocation, values in [
            (granted, {"withdrawn_at": now, "withdrawn_by": club_supporter}),
            (granted, {"withdrawal_reason": "x"}),
            (
                rejected,
                {"withdrawn_at": now, "withdrawn_by": club_supporter, "withdrawal_reason": "x"},
            ),
        ]:
            with pytest.raises(IntegrityError), transaction.atomic():
                Allocation.objects.filter(pk=allocation.pk).update(**values)


# --- Editing a budget: the service -----------------------------------------------------------


class TestBudgetUpdateService:
    def update(self, budget, by, **data):
        values = {"name": budget.name, "kind": budget.kind, "total": budget.total, **data}
        return services.budget_update(budget=budget, by=by, **values)

    def test_name_kind_and_total_change_with_audit_trail(self, budget, club_supporter):
        allocate(budget, club_supporter, "400")
        self.update(
            budget, club_supporter, name="Servicesgeld", kind=BudgetKind.SERVICES, total="2500"
        )
        budget.refresh_from_db()
        assert (budget.name, budget.kind, budget.total) == (
            "Servicesgeld",
            BudgetKind.SERVICES,
            Decimal("2500.00"),
        )
        assert budget.allocated == Decimal("400.00")
        assert budget.remaining == Decimal("2100.00")
        event = AuditEvent.objects.get(action="budget_updated")
        assert event.changes == {
            "name": ["Uitvoering", "Servicesgeld"],
            "kind": ["execution", "services"],
            "total": ["1000.00", "2500.00"],
        }

    def test_saving_without_a_change_writes_no_audit_event(self, budget, club_supporter):
        self.update(budget, club_supporter)
        assert not AuditEvent.objects.filter(action="budget_updated").exists()

    def test_total_may_go_down_to_exactly_what_is_allocated(self, budget, club_supporter):
        allocate(budget, club_supporter, "400")
        self.update(budget, club_supporter, total="400")
        budget.refresh_from_db()
        assert budget.total == Decimal("400.00")
        assert budget.remaining == Decimal("0.00")

    def test_total_below_what_is_allocated_is_refused_and_nothing_is_saved(
        self, budget, club_supporter
    ):
        allocate(budget, club_supporter, "400")
        with pytest.raises(DomainError, match=r"al is toegekend \(€ 400,00\)"):
            self.update(budget, club_supporter, name="Nieuwe naam", total="399.99")
        budget.refresh_from_db()
        assert (budget.name, budget.total) == ("Uitvoering", Decimal("1000.00"))
        assert not AuditEvent.objects.filter(action="budget_updated").exists()

    def test_after_a_withdrawal_the_total_may_go_lower(self, budget, club_supporter):
        allocation = allocate(budget, club_supporter, "400")
        services.allocation_withdraw(allocation=allocation, reason="Vervalt", by=club_supporter)
        self.update(budget, club_supporter, total="100")
        budget.refresh_from_db()
        assert budget.total == Decimal("100.00")

    def test_name_of_another_budget_of_the_desk_and_year_is_refused(self, budget, club_supporter):
        BudgetFactory(desk=budget.desk, year=budget.year, name="Servicesbudget")
        BudgetFactory(desk=budget.desk, year=budget.year + 1, name="Volgend jaar")
        with pytest.raises(DomainError, match="al een budget met deze naam"):
            self.update(budget, club_supporter, name="Servicesbudget")
        self.update(budget, club_supporter, name="Volgend jaar")  # another year: fine

    @pytest.mark.parametrize("total", ["-5", "0", "12.345", "twaalf", "NaN"])
    def test_bad_totals_are_refused(self, budget, club_supporter, total):
        with pytest.raises(DomainError):
            self.update(budget, club_supporter, total=total)
        budget.refresh_from_db()
        assert budget.total == Decimal("1000.00")

    def test_a_blank_name_is_refused(self, budget, club_supporter):
        with pytest.raises(DomainError, match="naam"):
            self.update(budget, club_supporter, name="  ")


# --- Pages -----------------------------------------------------------------------------------


def withdraw_url(allocation) -> str:
    return reverse("subsidies:allocation_withdraw", args=[allocation.pk])


def edit_url(budget) -> str:
    return reverse("subsidies:budget_update", args=[budget.pk])


class TestWithdrawPage:
    def test_budget_page_links_to_withdraw_only_what_can_be_withdrawn(
        self, client, budget, club_supporter
    ):
        granted = allocate(budget, club_supporter)
        rejected = allocate(budget, club_supporter, decision=Decision.REJECTED)
        client.force_login(club_supporter)
        page = client.get(budget.get_absolute_url()).content.decode()
        assert withdraw_url(granted) in page
        assert withdraw_url(rejected) not in page
        assert edit_url(budget) in page

    def test_withdraw_with_a_reason_returns_to_the_budget(self, client, budget, club_supporter):
        allocation = allocate(budget, club_supporter, "300")
        client.force_login(club_supporter)
        page = client.get(withdraw_url(allocation))
        assert page.status_code == 200
        assert "€ 300,00" in page.content.decode()
        response = client.post(withdraw_url(allocation), {"reason": "Club is opgeheven"})
        assert response.status_code == 302
        assert response["Location"] == budget.get_absolute_url()
        assert allocated(budget) == Decimal("0.00")
        page = client.get(budget.get_absolute_url()).content.decode()
        assert "De toekenning is ingetrokken." in page
        assert "Club is opgeheven" in page
        assert withdraw_url(allocation) not in page

    def test_next_leads_back_to_a_page_of_this_site_only(self, client, budget, club_supporter):
        first, second = allocate(budget, club_supporter), allocate(budget, club_supporter)
        client.force_login(club_supporter)
        back = reverse("meetings:board")
        response = client.post(withdraw_url(first), {"reason": "x", "next": back})
        assert response["Location"] == back
        response = client.post(
            withdraw_url(second), {"reason": "x", "next": "https://evil.example/"}
        )
        assert response["Location"] == budget.get_absolute_url()

    @pytest.mark.parametrize("reason", ["", "    "])
    def test_missing_reason_gets_a_message_and_nothing_changes(
        self, client, budget, club_supporter, reason
    ):
        allocation = allocate(budget, club_supporter)
        client.force_login(club_supporter)
        response = client.post(withdraw_url(allocation), {"reason": reason})
        assert response.status_code == 400
        assert "Dit veld is verplicht" in response.content.decode()
        allocation.refresh_from_db()
        assert not allocation.is_withdrawn
        assert allocated(budget) == Decimal("100.00")

    def test_withdrawing_twice_or_a_rejection_gets_a_message(self, client, budget, club_supporter):
        allocation = allocate(budget, club_supporter)
        rejected = allocate(budget, club_supporter, decision=Decision.REJECTED)
        client.force_login(club_supporter)
        assert client.post(withdraw_url(allocation), {"reason": "Eerste"}).status_code == 302
        again = client.post(withdraw_url(allocation), {"reason": "Tweede"})
        assert again.status_code == 400
        assert "al ingetrokken op" in again.content.decode()
        refused = client.post(withdraw_url(rejected), {"reason": "Waarom"})
        assert refused.status_code == 400
        assert "Alleen een toegekend bedrag" in refused.content.decode()
        assert allocated(budget) == Decimal("0.00")

    def test_transparency_overview_and_csv_show_who_withdrew_when_and_why(
        self, client, budget, club_supporter, policy_staff
    ):
        club_supporter.first_name, club_supporter.last_name = "Sanne", "de Vries"
        club_supporter.save()
        provider = ProviderFactory(name="FitLab")
        allocation = allocate(budget, club_supporter, "950.50", provider=provider)
        services.allocation_withdraw(
            allocation=allocation, reason="Dubbel aangevraagd", by=club_supporter
        )
        client.force_login(policy_staff)
        url = reverse("subsidies:transparency", args=[budget.desk_id, 2026])
        page = client.get(url).content.decode()
        assert "Ingetrokken" in page
        assert "Dubbel aangevraagd" in page
        assert "Sanne de Vries" in page
        assert "<del>€ 950,50</del>" in page
        body = client.get(url + "?format=csv").content.decode()
        today = timezone.localdate().isoformat()
        assert (
            f"FitLab;Utrecht;;950,50;Toegekend;Opleiding trainers;Sanne de Vries;{today};"
            "Sanne de Vries;Dubbel aangevraagd" in body
        )


class TestBudgetEditPage:
    def test_form_shows_the_total_the_dutch_way_and_saves(self, client, budget, club_supporter):
        client.force_login(club_supporter)
        page = client.get(edit_url(budget)).content.decode()
        assert 'value="1.000,00"' in page
        data = {"name": "Uitvoering 2026", "kind": "services", "total": "1.500,25"}
        response = client.post(edit_url(budget), data)
        assert response.status_code == 302
        budget.refresh_from_db()
        assert budget.total == Decimal("1500.25")
        assert budget.name == "Uitvoering 2026"
        assert "Het budget is opgeslagen." in client.get(response["Location"]).content.decode()

    @pytest.mark.parametrize(
        ("total", "message"),
        [
            ("-10", "meer dan € 0,00"),
            ("10,123", "twee decimalen"),
            ("tien euro", "Voer een bedrag"),
            ("0", "meer dan € 0,00"),
            ("399,99", "al is toegekend (€ 400,00)"),
        ],
    )
    def test_bad_total_gets_a_clear_message_and_nothing_is_saved(
        self, client, budget, club_supporter, total, message
    ):
        allocate(budget, club_supporter, "400")
        client.force_login(club_supporter)
        data = {"name": "Andere naam", "kind": "execution", "total": total}
        response = client.post(edit_url(budget), data)
        assert response.status_code == 400
        html = response.content.decode()
        assert message in html
        assert f'value="{total}"' in html  # what was typed is kept
        budget.refresh_from_db()
        assert (budget.name, budget.total) == ("Uitvoering", Decimal("1000.00"))

    def test_desk_and_year_cannot_be_changed(self, client, budget, club_supporter):
        other = DeskFactory()
        client.force_login(club_supporter)
        data = {"name": "X", "kind": "execution", "total": "900", "desk": other.pk, "year": 2030}
        assert client.post(edit_url(budget), data).status_code == 302
        budget.refresh_from_db()
        assert (budget.desk_id, budget.year) == (club_supporter.staff_profile.desk_id, 2026)


class TestRoles:
    def test_anonymous_is_sent_to_login(self, client, budget, club_supporter):
        allocation = allocate(budget, club_supporter)
        for url in (withdraw_url(allocation), edit_url(budget)):
            response = client.get(url)
            assert response.status_code == 302
            assert "/account/login/" in response["Location"]
            response = client.post(url, {"reason": "x", "total": "1"})
            assert "/account/login/" in response["Location"]
        assert allocated(budget) == Decimal("100.00")

    def test_policy_staff_may_not_edit_or_withdraw(
        self, client, budget, club_supporter, policy_staff
    ):
        allocation = allocate(budget, club_supporter)
        client.force_login(policy_staff)
        for url in (withdraw_url(allocation), edit_url(budget)):
            assert client.get(url).status_code == 403
        assert client.post(withdraw_url(allocation), {"reason": "x"}).status_code == 403
        assert allocated(budget) == Decimal("100.00")

    def test_staff_of_another_desk_get_404_and_change_nothing(self, client, budget, club_supporter):
        allocation = allocate(budget, club_supporter)
        other = StaffProfileFactory(
            club_supporter=True, desk=DeskFactory(municipalities=[municipality("GM0363")])
        ).user
        client.force_login(other)
        assert client.get(withdraw_url(allocation)).status_code == 404
        assert client.post(withdraw_url(allocation), {"reason": "x"}).status_code == 404
        assert client.get(edit_url(budget)).status_code == 404
        data = {"name": "Weg", "kind": "execution", "total": "1"}
        assert client.post(edit_url(budget), data).status_code == 404
        assert allocated(budget) == Decimal("100.00")
        budget.refresh_from_db()
        assert budget.name == "Uitvoering"

    def test_pos_staff_edit_and_withdraw_for_any_desk(self, client, pos_staff):
        desk = DeskFactory(municipalities=[municipality("GM0363")])
        budget = BudgetFactory(desk=desk, total=Decimal("500"))
        supporter = StaffProfileFactory(club_supporter=True, desk=desk).user
        allocation = allocate(
            budget, supporter, provider=ProviderFactory(municipality=municipality("GM0363"))
        )
        client.force_login(pos_staff)
        assert (
            client.post(withdraw_url(allocation), {"reason": "Landelijk besluit"}).status_code
            == 302
        )
        data = {"name": "Nieuw", "kind": "other", "total": "50"}
        assert client.post(edit_url(budget), data).status_code == 302
        budget.refresh_from_db()
        assert (budget.allocated, budget.total, budget.kind) == (
            Decimal("0.00"),
            Decimal("50.00"),
            BudgetKind.OTHER,
        )


def test_budget_admin_cannot_change_the_total_of_an_existing_budget(rf, administrator, budget):
    from django.contrib.admin.sites import site

    model_admin = site._registry[Budget]
    request = rf.get("/")
    request.user = administrator
    assert "total" in model_admin.get_readonly_fields(request, budget)
    assert "total" not in model_admin.get_readonly_fields(request, None)
