"""The deadline rules as pure functions: every term of the table, month ends, leap years."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from poskantoor.deadlines import (
    STEP_SEQUENCE,
    add_months,
    days_left,
    dependants,
    due_date,
    notice_dates,
    previous_step,
    retry_due_date,
)

# The shared autouse reference-data fixture needs the test database even for pure tests.
pytestmark = pytest.mark.django_db

D = dt.date


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
def test_due_date_of_every_step_of_the_table(code, base, expected):
    assert due_date(code, base) == expected


@pytest.mark.parametrize("code", ["1", "7"])
def test_start_and_follow_up_have_no_deadline(code):
    assert due_date(code, D(2026, 1, 1)) is None


def test_each_deadline_counts_from_the_step_it_depends_on():
    assert dependants("1") == ["2a", "2b"]
    assert dependants("2a") == []
    assert dependants("2b") == ["3"]
    assert dependants("3") == ["4"]
    assert dependants("4") == ["5", "6"]
    assert dependants("6") == ["7"]


def test_steps_are_in_the_order_of_the_guide():
    assert STEP_SEQUENCE == ("1", "2a", "2b", "3", "4", "5", "6", "7")
    assert previous_step("1") is None
    assert previous_step("2b") == "2a"
    assert previous_step("6") == "5"


def test_no_go_with_new_kartrekkers_gives_two_months_from_the_decision():
    assert retry_due_date(D(2027, 12, 31)) == D(2028, 2, 29)


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
