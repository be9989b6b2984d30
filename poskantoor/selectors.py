"""Reads of POS offices: scoped lists, the office page (timeline, next action, basic
conditions) and the lookups the meetings app uses."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Exists, Min, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from providers.constants import ProviderKind, ProviderStatus
from providers.models import Provider
from sportloket.constants import Role
from sportloket.formatting import format_number
from sportloket.selectors import audit_events_for, user_scope

from .conditions import ConditionThresholds, thresholds_for
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
    OfficeStatus,
    StepCode,
)
from .deadlines import deadline_base
from .hooks import year_plan_meetings
from .models import CoreGroupMember, DeadlineNotice, FoundingStep, PosOffice, YearPlan
from .process import office_rules


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
        .select_related("municipality", "process_version")
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
                    Prefetch(
                        "notices",
                        queryset=DeadlineNotice.objects.filter(emailed_at__isnull=False).order_by(
                            "created_at"
                        ),
                    )
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


def _commitment_line(member: CoreGroupMember) -> str:
    return _("%(name)s: %(hours)s h/week from %(start)s until %(until)s") % {
        "name": member.name,
        "hours": _hours(member.hours_per_week),
        "start": member.committed_from.strftime("%d-%m-%Y"),
        "until": member.committed_until.strftime("%d-%m-%Y"),
    }


def _hours(value: Decimal) -> str:
    """Hours in Dutch text: 2 -> "2", 0.5 -> "0,5" (a decimal comma, like every screen)."""
    return format_number(value.normalize())


def basic_conditions(office: PosOffice, *, today: dt.date | None = None) -> list[Condition]:
    """The four basic conditions of seed 000 §6.1, from the core group (prefetched by
    ``office_get``), the municipality's mapping statement and the provider registry; each with
    its evidence and what is missing. Thresholds come from ``conditions.thresholds_for``.

    - "Draagvlak bestaande uit minimaal 1 professional van de gemeente/het sportbedrijf en 2
      ondernemers": members whose commitment still runs; entrepreneurs of the same enterprise
      count once.
    - "Gemeente/sportbedrijf is bereid om professionele inzet te leveren voor minimaal 2 uur per
      week … voor minimaal 2 jaar": the organisation's commitment, so the hours of its
      professionals whose commitment lasts two years add up.
    - "Minimaal 2 ondernemers zijn bereid om per onderneming minimaal 2 uur per week te
      investeren … voor minimaal 2 jaar": per enterprise (sport provider) the hours of its
      people add up; two different enterprises must reach the threshold.
    - "De sportondernemers in de gemeente zijn in kaart gebracht": the municipality's statement
      that the mapping is done, with at least one active sport entrepreneur in the registry.
    """
    today = today or timezone.localdate()
    limits = thresholds_for(office)
    members = [m for m in office.core_members.all() if m.committed_until >= today]
    professionals = [m for m in members if m.kind in PROFESSIONAL_KINDS]
    entrepreneurs = [m for m in members if m.kind == MemberKind.ENTREPRENEUR]
    conditions = [
        _support_condition(professionals, entrepreneurs, limits),
        _mapped_condition(office, limits),
        _professional_condition(professionals, limits),
        _entrepreneurs_condition(entrepreneurs, limits),
    ]
    return conditions


def unmet_conditions(office: PosOffice, *, today: dt.date | None = None) -> list[Condition]:
    return [c for c in basic_conditions(office, today=today) if not c.met]


def _support_condition(professionals, entrepreneurs, limits: ConditionThresholds) -> Condition:
    enterprises = {m.provider_id for m in entrepreneurs}
    missing = []
    if len(professionals) < limits.min_professionals:
        missing.append(_("a professional of the municipality or sportbedrijf"))
    short = limits.min_enterprises - len(enterprises)
    if short > 0:
        missing.append(
            ngettext(
                "%(n)d more entrepreneur of another enterprise",
                "%(n)d more entrepreneurs of other enterprises",
                short,
            )
            % {"n": short}
        )
    return Condition(
        "support",
        _(
            "Support base: at least %(pros)d professional of the municipality/sportbedrijf and "
            "%(n)d entrepreneurs"
        )
        % {"pros": limits.min_professionals, "n": limits.min_enterprises},
        not missing,
        [f"{m.name} ({m.get_kind_display()})" for m in professionals + entrepreneurs],
        ", ".join(missing),
    )


def _mapped_condition(office: PosOffice, limits: ConditionThresholds) -> Condition:
    statement = office.mapping_statements.order_by("-stated_on", "-pk").first()
    active = Provider.objects.filter(
        municipality_id=office.municipality_id,
        kind=ProviderKind.ENTREPRENEUR,
        status=ProviderStatus.ACTIVE,
    ).count()
    evidence = [
        ngettext(
            "%(n)d active sport entrepreneur in the registry now",
            "%(n)d active sport entrepreneurs in the registry now",
            active,
        )
        % {"n": active}
    ]
    if statement is not None:
        evidence.insert(
            0,
            _("Mapped according to the municipality on %(date)s (%(n)d registered then)")
            % {"date": statement.stated_on.strftime("%d-%m-%Y"), "n": statement.registered_count},
        )
    missing = ""
    if statement is None:
        missing = _("the municipality's statement that its sport entrepreneurs are mapped")
    elif active < limits.min_mapped_entrepreneurs:
        missing = _("at least %(n)d active sport entrepreneur in the registry") % {
            "n": limits.min_mapped_entrepreneurs
        }
    return Condition(
        "mapped",
        _("The sport entrepreneurs of the municipality are mapped"),
        not missing,
        evidence,
        missing,
    )


def _professional_condition(professionals, limits: ConditionThresholds) -> Condition:
    lasting = [
        m for m in professionals if limits.commitment_lasts(m.committed_from, m.committed_until)
    ]
    hours = sum((m.hours_per_week for m in lasting), Decimal(0))
    met = hours >= limits.professional_hours_per_week
    return Condition(
        "professional",
        _(
            "Municipality/sportbedrijf commits at least %(hours)s hours a week for at least "
            "%(years)d years"
        )
        % {"hours": _hours(limits.professional_hours_per_week), "years": limits.commitment_years},
        met,
        [_commitment_line(m) for m in professionals]
        + [
            _("Together %(hours)s h/week for %(years)d years or longer")
            % {"hours": _hours(hours), "years": limits.commitment_years}
        ],
        ""
        if met
        else _("%(hours)s more hours a week of professionals committed for %(years)d years")
        % {
            "hours": _hours(limits.professional_hours_per_week - hours),
            "years": limits.commitment_years,
        },
    )


def _entrepreneurs_condition(entrepreneurs, limits: ConditionThresholds) -> Condition:
    per_enterprise: dict[int, list[CoreGroupMember]] = {}
    for member in entrepreneurs:
        if limits.commitment_lasts(member.committed_from, member.committed_until):
            per_enterprise.setdefault(member.provider_id, []).append(member)
    evidence, enough = [], 0
    for people in per_enterprise.values():
        hours = sum((m.hours_per_week for m in people), Decimal(0))
        enough += hours >= limits.enterprise_hours_per_week
        evidence.append(
            _("%(enterprise)s: %(hours)s h/week (%(people)s)")
            % {
                "enterprise": people[0].provider,
                "hours": _hours(hours),
                "people": ", ".join(m.name for m in people),
            }
        )
    short = limits.min_enterprises - enough
    return Condition(
        "entrepreneurs",
        _(
            "At least %(n)d enterprises each commit %(hours)s hours a week for at least "
            "%(years)d years"
        )
        % {
            "n": limits.min_enterprises,
            "hours": _hours(limits.enterprise_hours_per_week),
            "years": limits.commitment_years,
        },
        short <= 0,
        evidence,
        ""
        if short <= 0
        else ngettext(
            "%(n)d more enterprise committing %(hours)s hours a week for %(years)d years",
            "%(n)d more enterprises committing %(hours)s hours a week for %(years)d years",
            short,
        )
        % {
            "n": short,
            "hours": _hours(limits.enterprise_hours_per_week),
            "years": limits.commitment_years,
        },
    )


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


# --- The public face: offices that chose to be public (seed 000 §4 "Communicatiemiddelen") --


def public_slug(municipality_name: str) -> str:
    """The public page's address part: the municipality's name as a slug ("'s-Hertogenbosch"
    → "s-hertogenbosch", "Bergen (NH.)" → "bergen-nh"); unique among the municipalities."""
    return slugify(municipality_name)


def public_offices() -> QuerySet[PosOffice]:
    """The offices shown in public: switched public by their municipality and not stopped."""
    return (
        PosOffice.objects.filter(is_public=True)
        .exclude(status=OfficeStatus.STOPPED)
        .select_related("municipality")
    )


def public_office_get(*, slug: str) -> PosOffice:
    """The public office of the municipality named by ``slug``; 404 when there is none, it is
    not public or it has stopped (the same answer, so nothing tells them apart). One query:
    the few public offices are read and matched by their municipality's slug."""
    for office in public_offices().order_by():
        if public_slug(office.municipality.name) == slug:
            return office
    raise Http404


def public_phase(office: PosOffice) -> str:
    """The phase shown in public: "in oprichting" while founding, "actief" once active."""
    return _("active") if office.status == OfficeStatus.ACTIVE else _("being founded")
