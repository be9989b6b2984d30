"""Reads of POS offices: scoped lists, the office page (timeline, next action, basic
conditions) and the lookups the meetings app uses."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Exists, Min, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from providers.constants import ProviderKind, ProviderStatus
from providers.models import Provider
from providers.selectors import eligible_q
from sportloket.constants import Role
from sportloket.selectors import audit_events_for, user_scope

from .constants import (
    CORE_GROUP_SIDE,
    MUNICIPALITY_SIDE,
    OPEN_STATUSES,
    POS_SIDE,
    PROFESSIONAL_KINDS,
    START_SESSIONS_REQUIRED,
    Decision,
    MemberKind,
    NoticeKind,
    StepCode,
)
from .deadlines import add_months, deadline_base
from .hooks import year_plan_meetings
from .models import CoreGroupMember, DeadlineNotice, FoundingStep, PosOffice, YearPlan
from .process import office_rules

# Seed 000 §6.1 thresholds.
MIN_PROFESSIONALS = 1
MIN_ENTREPRENEURS = 2
MIN_HOURS_PER_WEEK = Decimal(2)
MIN_COMMITMENT_MONTHS = 24
# "The sport entrepreneurs of the municipality are mapped": we take at least as many active
# entrepreneurs in the registry as the guideline's network size (seed 000 §4: 8+).
MIN_MAPPED_ENTREPRENEURS = 8


def _open_overdue(today: dt.date) -> Exists:
    return Exists(
        FoundingStep.objects.filter(
            office=OuterRef("pk"), completed_on__isnull=True, due_date__lt=today
        )
    )


def office_list(
    *, user: AbstractBaseUser, filters: dict | None = None, today: dt.date | None = None
) -> QuerySet[PosOffice]:
    """Offices the user may see, annotated with ``next_due`` and ``is_overdue`` (for open
    offices). Filters: step, status, province, overdue (bool)."""
    today = today or timezone.localdate()
    filters = filters or {}
    scope = user_scope(user)
    open_office = Q(status__in=OPEN_STATUSES)
    qs = (
        PosOffice.objects.filter(scope.municipality_filter("municipality"))
        .select_related("municipality")
        .annotate(
            next_due=Min(
                "steps__due_date",
                filter=Q(steps__completed_on__isnull=True) & open_office,
            ),
            is_overdue=_open_overdue(today) & open_office,
        )
        .order_by("municipality__name", "-registered_on")
    )
    if filters.get("step"):
        qs = qs.filter(current_step=filters["step"])
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("province"):
        qs = qs.filter(municipality__province=filters["province"])
    if filters.get("overdue"):
        qs = qs.filter(_open_overdue(today), open_office)
    return qs


def office_get(*, user: AbstractBaseUser, pk: int) -> PosOffice:
    """One office in the user's scope, else 404 (other municipality = not found)."""
    scope = user_scope(user)
    office = (
        PosOffice.objects.filter(scope.municipality_filter("municipality"), pk=pk)
        .select_related("municipality", "process_version")
        .prefetch_related(
            Prefetch(
                "steps",
                queryset=FoundingStep.objects.select_related("completed_by").prefetch_related(
                    Prefetch("notices", queryset=DeadlineNotice.objects.order_by("created_at"))
                ),
            ),
            Prefetch(
                "core_members",
                queryset=CoreGroupMember.objects.select_related("provider"),
            ),
            "start_sessions",
        )
        .first()
    )
    if office is None:
        raise Http404
    return office


def open_step(*, office: PosOffice, code: str) -> FoundingStep | None:
    """The row of step ``code`` not held yet (for step 3: the current attempt), or None. It
    may already be planned."""
    return office.steps.filter(code=code, held_on__isnull=True).first()


def step_plannable(*, step: FoundingStep) -> bool:
    """Whether the moment ``step``'s deadline counts from has been reached, so that planning
    it now is in order (a meeting planned earlier completes no step)."""
    rules = office_rules(step.office)
    rows = list(step.office.steps.all())
    rule = rules[step.code]
    if not rule.counts_from and not (step.code == StepCode.KARTREKKERS and step.attempt > 1):
        return True
    return deadline_base(rule=rule, step=step, rows=rows) is not None


# --- Timeline -------------------------------------------------------------------------------


@dataclass
class TimelineEntry:
    step: FoundingStep
    state: str  # done | no_go | planned | overdue | due | open | waiting | ongoing | stopped
    label: str
    notices: list[DeadlineNotice] = field(default_factory=list)
    may_record: bool = False


def step_state(step: FoundingStep, *, office_open: bool, today: dt.date) -> tuple[str, str]:
    """(state, Dutch label) of a step: held, planned, due in N days, overdue by N days, …"""
    if step.held_on is not None:
        if step.code == StepCode.KARTREKKERS and step.decision != Decision.GO:
            return "no_go", step.get_decision_display()
        return "done", _("done on %(date)s") % {"date": step.held_on.strftime("%d-%m-%Y")}
    if not office_open:
        return "stopped", _("not reached")
    if step.code == StepCode.FOLLOW_UP:
        return "ongoing", _("ongoing")
    if step.completed_on is not None or (step.planned_on and step.due_date is None):
        return "planned", _("planned on %(date)s, not held yet") % {
            "date": step.planned_on.strftime("%d-%m-%Y")
        }
    if step.due_date is None:
        return "waiting", _("waits for an earlier step")
    days = (step.due_date - today).days
    if days < 0:
        return "overdue", ngettext("overdue by %(days)d day", "overdue by %(days)d days", -days) % {
            "days": -days
        }
    if days == 0:
        return "due", _("due today")
    return "open", ngettext("due in %(days)d day", "due in %(days)d days", days) % {"days": days}


def office_timeline(office: PosOffice, *, today: dt.date | None = None) -> list[TimelineEntry]:
    """The steps in order with their state, owner, planned and held dates, deadline and the
    notices sent about them (uses the prefetch of ``office_get``)."""
    today = today or timezone.localdate()
    steps = sorted(office.steps.all(), key=lambda s: (s.position, s.attempt))
    entries = []
    for step in steps:
        if step.code == StepCode.FOLLOW_UP and office.status != "active" and not office.is_open:
            continue
        state, label = step_state(step, office_open=office.is_open, today=today)
        entries.append(
            TimelineEntry(step, state, label, list(step.notices.all()), _may_record(step, steps))
        )
    return entries


def _may_record(step: FoundingStep, steps: list[FoundingStep]) -> bool:
    """Whether the page offers to record the step: not held, not step 5 (its sessions) or 7,
    and the step before it done."""
    if step.held_on is not None or step.code in (StepCode.START_SESSIONS, StepCode.FOLLOW_UP):
        return False
    before = [s for s in steps if s.position < step.position]
    if not before:
        return False
    previous = max(s.position for s in before)
    return any(s.is_done for s in before if s.position == previous)


@dataclass
class NextAction:
    step: FoundingStep
    party: str
    label: str
    state: str


def next_action(office: PosOffice, *, today: dt.date | None = None) -> NextAction | None:
    """The earliest step not held yet and who owns it, or None for a stopped office."""
    if not office.is_open:
        return None
    today = today or timezone.localdate()
    open_steps = sorted(
        (s for s in office.steps.all() if s.held_on is None),
        key=lambda s: (s.position, s.attempt),
    )
    if not open_steps:
        return None
    step = open_steps[0]
    state, label = step_state(step, office_open=True, today=today)
    return NextAction(step=step, party=step.get_owner_display(), label=label, state=state)


# --- Who is reminded --------------------------------------------------------------------------


def step_notice_recipients(
    *, notices: list[DeadlineNotice], today: dt.date | None = None
) -> dict[int, list[str]]:
    """The e-mail addresses of each notice, by notice id.

    Escalations go to POS staff. A reminder or deadline-day notice goes to the step's owner:
    POS staff for POS steps; the municipality's policy staff (the registration contact when
    it has none) for the municipality's steps; and for the core group's steps also the core
    group's members at their own addresses. Set-based: at most four queries whatever the
    number of notices and offices.
    """
    today = today or timezone.localdate()
    if not notices:
        return {}
    steps = {
        row["pk"]: row
        for row in FoundingStep.objects.filter(pk__in={n.step_id for n in notices}).values(
            "pk", "owner", "office_id", "office__municipality_id", "office__contact_email"
        )
    }
    users = get_user_model().objects.filter(is_active=True).exclude(email="")
    pos: list[str] = sorted(
        set(users.filter(staff_profile__role=Role.POS_STAFF).values_list("email", flat=True))
    )
    municipal = [steps[n.step_id] for n in notices if n.kind != NoticeKind.ESCALATION]
    policy: dict[int, set[str]] = {}
    for municipality_id, email in users.filter(
        staff_profile__role=Role.POLICY_STAFF,
        staff_profile__municipality_id__in={
            s["office__municipality_id"] for s in municipal if s["owner"] in MUNICIPALITY_SIDE
        },
    ).values_list("staff_profile__municipality_id", "email"):
        policy.setdefault(municipality_id, set()).add(email)
    core: dict[int, set[str]] = {}
    for office_id, email in (
        CoreGroupMember.objects.filter(
            office_id__in={s["office_id"] for s in municipal if s["owner"] in CORE_GROUP_SIDE},
            committed_until__gte=today,
        )
        .exclude(email="")
        .values_list("office_id", "email")
    ):
        core.setdefault(office_id, set()).add(email)
    result: dict[int, list[str]] = {}
    for notice in notices:
        step = steps[notice.step_id]
        if notice.kind == NoticeKind.ESCALATION:
            result[notice.pk] = list(pos)
            continue
        emails: set[str] = set()
        owner = step["owner"]
        if owner in MUNICIPALITY_SIDE:
            municipal_emails = policy.get(step["office__municipality_id"], set())
            if not municipal_emails and step["office__contact_email"]:
                municipal_emails = {step["office__contact_email"]}
            emails |= municipal_emails
        if owner in CORE_GROUP_SIDE:
            emails |= core.get(step["office_id"], set())
        if owner in POS_SIDE:
            emails |= set(pos)
        result[notice.pk] = sorted(emails)
    return result


# --- Basic conditions (seed 000 §6.1) -------------------------------------------------------


@dataclass
class Condition:
    key: str
    title: str
    met: bool
    evidence: list[str]
    missing: str = ""


def _committed(member: CoreGroupMember, today: dt.date) -> bool:
    """At least 2 hours a week for at least 2 years, and the commitment has not ended."""
    return (
        member.hours_per_week >= MIN_HOURS_PER_WEEK
        and member.committed_until >= add_months(member.committed_from, MIN_COMMITMENT_MONTHS)
        and member.committed_until >= today
    )


def basic_conditions(office: PosOffice, *, today: dt.date | None = None) -> list[Condition]:
    """The four basic conditions, computed from the core group (prefetched by ``office_get``)
    and the provider registry; each with its evidence and what is missing."""
    today = today or timezone.localdate()
    members = [m for m in office.core_members.all() if m.committed_until >= today]
    professionals = [m for m in members if m.kind in PROFESSIONAL_KINDS]
    entrepreneurs = [m for m in members if m.kind == MemberKind.ENTREPRENEUR]
    conditions = []

    missing = []
    if len(professionals) < MIN_PROFESSIONALS:
        missing.append(_("a professional of the municipality or sportbedrijf"))
    if len(entrepreneurs) < MIN_ENTREPRENEURS:
        missing.append(
            ngettext("%(n)d more entrepreneur", "%(n)d more entrepreneurs", 2 - len(entrepreneurs))
            % {"n": MIN_ENTREPRENEURS - len(entrepreneurs)}
        )
    conditions.append(
        Condition(
            "support",
            _(
                "Support base: at least 1 professional of the municipality/sportbedrijf and 2 "
                "entrepreneurs"
            ),
            not missing,
            [f"{m.name} ({m.get_kind_display()})" for m in professionals + entrepreneurs],
            ", ".join(missing),
        )
    )

    registry = Provider.objects.filter(
        municipality_id=office.municipality_id,
        kind=ProviderKind.ENTREPRENEUR,
        status=ProviderStatus.ACTIVE,
    ).aggregate(total=Count("pk"), eligible=Count("pk", filter=eligible_q()))
    total = registry["total"]
    conditions.append(
        Condition(
            "mapped",
            _("The sport entrepreneurs of the municipality are mapped"),
            total >= MIN_MAPPED_ENTREPRENEURS,
            [
                ngettext(
                    "%(n)d active sport entrepreneur in the registry",
                    "%(n)d active sport entrepreneurs in the registry",
                    total,
                )
                % {"n": total},
                _("%(n)d of them meet or work towards the social-safety basics")
                % {"n": registry["eligible"]},
            ],
            ""
            if total >= MIN_MAPPED_ENTREPRENEURS
            else _("register %(n)d more sport entrepreneurs")
            % {"n": MIN_MAPPED_ENTREPRENEURS - total},
        )
    )

    committed_pros = [m for m in professionals if _committed(m, today)]
    pro_hours = sum((m.hours_per_week for m in committed_pros), Decimal(0))
    conditions.append(
        Condition(
            "professional",
            _("Municipality/sportbedrijf commits at least 2 hours a week for at least 2 years"),
            pro_hours >= MIN_HOURS_PER_WEEK,
            [
                _("%(name)s: %(hours)s h/week until %(until)s")
                % {
                    "name": m.name,
                    "hours": m.hours_per_week,
                    "until": m.committed_until.strftime("%d-%m-%Y"),
                }
                for m in professionals
            ],
            ""
            if pro_hours >= MIN_HOURS_PER_WEEK
            else _("a professional committing 2 hours a week for 2 years"),
        )
    )

    committed_entrepreneurs = [m for m in entrepreneurs if _committed(m, today)]
    short = MIN_ENTREPRENEURS - len(committed_entrepreneurs)
    conditions.append(
        Condition(
            "entrepreneurs",
            _("At least 2 entrepreneurs each commit 2 hours a week for at least 2 years"),
            short <= 0,
            [
                _("%(name)s: %(hours)s h/week until %(until)s")
                % {
                    "name": m.name,
                    "hours": m.hours_per_week,
                    "until": m.committed_until.strftime("%d-%m-%Y"),
                }
                for m in entrepreneurs
            ],
            ""
            if short <= 0
            else ngettext(
                "%(n)d more entrepreneur committing 2 hours a week for 2 years",
                "%(n)d more entrepreneurs committing 2 hours a week for 2 years",
                short,
            )
            % {"n": short},
        )
    )
    return conditions


def office_audit(office: PosOffice):
    return audit_events_for(office)[:50]


def sessions_left(office: PosOffice) -> int:
    return START_SESSIONS_REQUIRED - len(office.start_sessions.all())


# --- Year plans -----------------------------------------------------------------------------


def year_plan_for(*, office: PosOffice, year: int) -> YearPlan | None:
    return (
        YearPlan.objects.filter(office=office, year=year)
        .prefetch_related("target_groups", "themes")
        .first()
    )


def year_plans_of(*, office: PosOffice) -> list[YearPlan]:
    return list(YearPlan.objects.filter(office=office).order_by("-year"))


def budget_total(plan: YearPlan) -> Decimal:
    return sum((Decimal(line["amount"]) for line in plan.budget_lines), Decimal(0))


def year_plan_pdf_context(*, plan: YearPlan, now: dt.datetime) -> dict:
    """Everything the PDF template shows; the meetings come through the registered hook."""
    return {
        "plan": plan,
        "office": plan.office,
        "municipality": plan.office.municipality,
        "target_groups": list(plan.target_groups.all()),
        "themes": list(plan.themes.all()),
        "budget_lines": [
            {"description": line["description"], "amount": Decimal(line["amount"])}
            for line in plan.budget_lines
        ],
        "budget_total": budget_total(plan),
        "meetings": year_plan_meetings(office=plan.office, year=plan.year),
        "generated_at": timezone.localtime(now),
    }
