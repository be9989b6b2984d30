"""Budgets and allocations: the balance, the rationale, bad amounts, and over-allocation."""

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
from tests.concurrency import run_at_once
from tests.factories import ProviderFactory, StaffProfileFactory, municipality

from .factories import BudgetFactory

TODAY = dt.date(2026, 3, 1)


def allocate(budget, provider, amount, by, decision=Decision.GRANTED, rationale="Past goed"):
    return services.allocation_create(
        budget=budget,
        provider=provider,
        amount=amount,
        decision=decision,
        rationale=rationale,
        decided_on=TODAY,
        by=by,
    )


@pytest.fixture
def budget(club_supporter):
    return BudgetFactory(desk=club_supporter.staff_profile.desk, total=Decimal("1000.00"))


@pytest.mark.django_db
class TestAllocationService:
    def test_granted_allocation_takes_from_the_balance_and_is_audited(self, budget, club_supporter):
        allocation = allocate(budget, ProviderFactory(), "250.50", club_supporter)
        budget.refresh_from_db()
        assert budget.allocated == Decimal("250.50")
        assert budget.remaining == Decimal("749.50")
        assert allocation.decided_by == club_supporter
        assert AuditEvent.objects.filter(action="allocation_granted").count() == 1

    def test_rejected_decision_is_recorded_but_not_counted(self, budget, club_supporter):
        allocate(budget, ProviderFactory(), "5000", club_supporter, decision=Decision.REJECTED)
        budget.refresh_from_db()
        assert budget.allocated == Decimal("0")
        assert Allocation.objects.get().decision == Decision.REJECTED

    def test_exactly_the_remaining_balance_can_be_allocated(self, budget, club_supporter):
        allocate(budget, ProviderFactory(), "999.99", club_supporter)
        allocate(budget, ProviderFactory(), "0.01", club_supporter)
        budget.refresh_from_db()
        assert budget.remaining == Decimal("0")

    def test_more_than_the_balance_is_refused_with_the_balance(self, budget, club_supporter):
        allocate(budget, ProviderFactory(), "900", club_supporter)
        with pytest.raises(DomainError, match="€ 100,00"):
            allocate(budget, ProviderFactory(), "100.01", club_supporter)
        assert Allocation.objects.count() == 1

    @pytest.mark.parametrize("amount", ["-5", "0", "12.345", "twaalf", "NaN", "Infinity"])
    def test_bad_amounts_are_refused(self, budget, club_supporter, amount):
        with pytest.raises(DomainError):
            allocate(budget, ProviderFactory(), amount, club_supporter)
        assert not Allocation.objects.exists()

    def test_rationale_is_required(self, budget, club_supporter):
        with pytest.raises(DomainError, match="onderbouwing"):
            allocate(budget, ProviderFactory(), "10", club_supporter, rationale="   ")

    def test_provider_outside_the_desk_area_is_refused(self, budget, club_supporter):
        elsewhere = ProviderFactory(municipality=municipality("GM0363"))
        with pytest.raises(DomainError, match="werkgebied"):
            allocate(budget, elsewhere, "10", club_supporter)

    def test_future_decision_date_is_refused(self, budget, club_supporter):
        with pytest.raises(DomainError, match="toekomst"):
            services.allocation_create(
                budget=budget,
                provider=ProviderFactory(),
                amount="10",
                decision=Decision.GRANTED,
                rationale="x",
                decided_on=timezone.localdate() + dt.timedelta(days=1),
                by=club_supporter,
            )

    def test_database_refuses_over_allocation_without_the_service(self, budget):
        with pytest.raises(IntegrityError), transaction.atomic():
            Budget.objects.filter(pk=budget.pk).update(allocated=Decimal("1000.01"))

    def test_database_refuses_allocation_without_rationale(self, budget, club_supporter):
        with pytest.raises(IntegrityError), transaction.atomic():
            Allocation.objects.create(
                budget=budget,
                provider=ProviderFactory(),
                amount=Decimal("1"),
                decision=Decision.GRANTED,
                rationale="",
                decided_by=club_supporter,
                decided_on=TODAY,
            )

    def test_budget_create_refuses_duplicate_name(self, club_supporter):
        desk = club_supporter.staff_profile.desk
        args = {"desk": desk, "year": 2026, "kind": BudgetKind.SERVICES, "name": "Services"}
        services.budget_create(**args, total=Decimal("10"), by=club_supporter)
        with pytest.raises(DomainError):
            services.budget_create(**args, total=Decimal("10"), by=club_supporter)


@pytest.mark.django_db
class TestAllocationForm:
    def post(self, client, budget, **data):
        form = {
            "provider": ProviderFactory().pk,
            "amount": "100",
            "decision": Decision.GRANTED,
            "rationale": "Nieuwe trainers opleiden",
            "decided_on": "2026-03-01",
            **data,
        }
        return client.post(reverse("subsidies:budget_detail", args=[budget.pk]), form)

    def test_allocation_with_dutch_notation(self, client, club_supporter, budget):
        client.force_login(club_supporter)
        response = self.post(client, budget, amount="€ 1,50")
        assert response.status_code == 302
        budget.refresh_from_db()
        assert budget.allocated == Decimal("1.50")

    @pytest.mark.parametrize(
        ("amount", "message"),
        [
            ("-10", "meer dan € 0,00"),
            ("10,123", "twee decimalen"),
            ("tien euro", "Voer een bedrag"),
            ("1000,01", "€ 1.000,00"),
        ],
    )
    def test_bad_amount_gets_a_clear_message_and_nothing_is_saved(
        self, client, club_supporter, budget, amount, message
    ):
        client.force_login(club_supporter)
        response = self.post(client, budget, amount=amount)
        assert response.status_code == 400
        assert message in response.content.decode()
        assert f'value="{amount}"' in response.content.decode()  # what was typed is kept
        assert not Allocation.objects.exists()

    def test_missing_rationale_gets_a_message(self, client, club_supporter, budget):
        client.force_login(club_supporter)
        response = self.post(client, budget, rationale="  ")
        assert response.status_code == 400
        assert not Allocation.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_allocations_never_over_allocate():
    """Ten staff members allocate € 30 from € 100 at the same moment: three succeed."""
    supporter = StaffProfileFactory(club_supporter=True).user
    budget = BudgetFactory(desk=supporter.staff_profile.desk, total=Decimal("100.00"))
    providers = [ProviderFactory() for _ in range(10)]
    results = run_at_once(*[lambda p=p: allocate(budget, p, "30.00", supporter) for p in providers])
    budget.refresh_from_db()
    assert sorted(outcome for outcome, _ in results) == ["ok"] * 3 + ["refused"] * 7
    assert budget.allocated == Decimal("90.00")
    assert Allocation.objects.filter(budget=budget).count() == 3
    # Refused by the balance check under the row lock (each saw the others' allocations),
    # not merely by the CHECK constraint behind it.
    assert all("€ 10,00" in detail for outcome, detail in results if outcome == "refused")


def assert_consistent(budget: Budget) -> None:
    """``allocated`` is exactly the sum of the granted allocations that were not withdrawn."""
    from django.db.models import Sum

    budget.refresh_from_db()
    counted = Allocation.objects.filter(
        budget=budget, decision=Decision.GRANTED, withdrawn_at__isnull=True
    ).aggregate(total=Sum("amount"))["total"] or Decimal("0")
    assert budget.allocated == counted
    assert budget.allocated <= budget.total


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_withdrawal_and_allocations_at_the_same_moment_stay_consistent():
    """€ 60 of € 100 is withdrawn while four staff members allocate € 50 each: the ones
    serialised before the withdrawal see € 40 left and are refused, the ones after it see
    € 100; never more than two succeed and the counter always matches the rows."""
    supporter = StaffProfileFactory(club_supporter=True).user
    budget = BudgetFactory(desk=supporter.staff_profile.desk, total=Decimal("100.00"))
    existing = allocate(budget, ProviderFactory(), "60.00", supporter)
    providers = [ProviderFactory() for _ in range(4)]

    def withdraw():
        services.allocation_withdraw(allocation=existing, reason="Vervalt", by=supporter)

    jobs = [withdraw, *[lambda p=p: allocate(budget, p, "50.00", supporter) for p in providers]]
    results = run_at_once(*jobs)

    assert results[0][0] == "ok"
    granted = [r for r in results[1:] if r[0] == "ok"]
    refused = [message for outcome, message in results[1:] if outcome == "refused"]
    assert len(granted) <= 2
    assert all("meer dan het saldo" in message for message in refused)
    assert_consistent(budget)
    assert budget.allocated == Decimal("50.00") * len(granted)
    existing.refresh_from_db()
    assert existing.is_withdrawn


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_allocation_withdrawn_twice_at_once_counts_once():
    supporter = StaffProfileFactory(club_supporter=True).user
    budget = BudgetFactory(desk=supporter.staff_profile.desk, total=Decimal("100.00"))
    allocation = allocate(budget, ProviderFactory(), "70.00", supporter)
    allocate(budget, ProviderFactory(), "20.00", supporter)

    def withdraw():
        services.allocation_withdraw(allocation=allocation, reason="Dubbel", by=supporter)

    results = run_at_once(*[withdraw] * 4)

    assert sorted(outcome for outcome, _ in results) == ["ok"] + ["refused"] * 3
    assert all("al ingetrokken op" in detail for outcome, detail in results if outcome == "refused")
    assert_consistent(budget)
    assert budget.allocated == Decimal("20.00")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_lowering_the_total_while_others_allocate_never_over_allocates():
    """The total goes from € 100 to € 50 while five staff members allocate € 30 each."""
    supporter = StaffProfileFactory(club_supporter=True).user
    budget = BudgetFactory(desk=supporter.staff_profile.desk, total=Decimal("100.00"))
    providers = [ProviderFactory() for _ in range(5)]

    def lower():
        services.budget_update(
            budget=Budget.objects.get(pk=budget.pk),
            name=budget.name,
            kind=budget.kind,
            total=Decimal("50.00"),
            by=supporter,
        )

    jobs = [lower, *[lambda p=p: allocate(budget, p, "30.00", supporter) for p in providers]]
    results = run_at_once(*jobs)

    assert_consistent(budget)
    granted = sum(1 for outcome, _ in results[1:] if outcome == "ok")
    if results[0][0] == "ok":
        assert budget.total == Decimal("50.00")
        assert granted <= 1  # at most one € 30 fits under € 50
    else:
        assert "al is toegekend" in results[0][1]
        assert budget.total == Decimal("100.00")
        assert granted >= 2  # refused only because more than € 50 was allocated first
    assert granted <= 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_allocations_for_support_questions_never_over_allocate():
    """Ten staff members allocate € 30 from € 100 for ten questions at once: three succeed,
    each with its link to the question; the refused ones leave neither row behind."""
    from meetings.models import SupportRequestAllocation
    from meetings.support.services import support_request_allocate
    from tests.meetings.factories import SupportRequestFactory

    supporter = StaffProfileFactory(club_supporter=True).user
    desk = supporter.staff_profile.desk
    budget = BudgetFactory(desk=desk, total=Decimal("100.00"))
    questions = [SupportRequestFactory(desk=desk) for _ in range(10)]

    def job(question):
        return lambda: support_request_allocate(
            request=question,
            budget=budget,
            amount="30.00",
            decision=Decision.GRANTED,
            rationale="Cursus",
            decided_on=TODAY,
            by=supporter,
        )

    results = run_at_once(*[job(q) for q in questions])

    assert sorted(outcome for outcome, _ in results) == ["ok"] * 3 + ["refused"] * 7
    assert all("€ 10,00" in detail for outcome, detail in results if outcome == "refused")
    assert_consistent(budget)
    assert budget.allocated == Decimal("90.00")
    assert SupportRequestAllocation.objects.filter(allocation__budget=budget).count() == 3
    assert Allocation.objects.filter(budget=budget).count() == 3


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("1.250,50", "1250.50"),
        ("1.250", "1250.00"),
        ("12.500.000", "12500000.00"),
        ("1250.50", "1250.50"),
        ("€ 12", "12.00"),
        ("0,5", "0.50"),
    ],
)
def test_amounts_are_read_the_dutch_way_everywhere(typed, amount):
    """One parser for every money field: a dot before exactly three digits groups thousands."""
    from decimal import Decimal

    from sportloket.money import parse_euro

    assert parse_euro(typed) == Decimal(amount)


@pytest.mark.parametrize("typed", ["", "veel", "-5", "0", "1,255", "1.2.3", "9" * 25, "NaN"])
def test_what_is_not_an_amount_is_refused_with_a_dutch_message(typed):
    from django.utils import translation

    from sportloket.money import parse_euro
    from sportloket.services import DomainError

    with translation.override("nl"), pytest.raises(DomainError) as refused:
        parse_euro(typed)
    assert refused.value.message.split()[0] in {"Voer", "Het", "Een", "Dit"}
