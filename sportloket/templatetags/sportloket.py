import datetime as dt

from django import template
from django.conf import settings

from sportloket.appregistry import app_block_templates
from sportloket.formatting import (
    Measure,
    format_euro,
    format_hours_per_week,
    format_number,
)
from sportloket.middleware import session_time_left
from sportloket.ratelimit import wait_in_words

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


@register.filter
def wait_words(value: dt.timedelta | int | None) -> str:
    """A waiting time (timedelta or seconds) in words: "12 minuten"."""
    if value is None:
        return ""
    seconds = value.total_seconds() if isinstance(value, dt.timedelta) else value
    return wait_in_words(int(seconds))


@register.simple_tag(takes_context=True)
def session_timer(context) -> dict[str, int]:
    """What the session warning counts with: seconds to the idle logout and to the absolute end
    of this session, and how long before the end to warn."""
    idle_left, absolute_left = session_time_left(context["request"].session)
    return {
        "idle": settings.SPORTLOKET_SESSION_IDLE_SECONDS,
        "idle_left": idle_left,
        "absolute_left": absolute_left,
        "warn": settings.SPORTLOKET_SESSION_WARNING_SECONDS,
    }
