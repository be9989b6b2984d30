"""Reads of the POS national dashboard and the monitoring export (design §3).

Everything is aggregated in the database in a fixed number of queries, whatever the number of
offices: the office rows (with their core-group count), their overdue steps (which also give
each office's days overdue), the active sport entrepreneurs per municipality (counted from a
covering index of the registry), the guideline check of the meetings app (whose subsidies
figure comes from a 15-minute rollup; ``PosDashboard.guideline_as_of`` says when) and the lead
times of steps completed in the last two years (a bounded list, so the medians are computed in
Python). Stopped offices are left out; they are history.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import (
    Case,
    CharField,
    Count,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from providers.constants import ProviderKind, ProviderStatus
from providers.models import Provider

from .constants import OPEN_STATUSES, MemberKind, OfficeStatus, StepCode
from .deadlines import STEP_RULES, STEP_SEQUENCE
from .hooks import GuidelineResult, guideline_available, guideline_results
from .models import FoundingStep, PosOffice

LEAD_TIME_WINDOW_DAYS = 730


@dataclass
class OfficeRow:
    office: PosOffice
    step_label: str
    days_overdue: int
    core_entrepreneurs: int
    network_entrepreneurs: int
    guideline: GuidelineResult | None


@dataclass
class FunnelRow:
    code: str
    label: str
    current: int
    reached: int


@dataclass
class OverdueRow:
    office: PosOffice
    step: FoundingStep
    days_overdue: int


@dataclass
class LeadTimeRow:
    code: str
    label: str
    completed: int
    median_days: float | None
    norm_days: float | None

    @property
    def over_norm(self) -> float | None:
        if self.median_days is None or self.norm_days is None:
            return None
        return self.median_days - self.norm_days


@dataclass
class PosDashboard:
    year: int
    province: str
    offices: list[OfficeRow]
    funnel: list[FunnelRow]
    overdue: list[OverdueRow]
    lead_times: list[LeadTimeRow]
    guideline_known: bool
    totals: dict[str, int] = field(default_factory=dict)
    # When the oldest figure of the guideline column was computed (a periodic rollup);
    # None when the whole column was counted live.
    guideline_as_of: dt.datetime | None = None


def current_offices(province: str = "") -> QuerySet[PosOffice]:
    """The offices the dashboard counts: all but the stopped ones (history), optionally of
    one province."""
    qs = PosOffice.objects.exclude(status=OfficeStatus.STOPPED)
    if province:
        qs = qs.filter(municipality__province=province)
    return qs


def registry_entrepreneurs() -> dict[int, int]:
    """{municipality id: active sport entrepreneurs in the registry}, live, in one query.

    Grouped by ``municipality_id + 0`` on purpose: grouping by the bare column makes SQLite
    walk the (municipality, status, name) index in group order and read every matching row
    for its kind (43 ms at 60,000 providers); the expression leaves it the covering
    ``provider_kind_name_idx`` (kind, status, name, id, municipality), which it counts from
    alone (4 ms). PostgreSQL hashes the groups either way. No index of its own, so the
    provider registry's plans stay as they are.
    """
    group = ExpressionWrapper(F("municipality_id") + 0, output_field=IntegerField())
    return dict(
        Provider.objects.filter(kind=ProviderKind.ENTREPRENEUR, status=ProviderStatus.ACTIVE)
        .values_list(group)
        .annotate(n=Count("pk"))
        .order_by()
    )


def _overdue(offices: list[PosOffice], today: dt.date) -> list[OverdueRow]:
    """The open steps past their deadline of the offices still founding, longest overdue
    first. Reads the steps of these offices only (by the office index): the partial
    deadline index would also walk the 10,000 stopped offices' open steps."""
    by_pk = {office.pk: office for office in offices if office.status in OPEN_STATUSES}
    steps = FoundingStep.objects.filter(
        office_id__in=list(by_pk), completed_on__isnull=True, due_date__lt=today
    ).order_by()
    rows = [OverdueRow(by_pk[step.office_id], step, (today - step.due_date).days) for step in steps]
    rows.sort(key=lambda row: (row.step.due_date, row.office.municipality.name, row.step.position))
    return rows


def _office_figures(
    *, province: str, year: int, today: dt.date
) -> tuple[list[OfficeRow], list[OverdueRow]]:
    """The office rows and the overdue steps they are computed from, in 3 queries plus the
    guideline check's."""
    offices = list(
        current_offices(province)
        .select_related("municipality")
        .annotate(
            core_entrepreneurs=Count(
                "core_members",
                filter=Q(
                    core_members__kind=MemberKind.ENTREPRENEUR,
                    core_members__committed_until__gte=today,
                ),
            ),
        )
        .order_by("municipality__name")
    )
    overdue = _overdue(offices, today)
    first_due: dict[int, dt.date] = {}
    for row in overdue:  # earliest deadline first
        first_due.setdefault(row.office.pk, row.step.due_date)
    network = registry_entrepreneurs()
    guideline = guideline_results(offices=offices, year=year) if guideline_available() else {}
    labels = {code: str(label) for code, label in StepCode.choices}  # translated once
    rows = [
        OfficeRow(
            office=office,
            step_label=labels[office.current_step],
            days_overdue=(today - first_due[office.pk]).days if office.pk in first_due else 0,
            core_entrepreneurs=office.core_entrepreneurs,
            network_entrepreneurs=network.get(office.municipality_id, 0),
            guideline=guideline.get(office.pk),
        )
        for office in offices
    ]
    return rows, overdue


def office_rows(*, province: str = "", year: int, today: dt.date) -> list[OfficeRow]:
    return _office_figures(province=province, year=year, today=today)[0]


def funnel(offices: Iterable[PosOffice]) -> list[FunnelRow]:
    """Offices currently in each step and offices that reached it (are in it or beyond)."""
    current = {code: 0 for code in STEP_SEQUENCE}
    for office in offices:
        current[office.current_step] += 1
    labels = dict(StepCode.choices)
    result, reached = [], 0
    for code in reversed(STEP_SEQUENCE):
        reached += current[code]
        result.append(FunnelRow(code, labels[code], current[code], reached))
    return list(reversed(result))


def overdue_steps(*, province: str = "", today: dt.date) -> list[OverdueRow]:
    return _overdue(list(current_offices(province).select_related("municipality")), today)


def lead_times(*, province: str = "", today: dt.date) -> list[LeadTimeRow]:
    """Median days from the step it depends on to completion, against the norm (the
    deadline's length), over the steps completed in the last two years."""
    rules = [rule for rule in STEP_RULES if rule.has_deadline]
    depends = Case(
        *[When(code=rule.code, then=Value(rule.depends_on.value)) for rule in rules],
        default=Value(""),
        output_field=CharField(),
    )
    started = Subquery(
        FoundingStep.objects.filter(
            office=OuterRef("office"), code=OuterRef("depends_code"), completed_on__isnull=False
        )
        .order_by("-attempt")
        .values("completed_on")[:1]
    )
    qs = FoundingStep.objects.filter(
        completed_on__gte=today - dt.timedelta(days=LEAD_TIME_WINDOW_DAYS),
        code__in=[rule.code for rule in rules],
    )
    if province:
        qs = qs.filter(office__municipality__province=province)
    taken: dict[str, list[int]] = {rule.code: [] for rule in rules}
    norms: dict[str, list[int]] = {rule.code: [] for rule in rules}
    for code, completed_on, due, start in (
        qs.annotate(depends_code=depends, started_on=started)
        .values_list("code", "completed_on", "due_date", "started_on")
        .order_by()
    ):
        if start is None:
            continue
        taken[code].append((completed_on - start).days)
        if due is not None and due >= start:
            norms[code].append((due - start).days)
    labels = dict(StepCode.choices)
    return [
        LeadTimeRow(
            code=rule.code,
            label=labels[rule.code],
            completed=len(taken[rule.code]),
            median_days=statistics.median(taken[rule.code]) if taken[rule.code] else None,
            norm_days=statistics.median(norms[rule.code]) if norms[rule.code] else None,
        )
        for rule in rules
    ]


def pos_dashboard(
    *, province: str = "", year: int | None = None, today: dt.date | None = None
) -> PosDashboard:
    today = today or timezone.localdate()
    year = year or today.year
    rows, overdue = _office_figures(province=province, year=year, today=today)
    return PosDashboard(
        year=year,
        province=province,
        offices=rows,
        funnel=funnel(row.office for row in rows),
        overdue=overdue,
        lead_times=lead_times(province=province, today=today),
        guideline_known=guideline_available(),
        guideline_as_of=min(
            (row.guideline.as_of for row in rows if row.guideline and row.guideline.as_of),
            default=None,
        ),
        totals={
            "offices": len(rows),
            "overdue_offices": sum(1 for row in rows if row.days_overdue > 0),
            "overdue_steps": len(overdue),
        },
    )


def guideline_label(result: GuidelineResult | None) -> str:
    if result is None:
        return _("unknown")
    if result.met:
        return _("met")
    return _("not met: %(missing)s") % {"missing": ", ".join(result.missing)}
