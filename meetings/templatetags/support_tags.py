"""Timeline events in words (see ``meetings.support.timeline``)."""

from django import template

from meetings.models import SupportRequest
from meetings.support.timeline import Helper, current_helper, event_detail

register = template.Library()


@register.simple_tag
def event_words(event, public_view=False) -> str:
    return event_detail(event, public=bool(public_view))


@register.simple_tag
def helper_now(support_request: SupportRequest) -> Helper:
    return current_helper(support_request)
