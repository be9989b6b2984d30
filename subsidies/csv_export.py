"""CSV export of the transparency overview (defusedcsv: no formula injection in Excel)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO

from defusedcsv import csv
from django.utils import timezone
from django.utils.translation import gettext as _

from sportloket.formatting import Euro, csv_cell

from .models import Allocation


def _name(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def transparency_csv(out: IO[str], allocations: Iterable[Allocation]) -> None:
    """One row per decision. A decision for a support question carries its reference; a
    withdrawn allocation keeps its row, with when, by whom and why it was withdrawn."""
    writer = csv.writer(out, delimiter=";")
    writer.writerow(
        [
            _("Decided on"),
            _("Budget"),
            _("Sport provider"),
            _("Municipality"),
            _("Reference"),
            _("Amount (€)"),
            _("Decision"),
            _("Rationale"),
            _("Decided by"),
            _("Withdrawn on"),
            _("Withdrawn by"),
            _("Reason for withdrawal"),
        ]
    )
    for a in allocations:
        row = [
            a.decided_on.isoformat(),
            a.budget.name,
            a.provider.name if a.provider else "",
            a.provider.municipality.name if a.provider else "",
            a.reference,
            Euro(a.amount),
            a.get_decision_display(),
            a.rationale,
            _name(a.decided_by),
            timezone.localdate(a.withdrawn_at).isoformat() if a.withdrawn_at else "",
            _name(a.withdrawn_by),
            a.withdrawal_reason,
        ]
        writer.writerow([csv_cell(value) for value in row])
