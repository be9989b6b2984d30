"""Integration of the meetings app with the year plan: the meeting table comes from
``meetings_for_office_year`` and every meeting change makes the plan's PDF stale."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from meetings.programme import services as programme_services
from poskantoor import services as pos_services
from poskantoor import tasks as pos_tasks
from poskantoor.hooks import year_plan_meetings
from poskantoor.models import YearPlan
from tests.poskantoor.factories import make_office

pytestmark = pytest.mark.django_db

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def _meeting(office, title, starts_at):
    return programme_services.meeting_create(
        office=office,
        by=None,
        data={
            "kind": "follow_up",
            "title": title,
            "starts_at": starts_at,
            "ends_at": starts_at + dt.timedelta(hours=2),
            "location": "Sporthal De Dreef",
        },
    )


def test_year_plan_lists_the_offices_meetings_of_that_year_and_rerenders_on_change(
    policy_staff, django_capture_on_commit_callbacks
):
    office = make_office()
    plan = pos_services.year_plan_save(
        office=office, year=2026, data={"short_term_goals": "Doelen"}, by=policy_staff
    )
    pos_tasks.year_plan_render(plan.pk)
    with django_capture_on_commit_callbacks(execute=True):
        meeting = _meeting(
            office, "Netwerkavond voorjaar", dt.datetime(2026, 4, 7, 19, 30, tzinfo=AMSTERDAM)
        )
        _meeting(office, "Nieuwjaarsborrel", dt.datetime(2027, 1, 12, 19, 30, tzinfo=AMSTERDAM))
    rows = year_plan_meetings(office=office, year=2026)
    assert [row.title for row in rows] == ["Netwerkavond voorjaar"]
    plan = YearPlan.objects.get()
    assert plan.content_version == 2
    assert plan.pdf_is_current
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(plan.pdf.read())).pages)
    assert "Netwerkavond voorjaar" in text
    assert "07-04-2026" in text
    assert "Nieuwjaarsborrel" not in text

    # Moving the meeting to next year takes it out of this year's plan.
    with django_capture_on_commit_callbacks(execute=True):
        programme_services.meeting_update(
            meeting=meeting,
            data={
                "starts_at": dt.datetime(2027, 3, 2, 19, 30, tzinfo=AMSTERDAM),
                "ends_at": dt.datetime(2027, 3, 2, 21, 30, tzinfo=AMSTERDAM),
            },
            by=None,
        )
    plan.refresh_from_db()
    assert plan.pdf_is_current
    assert plan.pdf_version == 3
    assert year_plan_meetings(office=office, year=2026) == []

    with django_capture_on_commit_callbacks(execute=False):
        programme_services.meeting_cancel(meeting=meeting, by=None)
    assert YearPlan.objects.get().content_version == 3  # the 2027 plan does not exist
