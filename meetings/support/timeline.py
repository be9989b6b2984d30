"""What a person reads about a question: timeline events and the question's current state in
words, never the stored codes ("triaged", "handed_over").

Events keep their details as data written at the time (status codes, ISO dates, names); this
module turns them into labels in the reader's language when the page is rendered, so the same
event reads in Dutch on the Dutch page and in English on the English one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext as _

from ..models import Handover, SupportRequest, SupportRequestEvent
from .constants import Channel, EventKind, HandoverStatus, Priority, SupportStatus


def _date(value: str | None) -> str:
    """An ISO date from the event's data as the Dutch-style day shown everywhere (07-12-2026)."""
    if not value:
        return ""
    try:
        return dt.date.fromisoformat(value).strftime("%d-%m-%Y")
    except ValueError:
        return value


def _status(code: str | None) -> str:
    try:
        return str(SupportStatus(code).label)
    except ValueError:
        return ""


def _priority(value: object) -> str:
    """Priority events stored the label in the language of the moment; map it back to its
    choice (by value or by its English or Dutch label) so it reads in the current language."""
    if value in (None, ""):
        return ""
    for choice in Priority:
        if str(value) == str(choice.value):
            return str(choice.label)
        for language in ("en", "nl"):
            with translation.override(language):
                if str(value) == str(choice.label):
                    break
        else:
            continue
        return str(choice.label)
    return str(value)


def _channel(code: str | None) -> str:
    try:
        return str(Channel(code).label)
    except ValueError:
        return ""


def event_detail(event: SupportRequestEvent, *, public: bool) -> str:
    """The words after the event's label ("Status changed: Resolved"); empty when there are
    none. ``public`` leaves out what only staff may read (who was reminded or assigned)."""
    data = event.data or {}
    kind = event.kind
    if kind == EventKind.STATUS:
        return _status(data.get("to"))
    if kind == EventKind.CREATED:
        channel = _channel(data.get("channel"))
        return _("via %(channel)s") % {"channel": channel} if channel else ""
    if kind == EventKind.HANDOVER:
        detail = data.get("organisation", "")
        if data.get("respond_by") and not public:
            detail = _("%(organisation)s, answer by %(date)s") % {
                "organisation": detail,
                "date": _date(data["respond_by"]),
            }
        return detail
    if kind in (
        EventKind.HANDOVER_ACCEPTED,
        EventKind.HANDOVER_DECLINED,
        EventKind.HANDOVER_EXPIRED,
        EventKind.HANDOVER_OUTCOME,
    ):
        return data.get("organisation", "")
    if public:
        return ""
    if kind == EventKind.ASSIGNMENT:
        return data.get("to") or _("nobody")
    if kind == EventKind.CATEGORY:
        return f"{data.get('from') or '—'} → {data.get('to') or '—'}"
    if kind == EventKind.PRIORITY:
        return f"{_priority(data.get('from')) or '—'} → {_priority(data.get('to')) or '—'}"
    if kind == EventKind.DEADLINE:
        return f"{_date(data.get('from'))} → {_date(data.get('to'))}"
    return ""


@dataclass(frozen=True)
class Helper:
    """Who is helping the requester now, for the private status page."""

    name: str
    is_partner: bool
    since: dt.datetime | None
    respond_by: dt.date | None
    returned_from: str = ""
    pending_with: str = ""
    pending_until: dt.date | None = None


def current_helper(request: SupportRequest) -> Helper:
    """The desk, or the partner organisation that accepted the question, since when and with
    the date promised to the requester.

    A partner that has not answered yet is not helping: the desk still holds the question
    until the partner accepts, and after a decline or an expired handover the desk has it
    again (``returned_from`` names the organisation, so the page can say so)."""
    handover: Handover | None = (
        request.handovers.select_related("organisation").order_by("-created_at", "-pk").first()
    )
    if handover is not None and handover.status == HandoverStatus.ACCEPTED:
        if request.is_open and request.organisation_id == handover.organisation_id:
            return Helper(
                name=handover.organisation.name,
                is_partner=True,
                since=handover.responded_at,
                respond_by=handover.help_by,
            )
    desk_since = request.created_at
    returned_from = ""
    if handover is not None and handover.status == HandoverStatus.PENDING:
        return Helper(
            name=request.desk.name,
            is_partner=False,
            since=desk_since,
            respond_by=None,
            pending_with=handover.organisation.name,
            pending_until=handover.respond_by,
        )
    if handover is not None and handover.status in (
        HandoverStatus.DECLINED,
        HandoverStatus.EXPIRED,
    ):
        desk_since = handover.responded_at or desk_since
        returned_from = handover.organisation.name
    return Helper(
        name=request.desk.name,
        is_partner=False,
        since=desk_since,
        respond_by=request.deadline if request.clock_running else None,
        returned_from=returned_from,
    )
