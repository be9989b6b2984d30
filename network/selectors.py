"""Reads of the network: signals, the network map, coaches and their goals. The rising themes
of a desk's questions are counted in ``meetings.themes``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Prefetch, Q, QuerySet

from meetings.hooks import DeskTexts
from sportloket.constants import OrganisationType
from sportloket.models import Desk, DeskPartner, OrganisationContact
from sportloket.selectors import desk_list, user_scope

from .constants import GoalFlag
from .models import GoalProgress, NeighbourhoodSportCoach, Signal, SmartGoal


def signals_for_meeting(*, meeting, limit: int = 20) -> list[Signal]:
    """Signals that may go on a meeting's agenda: the desk's own for a desk meeting; for a POS
    office's meeting, those of the desks serving the office's municipality (seed 001: the
    sport platform's signals feed the strategic agenda)."""
    if meeting.desk_id:
        signals = Signal.objects.filter(desk_id=meeting.desk_id)
    else:
        signals = Signal.objects.filter(
            desk__municipalities=meeting.office.municipality_id
        ).distinct()
    return list(signals.select_related("theme")[:limit])


def signals_for_desk(*, desk: Desk, limit: int = 20) -> list[Signal]:
    """The desk's most recent signals for the strategic agenda. The desk dashboard calls this."""
    return list(Signal.objects.filter(desk=desk).select_related("theme", "recorded_by")[:limit])


def signal_texts_for_erasure(*, desk_id: int) -> DeskTexts:
    """The desk's signals for a requester's erasure (``meetings.hooks.DeskTexts``): their
    description is redacted, and the audit summary of their recording copies ``str(signal)``."""
    return DeskTexts(
        rows=Signal.objects.filter(desk_id=desk_id).only("pk", "description", "theme_id"),
        fields=("description",),
        summary_action="signal_recorded",
    )


def signal_list(*, user: AbstractBaseUser, desk_id: int | None = None) -> QuerySet[Signal]:
    qs = Signal.objects.filter(desk__in=desk_list(user=user)).select_related(
        "desk", "theme", "recorded_by"
    )
    if desk_id is not None:
        qs = qs.filter(desk_id=desk_id)
    return qs


# --- Network map -----------------------------------------------------------------------------

NETWORK_DOMAINS = (
    OrganisationType.SPORTBEDRIJF,
    OrganisationType.WELFARE,
    OrganisationType.CARE,
    OrganisationType.EDUCATION,
    OrganisationType.PARTICIPATION,
    OrganisationType.FUND,
    OrganisationType.SPORT_CLUB,
    OrganisationType.SPORT_PLATFORM,
    OrganisationType.MUNICIPALITY,
    OrganisationType.FEDERATION,
    OrganisationType.POS,
    OrganisationType.OTHER,
)


def network_partners(
    *, desk: Desk, domain: str = "", theme_id: int | None = None, text: str = ""
) -> list[DeskPartner]:
    """The desk's partners with contact persons and themes, filtered (3 queries).

    ``text`` matches the organisation's name, a contact person's name or role, or a theme.
    """
    qs = DeskPartner.objects.filter(desk=desk).select_related("organisation")
    if domain:
        qs = qs.filter(organisation__type=domain)
    if theme_id:
        qs = qs.filter(organisation__themes=theme_id)
    text = text.strip()[:100]
    if text:
        qs = qs.filter(
            Q(organisation__name__icontains=text)
            | Q(organisation__contacts__name__icontains=text)
            | Q(organisation__contacts__function__icontains=text)
            | Q(organisation__themes__name__icontains=text)
            | Q(role_description__icontains=text)
        )
    return list(
        qs.distinct()
        .prefetch_related(
            Prefetch("organisation__contacts", queryset=OrganisationContact.objects.all()),
            "organisation__themes",
        )
        .order_by("organisation__type", "organisation__name")
    )


# --- Neighbourhood sport coaches and their SMART goals (seed 004) -------------------------------


def coach_list(*, user: AbstractBaseUser) -> QuerySet[NeighbourhoodSportCoach]:
    scope = user_scope(user)
    return (
        NeighbourhoodSportCoach.objects.filter(scope.municipality_filter("municipality"))
        .select_related("municipality")
        .prefetch_related("target_groups")
    )


def coach_get(*, user: AbstractBaseUser, pk: int) -> NeighbourhoodSportCoach:
    return coach_list(user=user).get(pk=pk)


@dataclass(frozen=True)
class GoalStatus:
    goal: SmartGoal
    latest: GoalProgress | None
    flags: tuple[GoalFlag, ...]

    @property
    def reached(self) -> bool:
        return self.goal.is_reached_by(self.latest.value if self.latest else None)


def goal_flags(
    goal: SmartGoal, latest: GoalProgress | None, *, on: dt.date
) -> tuple[GoalFlag, ...]:
    """The flags of a goal on a day.

    * no measurement: more than ``measure_every_months`` months have passed since the latest
      measurement (or since the agreement when there is none) — exactly that many is in time;
      a goal past its deadline is judged by the deadline flag instead;
    * past deadline: the deadline has passed and the latest measurement does not reach the target.
    """
    value = latest.value if latest else None
    if on > goal.deadline:
        return () if goal.is_reached_by(value) else (GoalFlag.PAST_DEADLINE,)
    since = latest.measured_on if latest else goal.agreed_on
    if on > since + relativedelta(months=goal.measure_every_months):
        return (GoalFlag.NO_MEASUREMENT,)
    return ()


def goal_statuses(goals: QuerySet[SmartGoal], *, on: dt.date) -> list[GoalStatus]:
    """Goals with their latest measurement and flags, in two queries."""
    goals = list(goals.select_related("coach__municipality"))
    latest: dict[int, GoalProgress] = {}
    for entry in GoalProgress.objects.filter(goal__in=goals).order_by(
        "goal_id", "-measured_on", "-pk"
    ):
        latest.setdefault(entry.goal_id, entry)
    return [
        GoalStatus(goal=g, latest=latest.get(g.pk), flags=goal_flags(g, latest.get(g.pk), on=on))
        for g in goals
    ]
