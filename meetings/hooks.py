"""Extension points that apps above meetings fill in (they depend on us, we cannot import
them): the network app provides a desk's strategic signals for a meeting's agenda and the desk
dashboard, and the records whose free texts a requester's erasure must redact.

Registration happens in the registering app's ``AppConfig.ready``; until something is
registered a meeting has no signals to put on its agenda, the dashboard shows none, and the
erasure redacts only this app's own records.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from .models import Meeting


class AgendaSignal(Protocol):
    """What meetings read of a signal: its theme (with a ``name``), text and date."""

    pk: int
    theme: Any
    description: str
    recorded_on: dt.date


@dataclass(frozen=True)
class DeskTexts:
    """A desk's records whose texts staff write freely, for a requester's erasure: the rows
    (loaded with what ``str(row)`` needs), the free-text fields to redact, and the audit action
    whose summary is a copy of ``str(row)`` (rewritten after the redaction)."""

    rows: QuerySet
    fields: tuple[str, ...]
    summary_action: str = ""


SignalsFn = Callable[..., list[AgendaSignal]]
DeskTextsFn = Callable[..., DeskTexts]

_for_meeting: list[SignalsFn] = []
_desk_texts: list[DeskTextsFn] = []


def register_signals(*, for_meeting: SignalsFn) -> None:
    """``for_meeting(*, meeting, limit)``: the signals that may go on a meeting's agenda,
    newest first."""
    if for_meeting not in _for_meeting:
        _for_meeting.append(for_meeting)


def register_desk_texts(fn: DeskTextsFn) -> DeskTextsFn:
    """``fn(*, desk_id) -> DeskTexts``."""
    if fn not in _desk_texts:
        _desk_texts.append(fn)
    return fn


def signals_for_meeting(*, meeting: Meeting, limit: int = 20) -> list[AgendaSignal]:
    signals: list[AgendaSignal] = []
    for fn in _for_meeting:
        signals.extend(fn(meeting=meeting, limit=limit))
    return signals[:limit]


def desk_texts(*, desk_id: int) -> list[DeskTexts]:
    return [fn(desk_id=desk_id) for fn in _desk_texts]
