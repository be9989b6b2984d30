"""The deadline arithmetic of the founding steps as pure functions (no database, no clock).

The rules themselves (which step counts from which moment of which step, how many weeks or
months, planned or held) are not here: they belong to the office's version of the process
definition (``poskantoor.process``), which POS staff edit. This module only turns a rule and a
base date into a deadline. Calendar months clamp to the end of the month: 31 January + 1 month
is 28 February (29 in a leap year).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from dateutil.relativedelta import relativedelta

from .constants import DeadlineUnit, Decision, Moment, StepCode


@dataclass(frozen=True)
class StepRule:
    """One step of a process version: its owner, and its deadline rule "``amount`` ``unit``
    after the ``counts_from_moment`` of step ``counts_from``", met when the step reaches
    ``applies_to`` (planned or held)."""

    code: str
    position: int
    owner: str
    amount: int = 0
    unit: str = ""
    counts_from: str = ""
    counts_from_moment: str = Moment.HELD
    applies_to: str = Moment.HELD

    @property
    def has_deadline(self) -> bool:
        return bool(self.counts_from and self.amount and self.unit)


@dataclass(frozen=True)
class ProcessRules:
    """The step rules of one process version, in the version's order."""

    steps: tuple[StepRule, ...]

    def __getitem__(self, code: str) -> StepRule:
        return next(rule for rule in self.steps if rule.code == code)

    @property
    def sequence(self) -> tuple[str, ...]:
        return tuple(rule.code for rule in self.steps)

    def previous_step(self, code: str) -> str | None:
        index = self.sequence.index(code)
        return self.sequence[index - 1] if index else None

    def dependants(self, code: str) -> list[str]:
        """Steps whose deadline counts from a moment of ``code``."""
        return [rule.code for rule in self.steps if rule.counts_from == code]

    def due_date(self, code: str, base: dt.date | None) -> dt.date | None:
        """The deadline of ``code`` when the moment it counts from was reached on ``base``."""
        rule = self[code]
        if base is None or not rule.has_deadline:
            return None
        return add_term(base, rule.amount, rule.unit)

    def retry_due_date(self, no_go_on: dt.date) -> dt.date | None:
        """After a NO-GO with new kartrekkers, step 3 runs again with its own term, counted
        from the NO-GO decision."""
        rule = self[StepCode.KARTREKKERS]
        return add_term(no_go_on, rule.amount, rule.unit) if rule.amount and rule.unit else None


class StepDates(Protocol):
    """What the arithmetic needs of a step row (``models.FoundingStep``)."""

    code: str
    attempt: int
    planned_on: dt.date | None
    held_on: dt.date | None
    decision: str


def deadline_base(*, rule: StepRule, step: StepDates, rows: Sequence[StepDates]) -> dt.date | None:
    """The day ``step``'s deadline counts from, given all step rows of its office, or None
    while that moment is not reached.

    A repeated step 3 (NO-GO with new kartrekkers) counts from the NO-GO; a step counting
    from step 3 counts from its GO.
    """
    if step.code == StepCode.KARTREKKERS and step.attempt > 1:
        earlier = [r for r in rows if r.code == step.code and r.attempt == step.attempt - 1]
        return earlier[0].held_on if earlier else None
    if not rule.counts_from:
        return None
    sources = [r for r in rows if r.code == rule.counts_from]
    if rule.counts_from == StepCode.KARTREKKERS:
        sources = [r for r in sources if r.decision == Decision.GO]
    moment = "planned_on" if rule.counts_from_moment == Moment.PLANNED else "held_on"
    dates = [getattr(r, moment) for r in sources if getattr(r, moment) is not None]
    return max(dates) if dates else None


def add_months(day: dt.date, months: int) -> dt.date:
    """Calendar months, clamped to the last day of the target month (31 Jan + 1 = 28/29 Feb)."""
    return day + relativedelta(months=months)


def add_term(day: dt.date, amount: int, unit: str) -> dt.date:
    """``amount`` calendar weeks or calendar months after ``day``."""
    if unit == DeadlineUnit.WEEKS:
        return day + dt.timedelta(weeks=amount)
    if unit == DeadlineUnit.MONTHS:
        return add_months(day, amount)
    raise ValueError(f"unknown deadline unit {unit!r}")


def days_left(due: dt.date, today: dt.date) -> int:
    """Positive: days until the deadline; 0: today; negative: days overdue."""
    return (due - today).days


def notice_dates(due: dt.date, reminder_days: int) -> dict[str, dt.date]:
    """From which day each notice kind is due for a deadline (a late sweep still sends it)."""
    return {
        "reminder": due - dt.timedelta(days=reminder_days),
        "due_today": due,
        "escalation": due + dt.timedelta(days=1),
    }
