"""Writes of the network: strategic signals (seed 001), manual ticks of the desk quality
criteria, neighbourhood sport coaches with their SMART goals and progress (goal notices are
in ``notices.py``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sportloket.constants import Role
from sportloket.models import Desk, Municipality, Theme
from sportloket.selectors import desk_list, user_scope
from sportloket.services import DomainError, audit_record

from .constants import MANUAL_CRITERIA, SignalSource
from .models import (
    DeskCriterionTick,
    GoalProgress,
    NeighbourhoodSportCoach,
    Signal,
    SmartGoal,
)


@transaction.atomic
def signal_record(
    *,
    desk: Desk,
    theme: Theme,
    description: str,
    source: str,
    recorded_on: dt.date,
    by: AbstractBaseUser,
    today: dt.date | None = None,
) -> Signal:
    """Record a signal for the strategic agenda of a desk in the user's scope."""
    if not desk_list(user=by).filter(pk=desk.pk).exists():
        raise DomainError(_("You cannot record signals for this desk."))
    if source not in SignalSource.values:
        raise DomainError(_("Choose where the signal comes from."))
    if not description.strip():
        raise DomainError(_("Describe the signal."))
    if recorded_on > (today or timezone.localdate()):
        raise DomainError(_("The date cannot be in the future."))
    signal = Signal.objects.create(
        desk=desk,
        theme=theme,
        description=description.strip(),
        source=source,
        recorded_on=recorded_on,
        recorded_by=by,
    )
    audit_record(subject=signal, actor=by, action="signal_recorded", summary=str(signal))
    return signal


# --- Neighbourhood sport coaches and their SMART goals (seed 004) ------------------------------


def _coach_municipality_check(*, municipality: Municipality, by: AbstractBaseUser) -> None:
    scope = user_scope(by)
    if scope.role not in (Role.POLICY_STAFF, Role.ADMINISTRATOR):
        raise DomainError(_("Only the municipality's policy staff manage sport coaches."))
    if scope.municipality_ids is not None and municipality.pk not in scope.municipality_ids:
        raise DomainError(_("You can only manage the sport coaches of your own municipality."))


@transaction.atomic
def coach_create(
    *, municipality: Municipality, data: dict[str, Any], by: AbstractBaseUser
) -> NeighbourhoodSportCoach:
    _coach_municipality_check(municipality=municipality, by=by)
    target_groups = data.pop("target_groups", [])
    coach = NeighbourhoodSportCoach.objects.create(municipality=municipality, **data)
    coach.target_groups.set(target_groups)
    audit_record(subject=coach, actor=by, action="coach_created", summary=coach.name)
    return coach


@transaction.atomic
def goal_create(
    *, coach: NeighbourhoodSportCoach, data: dict[str, Any], by: AbstractBaseUser
) -> SmartGoal:
    """Record a SMART goal agreed with the coach; every SMART element is required."""
    _coach_municipality_check(municipality=coach.municipality, by=by)
    if data["deadline"] <= data["agreed_on"]:
        raise DomainError(_("The deadline must be after the date of agreement."))
    if data["target_value"] == data["baseline"]:
        raise DomainError(_("The target value must differ from the baseline."))
    goal = SmartGoal.objects.create(coach=coach, created_by=by, **data)
    audit_record(subject=goal, actor=by, action="goal_created", summary=goal.indicator)
    return goal


@transaction.atomic
def goal_progress_record(
    *,
    goal: SmartGoal,
    measured_on: dt.date,
    value: Decimal,
    note: str = "",
    by: AbstractBaseUser,
    today: dt.date | None = None,
) -> GoalProgress:
    _coach_municipality_check(municipality=goal.coach.municipality, by=by)
    today = today or timezone.localdate()
    if measured_on > today:
        raise DomainError(_("A measurement cannot be in the future."))
    if measured_on < goal.agreed_on:
        raise DomainError(_("A measurement cannot be before the goal was agreed."))
    entry = GoalProgress.objects.create(
        goal=goal, measured_on=measured_on, value=value, note=note, recorded_by=by
    )
    audit_record(subject=goal, actor=by, action="goal_progress", summary=f"{measured_on}: {value}")
    return entry


# --- Desk quality criteria: manual ticks -----------------------------------------------------


def _desk_manager_check(*, desk: Desk, by: AbstractBaseUser) -> None:
    scope = user_scope(by)
    if scope.role == Role.ADMINISTRATOR:
        return
    if scope.role != Role.CLUB_SUPPORTER or scope.desk_id != desk.pk:
        raise DomainError(_("Only the desk's own club supporters manage its criteria."))


@transaction.atomic
def criterion_tick(
    *,
    desk: Desk,
    criterion: str,
    evidence: str,
    ticked_on: dt.date,
    by: AbstractBaseUser,
    today: dt.date | None = None,
) -> DeskCriterionTick:
    """Tick (or re-tick with new evidence) a criterion that cannot be computed."""
    _desk_manager_check(desk=desk, by=by)
    if criterion not in MANUAL_CRITERIA:
        raise DomainError(_("This criterion is computed from the data and cannot be ticked."))
    if not evidence.strip():
        raise DomainError(_("Describe the evidence for this criterion."))
    if ticked_on > (today or timezone.localdate()):
        raise DomainError(_("The date cannot be in the future."))
    tick, _created = DeskCriterionTick.objects.update_or_create(
        desk=desk,
        criterion=criterion,
        defaults={"evidence": evidence.strip(), "ticked_on": ticked_on, "ticked_by": by},
    )
    audit_record(
        subject=desk,
        actor=by,
        action="criterion_ticked",
        changes={"criterion": criterion, "evidence": tick.evidence, "date": str(ticked_on)},
        summary=str(tick),
    )
    return tick


@transaction.atomic
def criterion_untick(*, desk: Desk, criterion: str, by: AbstractBaseUser) -> None:
    _desk_manager_check(desk=desk, by=by)
    deleted, _rows = DeskCriterionTick.objects.filter(desk=desk, criterion=criterion).delete()
    if deleted:
        audit_record(
            subject=desk, actor=by, action="criterion_unticked", changes={"criterion": criterion}
        )
