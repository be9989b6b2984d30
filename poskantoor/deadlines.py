"""The deadline rules of the founding steps as pure functions (no database, no clock).

Seed 000 §6 / design §2: each deadline counts from the completion date of the step it depends
on, in calendar weeks or calendar months. Calendar months clamp to the end of the month:
31 January + 1 month is 28 February (29 in a leap year).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta

from .constants import Party, StepCode


@dataclass(frozen=True)
class StepRule:
    code: StepCode
    party: Party
    depends_on: StepCode | None = None
    weeks: int = 0
    months: int = 0

    @property
    def has_deadline(self) -> bool:
        return self.depends_on is not None and bool(self.weeks or self.months)


# In the order the steps must be completed; ``depends_on`` is where the deadline counts from.
STEP_RULES: tuple[StepRule, ...] = (
    StepRule(StepCode.REGISTRATION, Party.MUNICIPALITY),
    StepRule(StepCode.INTRO_SCHEDULED, Party.POS, StepCode.REGISTRATION, weeks=2),
    StepRule(StepCode.INTRO_HELD, Party.POS_AND_MUNICIPALITY, StepCode.REGISTRATION, months=1),
    StepRule(StepCode.KARTREKKERS, Party.MUNICIPALITY, StepCode.INTRO_HELD, months=2),
    StepRule(StepCode.START_MEETING, Party.CORE_GROUP_AND_POS, StepCode.KARTREKKERS, months=3),
    StepRule(StepCode.START_SESSIONS, Party.FACILITATOR, StepCode.START_MEETING, months=5),
    StepRule(StepCode.SECOND_PLENARY, Party.CORE_GROUP, StepCode.START_MEETING, months=5),
    StepRule(StepCode.FOLLOW_UP, Party.CORE_GROUP_WITH_MUNICIPALITY, StepCode.SECOND_PLENARY),
)
RULES: dict[str, StepRule] = {rule.code: rule for rule in STEP_RULES}
STEP_SEQUENCE: tuple[str, ...] = tuple(rule.code for rule in STEP_RULES)

# Which parties are told about a step's deadline (reminder and deadline-day notice).
MUNICIPALITY_PARTIES = frozenset(
    {
        Party.MUNICIPALITY,
        Party.POS_AND_MUNICIPALITY,
        Party.CORE_GROUP_AND_POS,
        Party.CORE_GROUP,
        Party.CORE_GROUP_WITH_MUNICIPALITY,
    }
)
POS_PARTIES = frozenset(
    {Party.POS, Party.POS_AND_MUNICIPALITY, Party.CORE_GROUP_AND_POS, Party.FACILITATOR}
)


def add_months(day: dt.date, months: int) -> dt.date:
    """Calendar months, clamped to the last day of the target month (31 Jan + 1 = 28/29 Feb)."""
    return day + relativedelta(months=months)


def due_date(code: str, base: dt.date) -> dt.date | None:
    """The deadline of step ``code`` when the step it depends on was completed on ``base``."""
    rule = RULES[code]
    if not rule.has_deadline:
        return None
    return add_months(base, rule.months) + dt.timedelta(weeks=rule.weeks)


def retry_due_date(no_go_on: dt.date) -> dt.date:
    """After a NO-GO with new kartrekkers, step 3 runs again with the same 2-month term,
    counted from the NO-GO decision."""
    return add_months(no_go_on, RULES[StepCode.KARTREKKERS].months)


def dependants(code: str) -> list[str]:
    """Steps whose deadline counts from the completion of ``code``."""
    return [rule.code for rule in STEP_RULES if rule.depends_on == code]


def previous_step(code: str) -> str | None:
    index = STEP_SEQUENCE.index(code)
    return STEP_SEQUENCE[index - 1] if index else None


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
