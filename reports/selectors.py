"""Reads of the dashboards and the monitoring export (design §3).

**Desk dashboard.** Counts per status, category and week and the rising themes come from the
``QuestionWeekStat`` rollup (a few hundred rows per desk, rebuilt every 15 minutes), because
grouping 500,000 questions per request takes seconds on SQLite (``rising_themes`` alone 1.5 s).
Everything else is live and bounded: the last 1,000 first responses (index desk,
first_response_at), handovers of the last 12 months, the desk's providers, its 10 latest
signals. A constant number of queries whatever the number of questions.

**POS national dashboard.** Everything is aggregated in the database in a fixed number of
queries, whatever the number of offices: the office rows (with their core-group count), their
overdue steps (which also give each office's days overdue), the active sport entrepreneurs per
municipality (counted from a covering index of the registry), the guideline check of the
meetings app (whose subsidies figure comes from a 15-minute rollup;
``PosDashboard.guideline_as_of`` says when) and the lead times of steps completed in the last
two years (a bounded list, so the medians are computed in Python). Stopped offices are left
out; they are history.

**Monitoring export** (Sportakkoord II monitor, seed 003, bijlage 1): the quantitative figures
of the dashboards per municipality, in a constant number of queries.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from dateutil.relativedelta import relativedelta
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import (
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
)
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from meetings.models import (
    ContactMoment,
    Handover,
    QuestionStatMark,
    QuestionWeekStat,
    SupportRequest,
)
from meetings.programme.guideline import guidelines_of, reached_per_municipality
from meetings.support.constants import HandoverStatus, SupportStatus
from meetings.themes import Quarter, ThemeCount, rising_among, themes_from_categories
from network.models import Signal
from network.selectors import signals_for_desk
from poskantoor.conditions import VERSION_NORM_FIELDS, GuidelineNorms, version_guideline_norms
from poskantoor.constants import (
    OPEN_STATUSES,
    STEP_SEQUENCE,
    Decision,
    MemberKind,
    Moment,
    OfficeStatus,
    StepCode,
)
from poskantoor.decisions.selectors import decision_label, latest_decision_annotations
from poskantoor.models import FoundingStep, PosOffice
from poskantoor.process import published_rules
from providers.constants import SAFETY_BASICS, ProviderKind, ProviderStatus, SafetyStatus
from providers.models import Provider
from providers.selectors import eligible_q
from sportloket.constants import Role
from sportloket.models import Desk, Municipality
from sportloket.selectors import user_scope

# --- Desk dashboard ---------------------------------------------------------------------------

WEEKS_SHOWN = 26
FIRST_RESPONSES_SAMPLE = 1000
SIGNALS_SHOWN = 10


@dataclass
class HandoverRow:
    organisation: str
    total: int
    accepted: int
    declined: int
    expired: int
    pending: int


@dataclass
class SafetyRow:
    key: str
    label: str
    met: int
    in_progress: int
    not_met: int

    def share(self, total: int) -> int:
        return round(100 * self.met / total) if total else 0


@dataclass
class DeskDashboard:
    desk: Desk
    refreshed_at: dt.datetime | None
    per_status: list[tuple[str, int]]
    per_category: list[tuple[str, int]]
    per_week: list[tuple[dt.date, int]]
    first_response_hours: float | None
    first_responses: int
    handovers: list[HandoverRow]
    providers: int
    contacted: int
    safety: list[SafetyRow] = field(default_factory=list)
    quarter: Quarter | None = None
    rising: list[ThemeCount] = field(default_factory=list)
    signals: list[Signal] = field(default_factory=list)

    @property
    def contacted_share(self) -> int:
        return round(100 * self.contacted / self.providers) if self.providers else 0


def dashboard_desks(*, user: AbstractBaseUser) -> list[Desk]:
    """Desks the user may open: their own (club supporter), those serving their municipality
    (policy staff, read-only), all of them (POS staff, administrators)."""
    scope = user_scope(user)
    desks = Desk.objects.order_by("name")
    if scope.role in (Role.POS_STAFF, Role.ADMINISTRATOR):
        return list(desks)
    if scope.role == Role.CLUB_SUPPORTER:
        return list(desks.filter(pk=scope.desk_id))
    if scope.role == Role.POLICY_STAFF:
        return list(desks.filter(municipalities__in=scope.municipality_ids or []).distinct())
    return []


def dashboard_desk(*, user: AbstractBaseUser, desk_id: int | None) -> tuple[Desk, list[Desk]]:
    desks = dashboard_desks(user=user)
    if desk_id is None:
        if not desks:
            raise Http404
        return desks[0], desks
    desk = next((d for d in desks if d.pk == desk_id), None)
    if desk is None:
        raise Http404
    return desk, desks


def _rollup(desk: Desk, today: dt.date, quarter: Quarter):
    """Counts per status, category (12 months), week (26 weeks) and the rising themes of
    ``quarter``, all from the desk's rollup rows (one query) and its mark (one query)."""
    monday = today - dt.timedelta(days=today.weekday())
    since = monday - dt.timedelta(weeks=51)
    earliest = min(since, quarter.previous.start)
    # Plain tuples: about 2,000 rows a year for a busy desk, and building a model instance
    # (and its category's) for each was most of the dashboard's time.
    rows = list(
        QuestionWeekStat.objects.filter(desk=desk, period_start__gte=earliest)
        .order_by()
        .values_list(
            "period_start", "status", "category_id", "category__name", "count", "refreshed_at"
        )
    )
    statuses, categories, weeks = Counter(), Counter(), Counter()
    current, previous = Counter(), Counter()
    for period_start, status, category_id, category_name, count, _refreshed in rows:
        if period_start >= since:
            statuses[status] += count
            categories[category_name if category_id is not None else "—"] += count
            weeks[period_start - dt.timedelta(days=period_start.weekday())] += count
        if category_id is None:
            continue
        if quarter.start <= period_start < quarter.end:
            current[category_id] += count
        elif quarter.previous.start <= period_start < quarter.start:
            previous[category_id] += count
    labels = dict(SupportStatus.choices)
    per_status = [(labels[status], statuses[status]) for status in SupportStatus.values]
    per_category = sorted(categories.items(), key=lambda item: (-item[1], item[0]))
    shown = [monday - dt.timedelta(weeks=n) for n in reversed(range(WEEKS_SHOWN))]
    per_week = [(week, weeks[week]) for week in shown]
    # A refresh rewrites only the periods that changed; when it last ran is on its mark.
    refreshed = QuestionStatMark.objects.filter(desk=desk).values_list(
        "refreshed_at", flat=True
    ).first() or max((row[5] for row in rows), default=None)
    return per_status, per_category, per_week, refreshed, _rising(current, previous)


def _rising(current: Counter, previous: Counter) -> list[ThemeCount]:
    """Same rule and order as ``meetings.themes.rising_themes``, from the rollup's counts
    per category instead of half a million question rows."""
    return rising_among(themes_from_categories(current, previous))


def _first_response(desk: Desk, now: dt.datetime) -> tuple[float | None, int]:
    pairs = list(
        SupportRequest.objects.filter(
            desk=desk,
            first_response_at__isnull=False,
            first_response_at__gte=now - dt.timedelta(days=365),
        )
        .order_by("-first_response_at")
        .values_list("created_at", "first_response_at")[:FIRST_RESPONSES_SAMPLE]
    )
    hours = [(responded - created).total_seconds() / 3600 for created, responded in pairs]
    return (round(statistics.median(hours), 1) if hours else None), len(hours)


def _handovers(desk: Desk, now: dt.datetime) -> list[HandoverRow]:
    rows = (
        Handover.objects.filter(
            support_request__desk=desk, created_at__gte=now - dt.timedelta(days=365)
        )
        .values_list("organisation__name")
        .annotate(
            total=Count("pk"),
            accepted=Count("pk", filter=Q(status=HandoverStatus.ACCEPTED)),
            declined=Count("pk", filter=Q(status=HandoverStatus.DECLINED)),
            expired=Count("pk", filter=Q(status=HandoverStatus.EXPIRED)),
            pending=Count("pk", filter=Q(status=HandoverStatus.PENDING)),
        )
        .order_by("-total", "organisation__name")
    )
    return [HandoverRow(*row) for row in rows]


def _providers(desk: Desk, today: dt.date) -> tuple[int, int, list[SafetyRow]]:
    since = today - relativedelta(months=12)
    recent = ContactMoment.objects.filter(provider=OuterRef("pk"), date__gte=since)
    aggregates = {"total": Count("pk"), "contacted": Count("pk", filter=Q(recently_contacted=True))}
    for key in SAFETY_BASICS:
        for status in SafetyStatus.values:
            aggregates[f"{key}_{status}"] = Count("pk", filter=Q(**{f"{key}_status": status}))
    figures = (
        Provider.objects.filter(municipality__desks=desk, erased_at__isnull=True)
        .exclude(status="inactive")
        .annotate(recently_contacted=Exists(recent))
        .aggregate(**aggregates)
    )
    safety = [
        SafetyRow(
            key,
            str(label),
            figures[f"{key}_{SafetyStatus.MET}"],
            figures[f"{key}_{SafetyStatus.IN_PROGRESS}"],
            figures[f"{key}_{SafetyStatus.NOT_MET}"],
        )
        for key, label in SAFETY_BASICS.items()
    ]
    return figures["total"], figures["contacted"], safety


def desk_dashboard(*, desk: Desk, now: dt.datetime | None = None) -> DeskDashboard:
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    quarter = Quarter.of(today)
    per_status, per_category, per_week, refreshed, rising = _rollup(desk, today, quarter)
    median_hours, responses = _first_response(desk, now)
    providers, contacted, safety = _providers(desk, today)
    return DeskDashboard(
        desk=desk,
        refreshed_at=refreshed,
        per_status=per_status,
        per_category=per_category,
        per_week=per_week,
        first_response_hours=median_hours,
        first_responses=responses,
        handovers=_handovers(desk, now),
        providers=providers,
        contacted=contacted,
        safety=safety,
        quarter=quarter,
        rising=rising,
        signals=signals_for_desk(desk=desk, limit=SIGNALS_SHOWN),
    )


def questions_per_municipality(*, year: int) -> dict[int, dict[str, int]]:
    """Monitoring: questions received in ``year`` per municipality, and how many were handed
    over warmly; one query."""
    zone = timezone.get_current_timezone()
    start = dt.datetime(year, 1, 1, tzinfo=zone)
    end = dt.datetime(year + 1, 1, 1, tzinfo=zone)
    rows = (
        SupportRequest.objects.filter(created_at__gte=start, created_at__lt=end)
        .values_list("municipality_id")
        .annotate(
            total=Count("pk"),
            handed_over=Count("pk", filter=Q(handovers__isnull=False), distinct=True),
        )
        .order_by()
    )
    return {pk: {"questions": total, "handed_over": handed} for pk, total, handed in rows}


# --- POS national dashboard -------------------------------------------------------------------

LEAD_TIME_WINDOW_DAYS = 730


@dataclass(frozen=True)
class GuidelineResult:
    """The guideline check of one office and year: met, and the unmet criteria in words.
    ``as_of``: when its oldest figure was computed, if one came from a periodic rollup (the
    dashboard says so); None when everything was counted live."""

    met: bool
    missing: tuple[str, ...] = ()
    as_of: dt.datetime | None = None


def guideline_results(
    *,
    offices: Sequence[OfficeRef],
    year: int,
    norms: dict[int | None, GuidelineNorms],
    same_offices: QuerySet[PosOffice],
) -> dict[int, GuidelineResult]:
    """The yearly guideline check (basisrichtlijn) of many offices, in a constant number of
    queries (``meetings.guideline.guidelines_of``), with the unmet criteria in words."""
    results: dict[int, GuidelineResult] = {}
    made: dict[int, GuidelineResult] = {}  # by the Guideline's id: offices share them
    guidelines = guidelines_of(offices, year=year, norms=norms, same_offices=same_offices)
    for office_id, guideline in guidelines.items():
        result = made.get(id(guideline))
        if result is None:
            result = made[id(guideline)] = GuidelineResult(
                met=guideline.all_met,
                missing=tuple(norm.title for norm in guideline.norms if not norm.met),
                as_of=guideline.as_of,
            )
        results[office_id] = result
    return results


@dataclass(frozen=True, slots=True)
class MunicipalityRef:
    pk: int
    name: str
    province: str


@dataclass(frozen=True, slots=True)
class OfficeRef:
    """What the dashboard shows of an office, read as values: a model instance per office
    (and per municipality) cost more CPU than every figure of the page together."""

    pk: int
    municipality: MunicipalityRef
    status: str
    current_step: str
    process_version_id: int | None

    @property
    def municipality_id(self) -> int:
        return self.municipality.pk

    def get_status_display(self) -> str:
        return str(OfficeStatus(self.status).label)


@dataclass(frozen=True, slots=True)
class StepRef:
    """An overdue founding step as the dashboard shows it, read as values."""

    pk: int
    code: str
    position: int
    due_date: dt.date

    def get_code_display(self) -> str:
        return str(StepCode(self.code).label)


@dataclass
class OfficeRow:
    office: OfficeRef
    step_label: str
    days_overdue: int
    core_entrepreneurs: int
    network_entrepreneurs: int
    guideline: GuidelineResult | None
    # The latest GO / NO-GO in words (confirmed, or waiting for the other side), with the
    # unmet basic conditions and the reason for a GO despite them; "" when none was recorded.
    decision: str = ""


@dataclass
class FunnelRow:
    code: str
    label: str
    current: int
    reached: int


@dataclass
class OverdueRow:
    office: OfficeRef
    step: StepRef
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


def registry_entrepreneurs(province: str = "") -> dict[int, int]:
    """{municipality id: active sport entrepreneurs in the registry} (of ``province``'s
    municipalities when given), live, in one query.

    Grouped by ``municipality_id + 0`` on purpose: grouping by the bare column makes SQLite
    walk the (municipality, status, name) index in group order and read every matching row
    for its kind (43 ms at 60,000 providers); the expression leaves it the covering
    ``provider_kind_name_idx`` (kind, status, name, id, municipality), which it counts from
    alone (4 ms). PostgreSQL hashes the groups either way. No index of its own, so the
    provider registry's plans stay as they are.
    """
    group = ExpressionWrapper(F("municipality_id") + 0, output_field=IntegerField())
    providers = Provider.objects.filter(
        kind=ProviderKind.ENTREPRENEUR, status=ProviderStatus.ACTIVE
    )
    if province:
        providers = providers.filter(municipality__province=province)
    return dict(providers.values_list(group).annotate(n=Count("pk")).order_by())


# The office's fields the dashboard reads (``OfficeRef``), then its process version's norms.
OFFICE_FIELDS = (
    "pk",
    "municipality_id",
    "municipality__name",
    "municipality__province",
    "status",
    "current_step",
    "process_version_id",
    *(f"process_version__{name}" for name in VERSION_NORM_FIELDS),
)


def office_refs(province: str = "") -> list[OfficeRef]:
    """The current offices (``current_offices``) as ``OfficeRef`` rows, by municipality
    name; one query."""
    return [
        _office_ref(row)
        for row in current_offices(province)
        .order_by("municipality__name")
        .values_list(*OFFICE_FIELDS)
    ]


def _office_ref(row: tuple) -> OfficeRef:
    pk, municipality_id, name, province, status, step, version_id = row[:7]
    return OfficeRef(pk, MunicipalityRef(municipality_id, name, province), status, step, version_id)


def _overdue(offices: list[OfficeRef], today: dt.date, *, province: str = "") -> list[OverdueRow]:
    """The open steps past their deadline of the offices still founding (of ``offices``,
    which are the current offices of ``province``), longest overdue first. The offices are
    selected by a subquery, which PostgreSQL runs as a join reading the steps by the office
    index: the partial deadline index would also walk the 10,000 stopped offices' open steps."""
    by_pk = {office.pk: office for office in offices if office.status in OPEN_STATUSES}
    founding = current_offices(province).filter(status__in=OPEN_STATUSES).values("pk")
    steps = (
        FoundingStep.objects.filter(
            office_id__in=founding, completed_on__isnull=True, due_date__lt=today
        )
        .values_list("office_id", "pk", "code", "position", "due_date")
        .order_by()
    )
    rows = [
        OverdueRow(by_pk[office_id], StepRef(*step), (today - step[-1]).days)
        for office_id, *step in steps
        if office_id in by_pk
    ]
    rows.sort(key=lambda row: (row.step.due_date, row.office.municipality.name, row.step.position))
    return rows


def _office_figures(
    *, province: str, year: int, today: dt.date
) -> tuple[list[OfficeRow], list[OverdueRow]]:
    """The office rows and the overdue steps they are computed from, in 3 queries plus the
    guideline check's; the latest GO / NO-GO comes with the offices. Read as values, not
    model instances (``OfficeRef``)."""
    rows = (
        current_offices(province)
        .annotate(
            core_entrepreneurs=Count(
                "core_members",
                filter=Q(
                    core_members__kind=MemberKind.ENTREPRENEUR,
                    core_members__committed_until__gte=today,
                ),
            ),
            **latest_decision_annotations(),
        )
        .order_by("municipality__name")
        .values_list(*OFFICE_FIELDS, "core_entrepreneurs", "go_latest")
    )
    offices, extras, norms = [], [], {}
    for row in rows:
        office = _office_ref(row)
        offices.append(office)
        extras.append(row[-2:])
        if office.process_version_id not in norms:
            norms[office.process_version_id] = version_guideline_norms(*row[7:10])
    overdue = _overdue(offices, today, province=province)
    first_due: dict[int, dt.date] = {}
    for row in overdue:  # earliest deadline first
        first_due.setdefault(row.office.pk, row.step.due_date)
    network = registry_entrepreneurs(province)
    guideline = guideline_results(
        offices=offices, year=year, norms=norms, same_offices=current_offices(province)
    )
    labels = {code: str(label) for code, label in StepCode.choices}  # translated once
    return [
        OfficeRow(
            office=office,
            step_label=labels[office.current_step],
            days_overdue=(today - first_due[office.pk]).days if office.pk in first_due else 0,
            core_entrepreneurs=core,
            network_entrepreneurs=network.get(office.municipality_id, 0),
            guideline=guideline.get(office.pk),
            decision=decision_label(go_latest),
        )
        for office, (core, go_latest) in zip(offices, extras, strict=True)
    ], overdue


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
    return _overdue(office_refs(province), today, province=province)


def lead_times(*, province: str = "", today: dt.date) -> list[LeadTimeRow]:
    """Median days from the moment a step's deadline counts from to the day the step was
    held, against the norm (the deadline's length), over the steps held in the last two
    years. Each office is measured by the rules of its own process version. Two queries
    whatever the number of offices: the published rules, and the steps of the offices with a
    step held in the window — those held in the window and those a deadline counts from."""
    rules, newest = published_rules()
    window_start = today - dt.timedelta(days=LEAD_TIME_WINDOW_DAYS)
    # The rules with a deadline by (process version, step), and the steps they count from.
    rule_of = {
        (version_id, rule.code): rule
        for version_id, process in rules.items()
        for rule in process.steps
        if rule.has_deadline
    }
    source_codes = {rule.counts_from for rule in rule_of.values()}
    in_window = Q(held_on__gte=window_start, held_on__lte=today)
    window = FoundingStep.objects.filter(in_window)
    if province:
        window = window.filter(office__municipality__province=province)
    # A step's start is the latest moment among its office's steps of one code:
    # {(office, code): [(planned, held, decision)]}; the steps held, measured against it.
    sources: dict[tuple[int, str], list[tuple]] = {}
    measured = []
    for office_id, code, attempt, planned, held_on, due, decision, version_id in (
        FoundingStep.objects.filter(office_id__in=window.values("office_id"))
        .filter(Q(code__in=source_codes) | in_window & Q(attempt=1))
        .order_by()
        .values_list(
            "office_id",
            "code",
            "attempt",
            "planned_on",
            "held_on",
            "due_date",
            "decision",
            "office__process_version_id",
        )
    ):
        if code in source_codes:
            sources.setdefault((office_id, code), []).append((planned, held_on, decision))
        if attempt == 1 and held_on is not None and window_start <= held_on <= today:
            rule = rule_of.get((version_id, code))
            if rule is not None:
                measured.append((office_id, code, held_on, due, rule))
    taken: dict[str, list[int]] = {}
    norms: dict[str, list[int]] = {}
    for office_id, code, held_on, due, rule in measured:
        index = 0 if rule.counts_from_moment == Moment.PLANNED else 1
        go_only = rule.counts_from == StepCode.KARTREKKERS
        starts = [
            other[index]
            for other in sources.get((office_id, rule.counts_from), ())
            if other[index] is not None and (not go_only or other[2] == Decision.GO)
        ]
        if not starts:
            continue
        start = max(starts)
        taken.setdefault(code, []).append((held_on - start).days)
        if due is not None and due >= start:
            norms.setdefault(code, []).append((due - start).days)
    labels = dict(StepCode.choices)
    codes = [rule.code for rule in rules[newest].steps if rule.has_deadline] if newest else []
    codes += [code for code in STEP_SEQUENCE if code in taken and code not in codes]
    return [
        LeadTimeRow(
            code=code,
            label=labels[code],
            completed=len(taken.get(code, [])),
            median_days=statistics.median(taken[code]) if taken.get(code) else None,
            norm_days=statistics.median(norms[code]) if norms.get(code) else None,
        )
        for code in codes
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


# --- Monitoring export ------------------------------------------------------------------------


def monitoring_rows(*, user: AbstractBaseUser, year: int) -> tuple[list[str], list[list[Any]]]:
    scope = user_scope(user)
    municipalities = list(
        Municipality.objects.filter(scope.municipality_filter("pk"), active=True).order_by("name")
    )
    ids = [m.pk for m in municipalities]
    today = timezone.localdate()
    offices = {
        row.office.municipality_id: row
        for row in office_rows(year=year, today=today)
        if row.office.municipality_id in set(ids)
    }
    providers = {
        pk: (total, entrepreneurs, eligible)
        for pk, total, entrepreneurs, eligible in Provider.objects.filter(
            municipality_id__in=ids, status=ProviderStatus.ACTIVE
        )
        .values_list("municipality_id")
        .annotate(
            total=Count("pk"),
            entrepreneurs=Count("pk", filter=Q(kind=ProviderKind.ENTREPRENEUR)),
            eligible=Count("pk", filter=eligible_q()),
        )
        .order_by()
    }
    questions = questions_per_municipality(year=year)
    # The same source as the guideline column (the rollup for the current year), so the two
    # columns of one sheet agree.
    reached, _as_of = reached_per_municipality(year=year)
    header = [
        _("CBS code"),
        _("Municipality"),
        _("Province"),
        _("POS office status"),
        _("Current step"),
        _("Days overdue"),
        _("Entrepreneurs in the core group"),
        _("Guideline %(year)s") % {"year": year},
        _("Active providers"),
        _("Active sport entrepreneurs"),
        _("Providers meeting the social-safety basics"),
        _("Support questions received"),
        _("Questions handed over warmly"),
        _("Entrepreneurs reached with schemes"),
    ]
    rows = []
    for municipality in municipalities:
        office = offices.get(municipality.pk)
        total, entrepreneurs, eligible = providers.get(municipality.pk, (0, 0, 0))
        asked = questions.get(municipality.pk, {"questions": 0, "handed_over": 0})
        rows.append(
            [
                municipality.cbs_code,
                municipality.name,
                municipality.province,
                office.office.get_status_display() if office else _("no POS office"),
                office.step_label if office else "",
                office.days_overdue if office else "",
                office.core_entrepreneurs if office else "",
                guideline_label(office.guideline) if office else "",
                total,
                entrepreneurs,
                eligible,
                asked["questions"],
                asked["handed_over"],
                reached.get(municipality.pk, 0),
            ]
        )
    return header, rows
