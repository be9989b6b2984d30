"""The national dashboard's fast paths against a direct computation on varied data, its query
count at two data sizes (page, every CSV, the monitoring export; with and without the
guideline rollup), and what the page says about the rollup's freshness."""

from __future__ import annotations

import datetime as dt
import random
from uuid import uuid4

import pytest
from django.db import connection
from django.db.models import Min
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from meetings.programme import guideline_services
from poskantoor.constants import OPEN_STATUSES, MemberKind, OfficeStatus
from poskantoor.models import CoreGroupMember, FoundingStep, PosOffice
from providers.constants import ProviderKind, ProviderStatus
from providers.models import Provider
from reports import selectors
from sportloket.models import Municipality
from subsidies.models import SchemeShare
from tests.factories import ProviderFactory, municipality
from tests.poskantoor.factories import CoreGroupMemberFactory, make_office
from tests.subsidies.factories import SchemeFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 1)
CODES = ("GM0344", "GM0355", "GM0363", "GM0599", "GM0518", "GM0014", "GM0307", "GM0153")


def varied_offices(advance, codes=CODES) -> list[PosOffice]:
    """Offices registered on different days and advanced to different steps; one active
    (with an open step past its deadline, which does not count as overdue), one stopped (left
    out); core-group members of every kind, with commitments that ended or run on; providers
    of every kind and status in their municipalities."""
    rng = random.Random(5)  # noqa: S311 - test data
    offices = []
    for i, code in enumerate(codes):
        registered = TODAY - dt.timedelta(days=20 + 37 * i)
        office = make_office(code, registered_on=registered)
        steps = [("2a", registered + dt.timedelta(days=3)), ("2b", registered + dt.timedelta(9))]
        if i % 3 == 1:
            steps.append(("3", registered + dt.timedelta(days=40)))
        if registered + dt.timedelta(days=40) < TODAY and i % 3 == 1:
            advance(office, *steps, today=TODAY)
        elif i % 2 == 0:
            advance(office, *steps[:1], today=TODAY)
        for kind, until in [
            (MemberKind.ENTREPRENEUR, TODAY - dt.timedelta(days=1)),
            (MemberKind.MUNICIPALITY, TODAY + dt.timedelta(days=30)),
            (MemberKind.ENTREPRENEUR, TODAY + dt.timedelta(days=30)),
            (MemberKind.ENTREPRENEUR, TODAY),
        ][: 1 + i % 4]:
            CoreGroupMemberFactory(
                office=office,
                kind=kind,
                provider=None if kind != MemberKind.ENTREPRENEUR else ProviderFactory(),
                committed_until=until,
            )
        for _ in range(rng.randint(0, 6)):
            ProviderFactory(
                kind=rng.choice(ProviderKind.values),
                status=rng.choice(ProviderStatus.values),
                municipality=office.municipality,
            )
        offices.append(office)
    PosOffice.objects.filter(pk=offices[3].pk).update(status=OfficeStatus.ACTIVE)
    assert FoundingStep.objects.filter(  # an active office's late step is not "overdue"
        office=offices[3], completed_on__isnull=True, due_date__lt=TODAY
    ).exists()
    PosOffice.objects.filter(pk=offices[2].pk).update(
        status=OfficeStatus.STOPPED, stopped_on=TODAY - dt.timedelta(days=5)
    )
    return list(
        PosOffice.objects.select_related("municipality").filter(pk__in=[o.pk for o in offices])
    )


def direct_row(office: PosOffice) -> tuple:
    """One office's figures, each counted on its own."""
    first_due = FoundingStep.objects.filter(
        office=office, completed_on__isnull=True, due_date__lt=TODAY
    ).aggregate(first=Min("due_date"))["first"]
    overdue = (TODAY - first_due).days if first_due and office.status in OPEN_STATUSES else 0
    return (
        office.current_step,
        overdue,
        CoreGroupMember.objects.filter(
            office=office, kind=MemberKind.ENTREPRENEUR, committed_until__gte=TODAY
        ).count(),
        Provider.objects.filter(
            municipality=office.municipality_id,
            kind=ProviderKind.ENTREPRENEUR,
            status=ProviderStatus.ACTIVE,
        ).count(),
    )


def test_office_rows_match_a_direct_count_per_office(advance):
    offices = varied_offices(advance)
    rows = selectors.office_rows(year=TODAY.year, today=TODAY)
    current = [o for o in offices if o.status != OfficeStatus.STOPPED]
    assert [row.office.pk for row in rows] == [
        o.pk for o in sorted(current, key=lambda o: o.municipality.name)
    ]
    by_pk = {office.pk: office for office in offices}
    for row in rows:
        expected = direct_row(by_pk[row.office.pk])
        got = (
            row.office.current_step,
            row.days_overdue,
            row.core_entrepreneurs,
            row.network_entrepreneurs,
        )
        assert got == expected, row.office.municipality.name
    assert {row.days_overdue > 0 for row in rows} == {True, False}
    assert {row.network_entrepreneurs > 0 for row in rows} == {True, False}
    assert {row.core_entrepreneurs for row in rows} >= {0, 1, 2}


def test_registry_count_matches_a_direct_count_for_every_municipality(advance):
    varied_offices(advance)
    expected = {}
    for pk in Provider.objects.values_list("municipality_id", flat=True).distinct():
        n = Provider.objects.filter(
            municipality=pk, kind=ProviderKind.ENTREPRENEUR, status=ProviderStatus.ACTIVE
        ).count()
        if n:
            expected[pk] = n
    assert selectors.registry_entrepreneurs() == expected
    utrecht = set(Municipality.objects.filter(province="Utrecht").values_list("pk", flat=True))
    in_utrecht = {pk: n for pk, n in expected.items() if pk in utrecht}
    assert in_utrecht, "the data has active entrepreneurs in Utrecht"
    assert len(in_utrecht) < len(expected), "and outside it"
    assert selectors.registry_entrepreneurs("Utrecht") == in_utrecht


def test_overdue_steps_are_the_open_steps_past_their_deadline_of_founding_offices(advance):
    varied_offices(advance)
    direct = [
        (step.pk, (TODAY - step.due_date).days)
        for step in FoundingStep.objects.filter(
            completed_on__isnull=True,
            due_date__lt=TODAY,
            office__status__in=OPEN_STATUSES,
        ).order_by("due_date", "office__municipality__name", "position")
    ]
    data = selectors.pos_dashboard(today=TODAY)
    assert [(row.step.pk, row.days_overdue) for row in data.overdue] == direct
    assert len(direct) >= 3
    utrecht = selectors.pos_dashboard(province="Utrecht", today=TODAY)
    assert [row.step.pk for row in utrecht.overdue] == [
        pk
        for pk, _days in direct
        if FoundingStep.objects.get(pk=pk).office.municipality.province == "Utrecht"
    ]


def test_the_offices_csv_has_every_office_with_the_same_figures_as_the_page(
    advance, client, pos_staff
):
    varied_offices(advance)
    client.force_login(pos_staff)
    rows = selectors.office_rows(year=timezone.localdate().year, today=timezone.localdate())
    lines = (
        client.get(reverse("reports:pos_dashboard_csv", args=["offices"]))
        .content.decode("utf-8-sig")
        .splitlines()
    )
    assert len(lines) == 1 + len(rows) == len(CODES)  # header + all but the stopped office
    for line, row in zip(lines[1:], rows, strict=True):
        cells = line.split(";")
        assert cells[0] == row.office.municipality.name
        assert cells[4:7] == [
            str(row.days_overdue),
            str(row.core_entrepreneurs),
            str(row.network_entrepreneurs),
        ]


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


URLS = [
    reverse("reports:pos_dashboard"),
    reverse("reports:pos_dashboard") + "?province=Utrecht",
    *(reverse("reports:pos_dashboard_csv", args=[t]) for t in ("funnel", "overdue", "lead-times")),
    reverse("reports:pos_dashboard_csv", args=["offices"]),
    reverse("reports:monitoring_export", args=[timezone.localdate().year]),
]


@pytest.mark.parametrize("rollup", [False, True], ids=["live", "rollup"])
def test_query_counts_are_the_same_for_one_and_for_eight_offices(
    advance, client, pos_staff, rollup
):
    client.force_login(pos_staff)
    make_office("GM0344")
    if rollup:
        guideline_services.reached_stats_refresh()
    small = {url: _queries(client, url) for url in URLS}
    varied_offices(advance, codes=CODES[1:])
    scheme = SchemeFactory()
    for provider in Provider.objects.filter(kind=ProviderKind.ENTREPRENEUR):
        SchemeShare.objects.create(scheme=scheme, provider=provider, channel="staff", claim=uuid4())
    if rollup:
        guideline_services.reached_stats_refresh()
    assert PosOffice.objects.exclude(status=OfficeStatus.STOPPED).count() == len(CODES) - 1
    large = {url: _queries(client, url) for url in URLS}
    assert large == small
    # One more than before the process definition: the lead times read the published
    # versions' step rules (one query, whatever the number of offices); one more for the map
    # (the municipalities with their latest stopped office).
    assert small[URLS[0]] <= (15 if rollup else 16)


def test_the_page_says_when_the_guideline_rollup_was_computed(client, pos_staff):
    make_office("GM0344")
    client.force_login(pos_staff)
    url = reverse("reports:pos_dashboard")
    assert 'data-testid="guideline-as-of"' not in client.get(url).content.decode()
    at = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(9, 11)))
    guideline_services.reached_stats_refresh(now=at)
    page = client.get(url).content.decode()
    assert 'data-testid="guideline-as-of"' in page
    assert f"{at:%d-%m-%Y} 09:11" in page
    assert municipality("GM0344").name in page
