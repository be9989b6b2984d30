"""Reads of the desk dashboard and the monitoring export (design §3).

Counts per status, category and week and the rising themes come from the ``QuestionWeekStat``
rollup (a few hundred rows per desk, rebuilt every 15 minutes), because grouping 500,000
questions per request takes seconds on SQLite (``rising_themes`` alone 1.5 s). Everything else
is live and bounded: the last 1,000 first responses (index desk, first_response_at), handovers
of the last 12 months, the desk's providers, its 10 latest signals. A constant number of
queries whatever the number of questions.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404
from django.utils import timezone

from providers.constants import SAFETY_BASICS, SafetyStatus
from providers.models import Provider
from sportloket.constants import Role
from sportloket.models import Desk
from sportloket.selectors import user_scope

from .constants import HandoverStatus, SupportStatus
from .hooks import AgendaSignal, signals_for_desk
from .models import ContactMoment, Handover, QuestionWeekStat, SupportRequest
from .themes import Quarter, ThemeCount, rising_among, themes_from_categories

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
    signals: list[AgendaSignal] = field(default_factory=list)

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
    ``quarter``, all from the desk's rollup rows (2 queries)."""
    monday = today - dt.timedelta(days=today.weekday())
    since = monday - dt.timedelta(weeks=51)
    earliest = min(since, quarter.previous.start)
    rows = list(
        QuestionWeekStat.objects.filter(desk=desk, period_start__gte=earliest)
        .select_related("category")
        .order_by()
    )
    statuses, categories, weeks = Counter(), Counter(), Counter()
    current, previous = Counter(), Counter()
    for row in rows:
        if row.period_start >= since:
            statuses[row.status] += row.count
            categories[row.category.name if row.category else "—"] += row.count
            weeks[row.period_start - dt.timedelta(days=row.period_start.weekday())] += row.count
        if row.category_id is None:
            continue
        if quarter.start <= row.period_start < quarter.end:
            current[row.category_id] += row.count
        elif quarter.previous.start <= row.period_start < quarter.start:
            previous[row.category_id] += row.count
    labels = dict(SupportStatus.choices)
    per_status = [(labels[status], statuses[status]) for status in SupportStatus.values]
    per_category = sorted(categories.items(), key=lambda item: (-item[1], item[0]))
    shown = [monday - dt.timedelta(weeks=n) for n in reversed(range(WEEKS_SHOWN))]
    per_week = [(week, weeks[week]) for week in shown]
    refreshed = max((row.refreshed_at for row in rows), default=None)
    return per_status, per_category, per_week, refreshed, _rising(current, previous)


def _rising(current: Counter, previous: Counter) -> list[ThemeCount]:
    """Same rule and order as ``themes.rising_themes``, from the rollup's counts
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
