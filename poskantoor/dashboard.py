"""Reads of the POS national dashboard and the monitoring export (design §3).

Everything is aggregated in the database in a fixed number of queries, whatever the number of
offices: the office rows (with their counts), the network entrepreneurs per municipality, the
overdue steps and the lead times of steps completed in the last two years (a bounded list,
so the medians are computed in Python). Stopped offices are left out; they are history.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass, field

from django.db.models import (
    Case,
    CharField,
    Count,
    Min,
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

from .constants import MemberKind, OfficeStatus, StepCode
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


def _current_offices(province: str) -> QuerySet[PosOffice]:
    qs = PosOffice.objects.exclude(status=OfficeStatus.STOPPED)
    if province:
        qs = qs.filter(municipality__province=province)
    return qs


def office_rows(*, province: str = "", year: int, today: dt.date) -> list[OfficeRow]:
    offices = list(
        _current_offices(province)
        .select_related("municipality")
        .annotate(
            first_due=Min(
                "steps__due_date",
                filter=Q(steps__completed_on__isnull=True, steps__due_date__lt=today),
            ),
            core_entrepreneurs=Count(
                "core_members",
                filter=Q(
                    core_members__kind=MemberKind.ENTREPRENEUR,
                    core_members__committed_until__gte=today,
                ),
                distinct=True,
            ),
        )
        .order_by("municipality__name")
    )
    network = dict(
        Provider.objects.filter(
            kind=ProviderKind.ENTREPRENEUR,
            status=ProviderStatus.ACTIVE,
            municipality_id__in=[office.municipality_id for office in offices],
        )
        .values_list("municipality_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    guideline = guideline_results(offices=offices, year=year) if guideline_available() else {}
    labels = dict(StepCode.choices)
    return [
        OfficeRow(
            office=office,
            step_label=labels[office.current_step],
            days_overdue=(today - office.first_due).days
            if office.first_due and office.status != OfficeStatus.ACTIVE
            else 0,
            core_entrepreneurs=office.core_entrepreneurs,
            network_entrepreneurs=network.get(office.municipality_id, 0),
            guideline=guideline.get(office.pk),
        )
        for office in offices
    ]


def funnel(rows: list[OfficeRow]) -> list[FunnelRow]:
    """Offices currently in each step and offices that reached it (are in it or beyond)."""
    current = {code: 0 for code in STEP_SEQUENCE}
    for row in rows:
        current[row.office.current_step] += 1
    labels = dict(StepCode.choices)
    result, reached = [], 0
    for code in reversed(STEP_SEQUENCE):
        reached += current[code]
        result.append(FunnelRow(code, labels[code], current[code], reached))
    return list(reversed(result))


def overdue_steps(*, province: str = "", today: dt.date) -> list[OverdueRow]:
    steps = (
        FoundingStep.objects.filter(
            completed_on__isnull=True,
            due_date__lt=today,
            office__status__in=[OfficeStatus.ORIENTATION, OfficeStatus.FOUNDING],
        )
        .select_related("office__municipality")
        .order_by("due_date", "office__municipality__name")
    )
    if province:
        steps = steps.filter(office__municipality__province=province)
    return [OverdueRow(step.office, step, (today - step.due_date).days) for step in steps]


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
    rows = office_rows(province=province, year=year, today=today)
    overdue = overdue_steps(province=province, today=today)
    return PosDashboard(
        year=year,
        province=province,
        offices=rows,
        funnel=funnel(rows),
        overdue=overdue,
        lead_times=lead_times(province=province, today=today),
        guideline_known=guideline_available(),
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
