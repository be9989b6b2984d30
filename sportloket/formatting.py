"""Numbers the Dutch way, one helper for every output: screens, PDFs, CSV and XLSX.

A decimal comma and a dot between thousands on screen and in PDFs ("4,0 uur/week",
"€ 1.250,50"); a decimal comma without grouping in CSV, so that Dutch Excel reads ``5,0`` as a
number (and not ``5.0`` as a date or text); real numbers in XLSX, with a number format that
shows the same decimals. Money keeps its two decimals, a value with a unit its one decimal.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.functional import Promise
from django.utils.numberformat import format as number_format
from django.utils.translation import gettext as _

from .money import format_euro

__all__ = [
    "Euro",
    "Measure",
    "csv_cell",
    "format_euro",
    "format_hours_per_week",
    "format_number",
    "xlsx_cell",
]


def _places(value: Decimal | float | int) -> int:
    """The decimals a value carries: Decimal("5.0") -> 1, 5.0 -> 1, 160.25 -> 2, 4 -> 0."""
    if isinstance(value, bool | int):
        return 0
    if isinstance(value, float):
        value = Decimal(repr(value))
    exponent = value.as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def format_number(
    value: Decimal | float | int | None, places: int | None = None, *, grouping: bool = True
) -> str:
    """1250.5 -> "1.250,5"; ``places`` fixes the decimals (default: the value's own, at least
    one for a float, so 5.0 -> "5,0"). ``grouping=False`` leaves out the thousands dot."""
    if value is None:
        return ""
    if places is None:
        places = _places(value)
        if isinstance(value, float):
            places = max(places, 1)
    return number_format(
        Decimal(repr(value)) if isinstance(value, float) else value,
        ",",
        decimal_pos=places,
        grouping=3 if grouping else 0,
        thousand_sep="." if grouping else "",
        force_grouping=grouping,
    )


def format_hours_per_week(value: Decimal | float | int | None) -> str:
    """4 -> "4,0 uur/week" (one decimal, as the handreiking counts in half hours)."""
    if value is None:
        return ""
    return _("%(hours)s hours/week") % {"hours": format_number(value, 1)}


@dataclass(frozen=True)
class Euro:
    """An amount in an export row: "1250,50" in CSV, a number formatted as euros in XLSX."""

    amount: Decimal

    def __str__(self) -> str:
        return format_euro(self.amount)


@dataclass(frozen=True)
class Measure:
    """A number with fixed decimals in an export row (hours, days, percentages)."""

    value: Decimal | float | int
    places: int = 1

    @classmethod
    def natural(cls, value: Decimal | float | int) -> Measure:
        """Whole values without decimals ("160"), others with one ("160,5"): medians of days."""
        return cls(value, 0 if float(value).is_integer() else 1)

    def __str__(self) -> str:
        return format_number(self.value, self.places)


_AS_THEY_ARE = frozenset({str, int})


def csv_cell(value: Any) -> Any:
    """One CSV cell for Dutch Excel: decimals with a comma and no thousands dot ("1250,50",
    "5,0"), dates as dd-mm-jjjj, lazy translations as text; integers and text unchanged."""
    if type(value) in _AS_THEY_ARE:  # most cells of a long export: no isinstance chain
        return value
    if value is None:
        return ""
    if isinstance(value, Euro):
        return format_number(value.amount, 2, grouping=False)
    if isinstance(value, Measure):
        return format_number(value.value, value.places, grouping=False)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, Decimal | float):
        return format_number(value, grouping=False)
    if isinstance(value, dt.datetime):
        return value.strftime("%d-%m-%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d-%m-%Y")
    if isinstance(value, Promise):
        return str(value)
    return value


def xlsx_cell(value: Any) -> tuple[Any, str | None]:
    """One XLSX cell: (value, number format). Numbers stay numbers, so the sheet can add them
    up; the format shows the decimals (Excel shows the comma in a Dutch installation)."""
    if isinstance(value, Euro):
        return value.amount, '"€" #,##0.00'
    if isinstance(value, Measure):
        return value.value, "#,##0." + "0" * value.places if value.places else "#,##0"
    if isinstance(value, Decimal | float) and not isinstance(value, bool):
        places = max(_places(value), 1 if isinstance(value, float) else 0)
        return value, "#,##0." + "0" * places if places else "#,##0"
    if isinstance(value, Promise):
        return str(value), None
    return value, None
