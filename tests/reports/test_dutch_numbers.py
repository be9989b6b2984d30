"""Dutch numbers on the dashboards and in their CSV files: "CSV files for Dutch Excel write
decimals with a comma (5,0 not 5.0)", and the same figure on the screen and in the chart."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from tests.poskantoor.factories import make_office

pytestmark = pytest.mark.django_db


@pytest.fixture
def half_day_median(advance):
    """Step 2b took 32 days in Utrecht and 21 in Zeist: a median of 26,5 days."""
    advance(
        make_office("GM0344", registered_on=dt.date(2026, 2, 1)),
        ("2a", dt.date(2026, 2, 10)),
        ("2b", dt.date(2026, 3, 5)),
        today=dt.date(2026, 6, 1),
    )
    advance(
        make_office("GM0355", registered_on=dt.date(2026, 2, 1)),
        ("2a", dt.date(2026, 2, 10)),
        ("2b", dt.date(2026, 2, 22)),
        today=dt.date(2026, 6, 1),
    )


def test_lead_times_csv_page_and_chart_write_a_decimal_comma(half_day_median, client, pos_staff):
    client.force_login(pos_staff)
    body = client.get(reverse("reports:pos_dashboard_csv", args=["lead-times"])).content
    rows = [line.split(";") for line in body.decode("utf-8-sig").splitlines()]
    (row,) = [r for r in rows if r[0].startswith("2b")]
    assert row[1:3] == ["2", "26,5"]
    assert not any("." in cell for r in rows[1:] for cell in r[1:])
    page = client.get(reverse("reports:pos_dashboard")).content.decode()
    assert ">26,5<" in page
    assert "26,5 d (norm" in page
    assert "26.5" not in page


def test_desk_dashboard_shows_hours_with_a_comma(client, policy_staff, desk):
    from tests.meetings.factories import SupportRequestFactory

    request = SupportRequestFactory(desk=desk)
    request.first_response_at = request.created_at + dt.timedelta(minutes=90)
    request.save(update_fields=["first_response_at"])
    client.force_login(policy_staff)
    page = client.get(reverse("reports:desk_dashboard")).content.decode()
    assert 'data-testid="first-response">1,5 uur<' in page
