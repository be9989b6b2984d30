"""The deadline arithmetic as pure functions over the rules of process version 1 (the
handreiking's table, from the data migration): every term, month ends, leap years."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from poskantoor.constants import STEP_SEQUENCE
from poskantoor.deadlines import add_months, add_term, days_left, notice_dates
from poskantoor.models import ProcessVersion
from poskantoor.process import version_rules

# The shared autouse reference-data fixture needs the test database even for pure tests.
pytestmark = pytest.mark.django_db

D = dt.date


@pytest.fixture
def rules():
    return version_rules(ProcessVersion.objects.get(number=1).pk)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (D(2026, 1, 31), 1, D(2026, 2, 28)),
        (D(2028, 1, 31), 1, D(2028, 2, 29)),  # leap year
        (D(2100, 1, 31), 1, D(2100, 2, 28)),  # not a leap year (century)
        (D(2000, 1, 31), 1, D(2000, 2, 29)),  # leap year (400)
        (D(2026, 3, 31), 1, D(2026, 4, 30)),
        (D(2026, 12, 31), 2, D(2027, 2, 28)),
        (D(2027, 12, 31), 2, D(2028, 2, 29)),
        (D(2026, 11, 30), 3, D(2027, 2, 28)),
        (D(2026, 9, 30), 5, D(2027, 2, 28)),
        (D(2027, 9, 30), 5, D(2028, 2, 29)),
        (D(2026, 2, 28), 1, D(2026, 3, 28)),
        (D(2026, 5, 15), 5, D(2026, 10, 15)),
    ],
)
def test_add_months_clamps_to_the_end_of_the_month(day, months, expected):
    assert add_months(day, months) == expected


@pytest.mark.parametrize(
    ("code", "base", "expected"),
    [
        ("2a", D(2026, 1, 31), D(2026, 2, 14)),  # 2 weeks of registration
        ("2a", D(2026, 12, 25), D(2027, 1, 8)),  # over the year end
        ("2a", D(2028, 2, 20), D(2028, 3, 5)),  # over 29 February
        ("2b", D(2026, 1, 31), D(2026, 2, 28)),  # 1 month of registration, month end
        ("2b", D(2028, 1, 30), D(2028, 2, 29)),  # leap year
        ("2b", D(2026, 6, 10), D(2026, 7, 10)),
        ("3", D(2025, 12, 31), D(2026, 2, 28)),  # 2 months of the introduction call
        ("3", D(2027, 12, 30), D(2028, 2, 29)),
        ("3", D(2026, 4, 15), D(2026, 6, 15)),
        ("4", D(2026, 11, 30), D(2027, 2, 28)),  # 3 months of the kartrekkers meeting
        ("4", D(2027, 11, 29), D(2028, 2, 29)),
        ("4", D(2026, 5, 31), D(2026, 8, 31)),
        ("5", D(2026, 9, 30), D(2027, 2, 28)),  # 5 months of the start meeting
        ("5", D(2027, 9, 30), D(2028, 2, 29)),
        ("6", D(2026, 10, 31), D(2027, 3, 31)),  # 5 months of the start meeting
        ("6", D(2027, 9, 29), D(2028, 2, 29)),
    ],
)
def test_due_date_of_every_step_of_the_table(rules, code, base, expected):
    assert rules.due_date(code, base) == expected


@pytest.mark.parametrize("code", ["1", "7"])
def test_start_and_follow_up_have_no_deadline(rules, code):
    assert rules.due_date(code, D(2026, 1, 1)) is None


def test_each_deadline_counts_from_the_step_it_depends_on(rules):
    assert rules.dependants("1") == ["2a", "2b"]
    assert rules.dependants("2a") == []
    assert rules.dependants("2b") == ["3"]
    assert rules.dependants("3") == ["4"]
    assert rules.dependants("4") == ["5", "6"]
    # Step 7 (follow-up meetings) is ongoing and has no deadline to count.
    assert rules.dependants("6") == []


def test_steps_are_in_the_order_of_the_guide(rules):
    assert STEP_SEQUENCE == ("1", "2a", "2b", "3", "4", "5", "6", "7")
    assert rules.sequence == STEP_SEQUENCE
    assert rules.previous_step("1") is None
    assert rules.previous_step("2b") == "2a"
    assert rules.previous_step("6") == "5"


def test_no_go_with_new_kartrekkers_gives_two_months_from_the_decision(rules):
    assert rules.retry_due_date(D(2027, 12, 31)) == D(2028, 2, 29)


def test_version_1_names_what_each_deadline_applies_to(rules):
    """Seed 000 §6: "POS plant binnen 2 weken een digitaal kennismakingsgesprek in, dit vindt
    binnen 1 maand na aanmelding plaats", "plant binnen 2 maanden na kennismaking een
    kartrekkersgesprek in", "bereiden we binnen 3 maanden ... de eerste startbijeenkomst ...
    voor", "volgt binnen 5 maanden na startbijeenkomst 3 startsessies", "plant binnen
    5 maanden na startbijeenkomst de tweede bijeenkomst ... in"."""
    applies = {rule.code: rule.applies_to for rule in rules.steps if rule.has_deadline}
    assert applies == {
        "2a": "planned",
        "2b": "held",
        "3": "planned",
        "4": "planned",
        "5": "held",
        "6": "planned",
    }
    assert {rule.code: rule.owner for rule in rules.steps} == {
        "1": "municipality",
        "2a": "pos",
        "2b": "pos",
        "3": "municipality",
        "4": "core_group_pos",
        "5": "facilitator",
        "6": "core_group_municipality",
        "7": "core_group_municipality",
    }


def test_add_term_counts_weeks_and_calendar_months():
    assert add_term(D(2026, 2, 20), 2, "weeks") == D(2026, 3, 6)
    assert add_term(D(2026, 1, 31), 1, "months") == D(2026, 2, 28)
    with pytest.raises(ValueError, match="unit"):
        add_term(D(2026, 1, 1), 1, "days")


def test_days_left_and_notice_dates():
    assert days_left(D(2026, 3, 1), D(2026, 2, 27)) == 2
    assert days_left(D(2026, 3, 1), D(2026, 3, 3)) == -2
    assert notice_dates(D(2026, 3, 1), 7) == {
        "reminder": D(2026, 2, 22),
        "due_today": D(2026, 3, 1),
        "escalation": D(2026, 3, 2),
    }


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=200)
@given(st.dates(min_value=D(1900, 1, 1), max_value=D(2200, 1, 1)), st.integers(0, 24))
def test_add_months_lands_in_the_right_month_and_never_later_than_the_day(day, months):
    result = add_months(day, months)
    assert (result.year * 12 + result.month) - (day.year * 12 + day.month) == months
    assert result.day <= day.day
    assert result.day == day.day or (result + dt.timedelta(days=1)).day == 1
