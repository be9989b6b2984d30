"""Extension point that an app above poskantoor fills in (it depends on us, we cannot import
it): the meetings app registers the rows of an office's meetings for the year plan.

Registration happens in the registering app's ``AppConfig.ready``; until something is
registered the year plan has no meetings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import PosOffice


@dataclass(frozen=True)
class MeetingRow:
    """One meeting as the year plan shows it."""

    starts_at: dt.datetime
    kind: str
    title: str
    location: str
    status: str


MeetingRowsFn = Callable[..., list[MeetingRow]]

_meeting_rows: list[MeetingRowsFn] = []


def register_year_plan_meetings(fn: MeetingRowsFn) -> MeetingRowsFn:
    """``fn(*, office, year) -> list[MeetingRow]`` in date order."""
    if fn not in _meeting_rows:
        _meeting_rows.append(fn)
    return fn


def year_plan_meetings(*, office: PosOffice, year: int) -> list[MeetingRow]:
    rows: list[MeetingRow] = []
    for fn in _meeting_rows:
        rows.extend(fn(office=office, year=year))
    return sorted(rows, key=lambda row: row.starts_at)
