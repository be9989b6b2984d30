"""The POS national dashboard: figures, province filter, CSV, guideline column, roles, queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from meetings.programme.guideline import guidelines_for
from poskantoor.constants import MemberKind
from providers.models import Provider
from reports import selectors
from tests.factories import ProviderFactory
from tests.poskantoor.factories import CoreGroupMemberFactory, make_office

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 1)


@pytest.fixture
def offices(advance):
    """Utrecht in step 3 (2b done 5 March: step 3 due 5 May, overdue on 1 June), Zeist in 2a
    (registered 10 May: 2a due 24 May, overdue), Amsterdam in step 5 (province Noord-Holland)."""
    utrecht = advance(
        make_office("GM0344", registered_on=dt.date(2026, 2, 1)),
        ("2a", dt.date(2026, 2, 10)),
        ("2b", dt.date(2026, 3, 5)),
        today=TODAY,
    )
    zeist = make_office("GM0355", registered_on=dt.date(2026, 5, 10))
    amsterdam = advance(
        make_office("GM0363", registered_on=dt.date(2026, 1, 5)),
        ("2a", dt.date(2026, 1, 12)),
        ("2b", dt.date(2026, 1, 25)),
        ("3", dt.date(2026, 2, 20)),
        ("4", dt.date(2026, 4, 20)),
        today=TODAY,
    )
    return utrecht, zeist, amsterdam


def test_figures_funnel_overdue_lead_times_and_entrepreneurs(offices):
    utrecht, zeist, amsterdam = offices
    CoreGroupMemberFactory(office=amsterdam, kind=MemberKind.ENTREPRENEUR)
    ProviderFactory.create_batch(
        2, kind="entrepreneur", status="active", municipality=utrecht.municipality
    )
    data = selectors.pos_dashboard(today=TODAY)
    funnel = {row.code: (row.current, row.reached) for row in data.funnel}
    assert funnel["1"] == (0, 3)
    assert funnel["2a"] == (1, 3)
    assert funnel["3"] == (1, 2)
    assert funnel["5"] == (1, 1)
    overdue = {(row.office.pk, row.step.code): row.days_overdue for row in data.overdue}
    assert overdue[(utrecht.pk, "3")] == (TODAY - dt.date(2026, 5, 5)).days
    assert overdue[(zeist.pk, "2a")] == (TODAY - dt.date(2026, 5, 24)).days
    lead = {row.code: row for row in data.lead_times}
    # 2b: Utrecht 32 days (1 Feb → 5 Mar), Amsterdam 20 days (5 Jan → 25 Jan): median 26.
    assert lead["2b"].median_days == 26
    assert lead["2b"].norm_days == 29.5  # one calendar month from 1 Feb (28) and 5 Jan (31)
    assert lead["4"].median_days == (dt.date(2026, 4, 20) - dt.date(2026, 2, 20)).days
    rows = {row.office.pk: row for row in data.offices}
    assert rows[amsterdam.pk].core_entrepreneurs == 1
    registered = Provider.objects.filter(
        kind="entrepreneur", status="active", municipality=utrecht.municipality
    ).count()
    assert registered >= 2
    assert rows[utrecht.pk].network_entrepreneurs == registered
    # The meetings app's guideline check: no meetings held, so "3 meetings" is not met.
    assert rows[utrecht.pk].guideline.met is False
    assert "Minimaal 3 bijeenkomsten per jaar" in rows[utrecht.pk].guideline.missing
    assert data.totals == {"offices": 3, "overdue_offices": 2, "overdue_steps": 2}


def test_province_filter_restricts_every_figure(offices):
    data = selectors.pos_dashboard(province="Noord-Holland", today=TODAY)
    assert [row.office.municipality.name for row in data.offices] == ["Amsterdam"]
    assert data.overdue == []
    assert data.funnel[0].reached == 1


def test_guideline_column_comes_from_the_meetings_guideline_check(offices):
    utrecht, zeist, amsterdam = offices
    checks = guidelines_for([utrecht, zeist, amsterdam], year=TODAY.year)
    rows = {row.office.pk: row for row in selectors.pos_dashboard(today=TODAY).offices}
    for office in offices:
        check = checks[office.pk]
        assert rows[office.pk].guideline.met is check.all_met
        assert rows[office.pk].guideline.missing == tuple(
            norm.title for norm in check.norms if not norm.met
        )
    assert selectors.guideline_label(rows[utrecht.pk].guideline).startswith("niet voldaan: ")
    assert selectors.guideline_label(selectors.GuidelineResult(True)) == "voldaan"
    assert (
        selectors.guideline_label(selectors.GuidelineResult(False, ("3 bijeenkomsten",)))
        == "niet voldaan: 3 bijeenkomsten"
    )
    assert selectors.guideline_label(None) == "onbekend"


def test_view_csv_and_province_filter(offices, client, pos_staff):
    client.force_login(pos_staff)
    response = client.get(reverse("reports:pos_dashboard"), {"province": "Utrecht"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Zeist" in page
    assert "Amsterdam" not in page
    assert '<svg role="img"' in page
    assert "<desc" in page
    response = client.get(
        reverse("reports:pos_dashboard_csv", args=["offices"]), {"province": "Utrecht"}
    )
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode("utf-8-sig").splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("Gemeente;Provincie")
    for table in ["funnel", "overdue", "lead-times"]:
        assert client.get(reverse("reports:pos_dashboard_csv", args=[table])).status_code == 200
    assert client.get(reverse("reports:pos_dashboard_csv", args=["nope"])).status_code == 404
    # An unknown province is ignored rather than an error.
    assert client.get(reverse("reports:pos_dashboard"), {"province": "<x>"}).status_code == 200


def test_only_pos_staff_and_administrators_see_the_dashboard(
    client, pos_staff, administrator, policy_staff, club_supporter
):
    url = reverse("reports:pos_dashboard")
    assert client.get(url).status_code == 302
    for user, status in [
        (policy_staff, 403),
        (club_supporter, 403),
        (pos_staff, 200),
        (administrator, 200),
    ]:
        client.force_login(user)
        assert client.get(url).status_code == status
        assert (
            client.get(reverse("reports:pos_dashboard_csv", args=["offices"])).status_code == status
        )


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_query_count_does_not_grow_with_offices(client, pos_staff, advance):
    client.force_login(pos_staff)
    url = reverse("reports:pos_dashboard")
    make_office("GM0344")
    small = _queries(client, url)
    for code in ["GM0355", "GM0363", "GM0599", "GM0518", "GM0014"]:
        office = advance(make_office(code), ("2a", dt.date(2026, 2, 5)))
        CoreGroupMemberFactory(office=office, kind=MemberKind.ENTREPRENEUR)
    assert _queries(client, url) == small
    assert small <= 17  # 16, and the map's municipalities
