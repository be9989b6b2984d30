"""Demo data of subsidies: the start set of schemes and budgets for the demo desk.

Idempotent: running it again changes nothing.
"""

from __future__ import annotations

import importlib
from decimal import Decimal

from django.apps import apps
from django.utils import timezone

from .constants import BudgetKind
from .models import Budget

DEMO_BUDGETS = [
    ("Uitvoeringsbudget ondersteuning", BudgetKind.EXECUTION, Decimal("25000.00")),
    ("Servicesbudget", BudgetKind.SERVICES, Decimal("8000.00")),
    ("Rabo ClubSupport (lokaal)", BudgetKind.OTHER, Decimal("5000.00")),
]


def load(out, context: dict) -> dict:
    # The start set is a data migration; a flushed database (tests) gets it back here.
    importlib.import_module("subsidies.migrations.0002_start_schemes").load(apps, None)
    desk = context["desk"]
    year = timezone.localdate().year
    budgets = [
        Budget.objects.get_or_create(
            desk=desk, year=year, name=name, defaults={"kind": kind, "total": total}
        )[0]
        for name, kind, total in DEMO_BUDGETS
    ]
    out.write(f"{len(budgets)} demo budgets for {desk} in {year}.")
    return {"budgets": budgets}
