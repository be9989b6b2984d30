from django import template

from sportloket.appregistry import app_block_templates
from sportloket.formatting import (
    Measure,
    format_euro,
    format_hours_per_week,
    format_number,
)

register = template.Library()


@register.simple_tag
def app_nav_templates() -> list[str]:
    """The navigation blocks (``<app>/_nav.html``) that the installed apps provide."""
    return app_block_templates("_nav.html")


@register.filter
def nl_number(value, places=None) -> str:
    """{{ value|nl_number:1 }}: 1250.5 -> "1.250,5" (see sportloket.formatting)."""
    if value is None or value == "":
        return ""
    return format_number(value, None if places in (None, "") else int(places))


@register.filter
def nl_measure(value) -> str:
    """{{ row.median_days|nl_measure }}: 160.0 -> "160", 160.5 -> "160,5"; None -> ""."""
    if value is None or value == "":
        return ""
    return str(Measure.natural(value))


@register.filter
def hours_per_week(value) -> str:
    """{{ member.hours_per_week|hours_per_week }}: 4 -> "4,0 uur/week"."""
    return format_hours_per_week(value)


@register.filter
def euro(value) -> str:
    """{{ amount|euro }}: 1250.5 -> "€ 1.250,50"."""
    return format_euro(value)
