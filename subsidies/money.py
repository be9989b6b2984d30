"""Euro amounts: exact Decimals with cents, formatted the Dutch way."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.utils.numberformat import format as number_format
from django.utils.translation import gettext as _

from sportloket.services import DomainError

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("9999999999.99")


def format_euro(value: Decimal | None) -> str:
    if value is None:
        return ""
    return "€ " + number_format(
        value, ",", decimal_pos=2, grouping=3, thousand_sep=".", force_grouping=True
    )


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
    if amount != amount.quantize(CENT):
        raise DomainError(_("An amount has at most two decimals (cents)."))
    if amount > MAX_AMOUNT:
        raise DomainError(_("This amount is too large."))
    return amount.quantize(CENT)
