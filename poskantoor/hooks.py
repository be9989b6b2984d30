"""Extension points that apps above poskantoor fill in (they depend on us, we cannot import
them): the meetings app registers the rows of an office's meetings for the year plan and the
yearly guideline check (basisrichtlijn) per office for the national dashboard.

Registration happens in the registering app's ``AppConfig.ready``; until something is
registered the year plan has no meetings and the dashboard shows the guideline as unknown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
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


@dataclass(frozen=True)
class GuidelineResult:
    """The guideline check of one office and year: met, and the unmet criteria in words.
    ``as_of``: when its oldest figure was computed, if one came from a periodic rollup (the
    dashboard says so); None when everything was counted live."""

    met: bool
    missing: tuple[str, ...] = ()
    as_of: dt.datetime | None = None


MeetingRowsFn = Callable[..., list[MeetingRow]]
GuidelineFn = Callable[..., dict[int, GuidelineResult]]

_meeting_rows: list[MeetingRowsFn] = []
_guideline: list[GuidelineFn] = []


def register_year_plan_meetings(fn: MeetingRowsFn) -> MeetingRowsFn:
    """``fn(*, office, year) -> list[MeetingRow]`` in date order."""
    if fn not in _meeting_rows:
        _meeting_rows.append(fn)
    return fn


def register_guideline_check(fn: GuidelineFn) -> GuidelineFn:
    """``fn(*, offices, year) -> {office_id: GuidelineResult}`` for many offices in a constant
    number of queries."""
    if fn not in _guideline:
        _guideline.append(fn)
    return fn


def year_plan_meetings(*, office: PosOffice, year: int) -> list[MeetingRow]:
    rows: list[MeetingRow] = []
    for fn in _meeting_rows:
        rows.extend(fn(office=office, year=year))
    return sorted(rows, key=lambda row: row.starts_at)


def guideline_available() -> bool:
    return bool(_guideline)


def guideline_results(*, offices: Iterable[PosOffice], year: int) -> dict[int, GuidelineResult]:
    offices = list(offices)
    results: dict[int, GuidelineResult] = {}
    for fn in _guideline:
        results.update(fn(offices=offices, year=year))
    return results
