from decimal import Decimal

from django import template

from sportloket.formatting import format_euro

register = template.Library()


@register.filter
def euro(value: Decimal | None) -> str:
    """1234.5 → "€ 1.234,50"."""
    return format_euro(value)
