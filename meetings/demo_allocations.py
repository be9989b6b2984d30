"""Demo money for a support question: the demo desk grants the question about new materials
an amount from its execution budget, so the question page's Budget card, the budget's overview
and the transparency list show a linked allocation.

Runs after ``subsidies.demo`` (the budgets). Idempotent: a question that already has its
allocation is left alone.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from subsidies.constants import BudgetKind, Decision

from .models import SupportRequest, SupportRequestAllocation
from .support import services

SUBJECT = "Subsidie voor nieuwe materialen"
AMOUNT = Decimal("750.00")


def load(out, context: dict) -> dict:
    desk = context["desk"]
    question = SupportRequest.objects.filter(desk=desk, subject=SUBJECT).first()
    budget = next((b for b in context.get("budgets", []) if b.kind == BudgetKind.EXECUTION), None)
    if question is None or budget is None:
        out.write("No demo question or execution budget; skipping the demo allocation.")
        return {}
    if SupportRequestAllocation.objects.filter(support_request=question).exists():
        return {}
    services.support_request_allocate(
        request=question,
        budget=budget,
        amount=AMOUNT,
        decision=Decision.GRANTED,
        rationale="Nieuwe ballen en pionnen voor de jeugdtraining; offerte ontvangen.",
        decided_on=timezone.localdate(),
        by=context["users"]["clubondersteuner"],
    )
    out.write(f"Demo allocation of € {AMOUNT} to question #{question.pk}.")
    return {}
