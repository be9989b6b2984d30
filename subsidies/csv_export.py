"""CSV export of the transparency overview (defusedcsv: no formula injection in Excel)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO

from defusedcsv import csv
from django.utils.translation import gettext as _

from .models import Allocation


def transparency_csv(out: IO[str], allocations: Iterable[Allocation]) -> None:
    writer = csv.writer(out, delimiter=";")
    writer.writerow(
        [
            _("Decided on"),
            _("Budget"),
            _("Sport provider"),
            _("Municipality"),
            _("Amount (€)"),
            _("Decision"),
            _("Rationale"),
            _("Decided by"),
        ]
    )
    for a in allocations:
        writer.writerow(
            [
                a.decided_on.isoformat(),
                a.budget.name,
                a.provider.name,
                a.provider.municipality.name,
                f"{a.amount:.2f}".replace(".", ","),
                a.get_decision_display(),
                a.rationale,
                a.decided_by.get_full_name() or a.decided_by.get_username(),
            ]
        )
