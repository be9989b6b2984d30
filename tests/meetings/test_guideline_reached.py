"""The guideline's rollup of sport entrepreneurs reached with schemes
(``EntrepreneursReachedStat``): the same figures as a direct count on varied shares, how fresh
it is, running it twice, the year boundary in Amsterdam time, and who reads it (the dashboard
and the office list) against who stays live (the office page)."""

from __future__ import annotations

import datetime as dt
import random
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from meetings import tasks
from meetings.models import EntrepreneursReachedStat
from meetings.programme import guideline_services
from meetings.programme.guideline import guideline_for, guidelines_for, reached_per_municipality
from poskantoor.models import PosOffice
from providers.constants import ProviderKind
from providers.models import Provider
from sportloket.models import Municipality
from subsidies import services as subsidies_services
from subsidies.models import SchemeShare
from subsidies.selectors import shares_per_municipality
from tests.concurrency import run_at_once
from tests.factories import ProviderFactory, municipality
from tests.poskantoor.factories import make_office
from tests.subsidies.factories import SchemeFactory

from .factories import amsterdam

pytestmark = pytest.mark.django_db
YEAR = 2025
CODES = ("GM0344", "GM0363", "GM0599", "GM0518")
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def share(provider: Provider, scheme, at: dt.datetime) -> SchemeShare:
    """A share row made at ``at``; the entrepreneurs reached are derived again from the rows,
    as the services do when they insert shares now."""
    row = SchemeShare.objects.create(
        scheme=scheme, provider=provider, channel="staff", claim=uuid4()
    )
    SchemeShare.objects.filter(pk=row.pk).update(shared_at=at)
    subsidies_services.entrepreneur_reach_rebuild(provider_ids=[provider.pk])
    return row


def direct(year: int) -> dict[int, int]:
    """Distinct entrepreneurs reached per municipality, counted in Python from the share rows
    (kind and municipality as stored when the scheme was received; the year in Amsterdam)."""
    reached: dict[int, set[int]] = {}
    for municipality_id, provider_id, kind, at in SchemeShare.objects.values_list(
        "municipality_id", "provider_id", "provider_kind", "shared_at"
    ):
        if kind == ProviderKind.ENTREPRENEUR and at.astimezone(AMSTERDAM).year == year:
            reached.setdefault(municipality_id, set()).add(provider_id)
    return {pk: len(ids) for pk, ids in reached.items()}


@pytest.fixture
def varied_shares():
    """40 providers of every kind in four municipalities, 0–3 schemes each, shared at the
    edges of YEAR in Amsterdam time and in the years around it; one provider moved after
    receiving its schemes (it counts where it lived then)."""
    rng = random.Random(8)  # noqa: S311 - test data
    places = [municipality(code) for code in CODES]
    schemes = [SchemeFactory() for _ in range(4)]
    moments = [
        amsterdam(YEAR, 1, 1, 0, 0),
        amsterdam(YEAR, 6, 1, 12, 0),
        amsterdam(YEAR, 12, 31, 23, 59),
        amsterdam(YEAR - 1, 12, 31, 23, 59),
        amsterdam(YEAR + 1, 1, 1, 0, 0),
    ]
    providers = [
        ProviderFactory(kind=rng.choice(ProviderKind.values), municipality=rng.choice(places))
        for _ in range(40)
    ]
    for provider in providers:
        for scheme in rng.sample(schemes, rng.randint(0, 3)):
            share(provider, scheme, rng.choice(moments))
    moved = ProviderFactory(kind=ProviderKind.ENTREPRENEUR, municipality=places[0])
    share(moved, schemes[0], amsterdam(YEAR, 3, 1, 12, 0))
    share(moved, schemes[1], amsterdam(YEAR, 4, 1, 12, 0))  # twice in the year: counts once
    Provider.objects.filter(pk=moved.pk).update(municipality=municipality("GM0014"))
    assert len(direct(YEAR)) >= 4
    return places


def test_refresh_gives_the_figures_of_a_direct_count(varied_shares):
    now = amsterdam(YEAR, 7, 1, 9, 0)
    assert guideline_services.reached_stats_refresh(now=now) == Municipality.objects.count()
    assert reached_per_municipality(year=YEAR) == (direct(YEAR), now)
    assert shares_per_municipality(year=YEAR) == direct(YEAR)
    assert set(EntrepreneursReachedStat.objects.values_list("year", flat=True)) == {YEAR}
    zero = EntrepreneursReachedStat.objects.get(municipality=municipality("GM0014"))
    assert zero.reached == 0  # every municipality has a row: "no rows" means "never computed"


def test_without_rollup_rows_for_the_year_the_figures_are_counted_live(varied_shares):
    assert not EntrepreneursReachedStat.objects.exists()
    assert reached_per_municipality(year=YEAR) == (direct(YEAR), None)
    guideline_services.reached_stats_refresh(now=amsterdam(YEAR, 7, 1, 9, 0))
    assert reached_per_municipality(year=YEAR - 1) == (direct(YEAR - 1), None)


def test_the_rollup_lags_until_the_next_refresh_which_catches_up(varied_shares):
    first = amsterdam(YEAR, 7, 1, 9, 0)
    guideline_services.reached_stats_refresh(now=first)
    newcomer = ProviderFactory(kind=ProviderKind.ENTREPRENEUR, municipality=municipality("GM0014"))
    share(newcomer, SchemeFactory(), amsterdam(YEAR, 7, 1, 9, 5))
    before = direct(YEAR)
    assert before[newcomer.municipality_id] == 1
    stale, as_of = reached_per_municipality(year=YEAR)
    assert newcomer.municipality_id not in stale
    assert as_of == first
    second = amsterdam(YEAR, 7, 1, 9, 15)
    rows = guideline_services.reached_stats_refresh(now=second)
    assert guideline_services.reached_stats_refresh(now=second) == rows  # twice: the same
    assert reached_per_municipality(year=YEAR) == (before, second)
    assert EntrepreneursReachedStat.objects.count() == rows


def test_a_new_year_in_amsterdam_starts_live_and_drops_last_years_rows(varied_shares):
    # 23:30 on 31 December in Amsterdam is still YEAR (22:30 UTC).
    guideline_services.reached_stats_refresh(now=amsterdam(YEAR, 12, 31, 23, 30))
    assert set(EntrepreneursReachedStat.objects.values_list("year", flat=True)) == {YEAR}
    assert reached_per_municipality(year=YEAR + 1)[1] is None
    new_year = amsterdam(YEAR + 1, 1, 1, 0, 30)
    guideline_services.reached_stats_refresh(now=new_year)
    assert set(EntrepreneursReachedStat.objects.values_list("year", flat=True)) == {YEAR + 1}
    assert reached_per_municipality(year=YEAR + 1) == (direct(YEAR + 1), new_year)
    assert reached_per_municipality(year=YEAR) == (direct(YEAR), None)


def test_the_office_list_and_dashboard_read_the_rollup_the_office_page_counts_live():
    utrecht, zeist = make_office("GM0344"), make_office("GM0355")
    refreshed = amsterdam(YEAR, 3, 1, 9, 0)
    guideline_services.reached_stats_refresh(now=refreshed)
    entrepreneur = ProviderFactory(
        kind=ProviderKind.ENTREPRENEUR, municipality=utrecht.municipality
    )
    share(entrepreneur, SchemeFactory(), amsterdam(YEAR, 3, 1, 9, 5))

    many = guidelines_for([utrecht, zeist], year=YEAR)
    assert many[utrecht.pk].norm("subsidies").value == 0  # counted at 9:00
    assert many[utrecht.pk].as_of == refreshed
    page = guideline_for(utrecht, year=YEAR)
    assert page.norm("subsidies").value == 1
    assert page.as_of is None

    guideline_services.reached_stats_refresh(now=amsterdam(YEAR, 3, 1, 9, 15))
    fresh = guidelines_for([utrecht, zeist], year=YEAR)
    for office in (utrecht, zeist):
        assert fresh[office.pk].norms == guideline_for(office, year=YEAR).norms


def test_the_monitoring_sheet_takes_reached_and_guideline_from_the_same_count(pos_staff):
    from reports.selectors import monitoring_rows

    year = timezone.localdate().year
    utrecht = make_office("GM0344")
    guideline_services.reached_stats_refresh()
    entrepreneur = ProviderFactory(
        kind=ProviderKind.ENTREPRENEUR, municipality=utrecht.municipality
    )
    share(entrepreneur, SchemeFactory(), timezone.now())
    header, rows = monitoring_rows(user=pos_staff, year=year)
    row = next(r for r in rows if r[0] == "GM0344")
    reached = header.index("Ondernemers bereikt met regelingen")
    assert row[reached] == 0  # not yet counted: the guideline column says the same
    assert "Subsidies beschikbaar" in row[header.index(f"Basisrichtlijn {year}")]
    guideline_services.reached_stats_refresh()
    header, rows = monitoring_rows(user=pos_staff, year=year)
    row = next(r for r in rows if r[0] == "GM0344")
    assert row[reached] == 1
    assert "Subsidies beschikbaar" not in row[header.index(f"Basisrichtlijn {year}")]


def test_guidelines_for_reads_the_rollup_in_a_fixed_number_of_queries(django_assert_num_queries):
    offices = [make_office(code) for code in CODES]
    guideline_services.reached_stats_refresh(now=amsterdam(YEAR, 3, 1, 9, 0))
    offices = list(
        PosOffice.objects.filter(pk__in=[o.pk for o in offices]).select_related("process_version")
    )  # as the pages load them: the offices with the process version their norms come from
    for some in (offices[:1], offices):
        with django_assert_num_queries(5):
            guidelines_for(some, year=YEAR)


def test_the_beat_task_delivered_twice_gives_the_same_rows(varied_shares):
    first = tasks.guideline_reached_refresh.apply().get()
    rows = sorted(EntrepreneursReachedStat.objects.values_list("municipality_id", "reached"))
    assert tasks.guideline_reached_refresh.apply().get() == first == Municipality.objects.count()
    assert (
        sorted(EntrepreneursReachedStat.objects.values_list("municipality_id", "reached")) == rows
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_refreshes_at_the_same_moment_neither_fails_nor_duplicates(varied_shares):
    now = amsterdam(YEAR, 7, 1, 9, 0)
    run_at_once(*[lambda: guideline_services.reached_stats_refresh(now=now)] * 2)
    assert EntrepreneursReachedStat.objects.count() == Municipality.objects.count()
    assert reached_per_municipality(year=YEAR)[0] == direct(YEAR)
