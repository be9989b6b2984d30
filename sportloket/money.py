"""Euro amounts: exact Decimals with cents, read and formatted the Dutch way.

Shared by every form that takes money (subsidies' budgets and allocations, a year plan's
budget lines), so that "1.250,50", "1.250" and "€ 12" mean the same everywhere.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django.utils.numberformat import format as number_format
from django.utils.translation import gettext as _

from .services import DomainError

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("9999999999.99")
# Dots that group thousands without a decimal comma: "1.250", "12.500.000".
THOUSANDS_ONLY = re.compile(r"^\d{1,3}(?:\.\d{3})+$")


def format_amount(value: Decimal) -> str:
    """The Dutch way, without the symbol: 1250.5 -> "1.250,50" (what ``parse_euro`` reads)."""
    return number_format(
        value, ",", decimal_pos=2, grouping=3, thousand_sep=".", force_grouping=True
    )


def format_euro(value: Decimal | None) -> str:
    if value is None:
        return ""
    return "€ " + format_amount(value)


def money_validate(value: object) -> Decimal:
    """A positive amount in euros with at most two decimals, or a DomainError saying why."""
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise DomainError(_("Enter an amount in euros, for example 1250,50.")) from exc
    if not amount.is_finite():
        raise DomainError(_("Enter an amount in euros, for example 1250,50."))
    if amount <= 0:
        raise DomainError(_("The amount must be more than € 0,00."))
    # Before rounding: "1e309" is a finite Decimal with more digits than rounding may keep.
    if amount > MAX_AMOUNT:
        raise DomainError(_("This amount is too large."))
    if amount != amount.quantize(CENT):
        raise DomainError(_("An amount has at most two decimals (cents)."))
    return amount.quantize(CENT)


def parse_euro(text: str) -> Decimal:
    """Read an amount as people type it: "1250,50", "1.250,50", "1.250", "1250.50", "€ 12".

    Dots group thousands when a comma marks the cents, or when every dot is followed by
    exactly three digits; otherwise a single dot is the decimal point. Raises DomainError
    with a Dutch message for anything that is not a positive amount with at most two decimals.
    """
    text = str(text).replace("€", "").replace(" ", "").replace("\u00a0", "")
    if len(text) > 20:
        raise DomainError(_("This amount is too large."))
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    elif THOUSANDS_ONLY.match(text):
        text = text.replace(".", "")
    return money_validate(text)
