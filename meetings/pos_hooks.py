"""What the meetings app provides to poskantoor through ``poskantoor.hooks`` (poskantoor may
not import us): the meetings of an office's year plan. Registered in ``MeetingsConfig.ready``."""

from __future__ import annotations

from poskantoor.hooks import MeetingRow
from poskantoor.models import PosOffice


def year_plan_meeting_rows(*, office: PosOffice, year: int) -> list[MeetingRow]:
    from .programme.selectors import meetings_for_office_year

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
