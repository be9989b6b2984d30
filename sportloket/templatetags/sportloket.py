import datetime as dt

from django import template
from django.conf import settings

from sportloket.appregistry import app_block_templates
from sportloket.middleware import session_time_left
from sportloket.ratelimit import wait_in_words

register = template.Library()


@register.simple_tag
def app_nav_templates() -> list[str]:
    """The navigation blocks (``<app>/_nav.html``) that the installed apps provide."""
    return app_block_templates("_nav.html")


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
