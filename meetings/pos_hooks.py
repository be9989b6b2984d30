"""What the meetings app provides to poskantoor through ``poskantoor.hooks`` (poskantoor may
not import us): the meetings of an office's year plan and the yearly guideline check for the
national dashboard. Registered in ``MeetingsConfig.ready``."""

from __future__ import annotations

from collections.abc import Iterable

from poskantoor.hooks import GuidelineResult, MeetingRow
from poskantoor.models import PosOffice


def year_plan_meeting_rows(*, office: PosOffice, year: int) -> list[MeetingRow]:
    from .programme_selectors import meetings_for_office_year

    return [
        MeetingRow(
            starts_at=meeting.starts_at,
            kind=meeting.get_kind_display(),
            title=meeting.title,
            location=meeting.location or meeting.online_url,
            status=meeting.get_status_display(),
        )
        for meeting in meetings_for_office_year(office=office, year=year)
    ]


def guideline_results(*, offices: Iterable[PosOffice], year: int) -> dict[int, GuidelineResult]:
    from .guideline import TITLES, guidelines_for

    titles = {key: str(title) for key, title in TITLES.items()}  # translated once, not per row
    return {
        office_id: GuidelineResult(
            met=guideline.all_met,
            missing=tuple(titles[norm.key] for norm in guideline.norms if not norm.met),
            as_of=guideline.as_of,
        )
        for office_id, guideline in guidelines_for(offices, year=year).items()
    }
