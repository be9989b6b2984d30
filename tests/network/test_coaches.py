"""Neighbourhood sport coaches: SMART goals, progress entries, flags and the notice task."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from network.constants import GoalFlag
from network.models import GoalNotice, SmartGoal
from network.notices import goal_flag_notices_send
from network.selectors import coach_list, goal_flags, goal_statuses
from network.services import coach_create, goal_create, goal_progress_record
from network.tasks import notify_goal_flags
from sportloket.models import OutgoingEmail
from sportloket.services import DomainError
from tests.concurrency import run_at_once
from tests.factories import municipality

from .factories import CoachFactory, GoalFactory, ProgressFactory

AGREED = dt.date(2026, 1, 15)


def flags(goal, on):
    latest = goal.progress.first()
    return goal_flags(goal, latest, on=on)


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (dt.date(2026, 4, 15), ()),  # exactly 3 months after agreement: in time
        (dt.date(2026, 4, 16), (GoalFlag.NO_MEASUREMENT,)),
    ],
)
def test_no_measurement_flag_after_the_agreed_period(db, on, expected):
    goal = GoalFactory(agreed_on=AGREED)
    assert flags(goal, on) == expected


def test_a_measurement_restarts_the_period(db):
    goal = GoalFactory(agreed_on=AGREED)
    ProgressFactory(goal=goal, measured_on=dt.date(2026, 4, 1), value=Decimal("120"))
    assert flags(goal, dt.date(2026, 7, 1)) == ()
    assert flags(goal, dt.date(2026, 7, 2)) == (GoalFlag.NO_MEASUREMENT,)


def test_past_deadline_flag_unless_target_reached(db):
    goal = GoalFactory(agreed_on=AGREED, deadline=dt.date(2026, 12, 31))
    ProgressFactory(goal=goal, measured_on=dt.date(2026, 12, 1), value=Decimal("149"))
    assert flags(goal, dt.date(2026, 12, 31)) == ()
    assert flags(goal, dt.date(2027, 1, 1)) == (GoalFlag.PAST_DEADLINE,)
    ProgressFactory(goal=goal, measured_on=dt.date(2026, 12, 20), value=Decimal("150"))
    assert flags(goal, dt.date(2027, 1, 1)) == ()


def test_a_decreasing_target_is_reached_at_or_below_it(db):
    goal = GoalFactory(baseline=Decimal("40"), target_value=Decimal("30"))
    assert goal.is_reached_by(Decimal("30"))
    assert not goal.is_reached_by(Decimal("30.01"))
    assert not goal.is_reached_by(None)


def test_goal_statuses_runs_two_queries(db, django_assert_num_queries):
    for _i in range(5):
        ProgressFactory(goal=GoalFactory())
    with django_assert_num_queries(2):
        statuses = goal_statuses(SmartGoal.objects.all(), on=dt.date(2026, 5, 1))
    assert len(statuses) == 5
    assert all(s.latest is not None for s in statuses)


def goal_data(**overrides):
    return {
        "description": "Meer ouderen bewegen wekelijks",
        "indicator": "Deelnemers 65+",
        "baseline": Decimal("20"),
        "target_value": Decimal("60"),
        "agreed_on": AGREED,
        "deadline": dt.date(2026, 12, 31),
        "measured_by": "Welzijn",
        "measure_every_months": 3,
        **overrides,
    }


def test_policy_staff_record_goal_and_progress(policy):
    coach = coach_create(
        municipality=municipality("GM0344"),
        data={
            "name": "Lotte",
            "employer": "Sportbedrijf",
            "hours_per_week": Decimal("24"),
            "neighbourhoods": "Lombok",
            "email": "",
            "target_groups": [],
        },
        by=policy,
    )
    goal = goal_create(coach=coach, data=goal_data(), by=policy)
    entry = goal_progress_record(
        goal=goal,
        measured_on=dt.date(2026, 3, 1),
        value=Decimal("25"),
        by=policy,
        today=dt.date(2026, 3, 2),
    )
    assert entry.goal == goal
    assert goal.created_by == policy


@pytest.mark.parametrize(
    "overrides",
    [{"deadline": AGREED}, {"target_value": Decimal("20")}],
)
def test_goal_refuses_deadline_before_agreement_and_target_equal_to_baseline(policy, overrides):
    coach = CoachFactory()
    with pytest.raises(DomainError):
        goal_create(coach=coach, data=goal_data(**overrides), by=policy)
    assert not SmartGoal.objects.exists()


@pytest.mark.parametrize("measured_on", [dt.date(2026, 3, 3), AGREED - dt.timedelta(days=1)])
def test_progress_refuses_future_and_before_agreement(policy, measured_on):
    goal = GoalFactory(agreed_on=AGREED)
    with pytest.raises(DomainError):
        goal_progress_record(
            goal=goal,
            measured_on=measured_on,
            value=Decimal("1"),
            by=policy,
            today=dt.date(2026, 3, 2),
        )
    assert not goal.progress.exists()


def test_other_municipality_and_other_roles_cannot_manage_coaches(other_policy, pos, supporter):
    goal = GoalFactory()
    for user in (other_policy, pos, supporter):
        with pytest.raises(DomainError):
            goal_create(coach=goal.coach, data=goal_data(), by=user)
        with pytest.raises(DomainError):
            goal_progress_record(
                goal=goal, measured_on=AGREED, value=Decimal("1"), by=user, today=AGREED
            )


def test_coach_list_is_scoped(policy, other_policy, pos):
    utrecht = CoachFactory()
    amsterdam = CoachFactory(municipality=municipality("GM0363"))
    assert list(coach_list(user=policy)) == [utrecht]
    assert list(coach_list(user=other_policy)) == [amsterdam]
    assert set(coach_list(user=pos)) == {utrecht, amsterdam}


def test_flag_notices_mail_policy_staff_once_per_goal_and_flag(
    policy, other_policy, django_capture_on_commit_callbacks
):
    on = dt.date(2026, 6, 1)
    flagged = GoalFactory(agreed_on=AGREED)  # no measurement since January
    GoalFactory(agreed_on=dt.date(2026, 5, 1))  # in time
    GoalFactory(coach=CoachFactory(municipality=municipality("GM0363")), agreed_on=AGREED)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert goal_flag_notices_send(on=on) == 2
    assert len(callbacks) == 2  # each e-mail is published after commit
    assert goal_flag_notices_send(on=on) == 0  # second run: nothing new
    emails = {tuple(e.to): e for e in OutgoingEmail.objects.all()}
    assert set(emails) == {(policy.email,), (other_policy.email,)}
    assert flagged.coach.name in emails[(policy.email,)].subject
    assert GoalNotice.objects.filter(goal=flagged, kind=GoalFlag.NO_MEASUREMENT).count() == 1
    # later past its deadline: a second kind of notice, once
    assert goal_flag_notices_send(on=dt.date(2027, 1, 5)) == 3
    assert goal_flag_notices_send(on=dt.date(2027, 1, 6)) == 0


def test_flag_notices_wait_for_policy_staff_to_exist(db):
    goal = GoalFactory(agreed_on=AGREED)
    assert goal_flag_notices_send(on=dt.date(2026, 6, 1)) == 0
    assert not GoalNotice.objects.filter(goal=goal).exists()


def test_flag_task_run_twice_sends_one_email(policy, django_capture_on_commit_callbacks):
    today = timezone.localdate()
    GoalFactory(agreed_on=today - dt.timedelta(days=200), deadline=today + dt.timedelta(days=30))
    with django_capture_on_commit_callbacks(execute=True):
        assert notify_goal_flags.apply().get() == 1
        assert notify_goal_flags.apply().get() == 0
    assert OutgoingEmail.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_flag_runs_send_each_notice_once():
    """Four beat runs at the same moment: one e-mail per goal and flag."""
    from tests.factories import StaffProfileFactory

    StaffProfileFactory(policy_staff=True)
    goals = [GoalFactory(agreed_on=AGREED) for _ in range(5)]
    sent = [
        n for _, n in run_at_once(*[lambda: goal_flag_notices_send(on=dt.date(2026, 6, 1))] * 4)
    ]
    assert sum(sent) == 5
    assert GoalNotice.objects.filter(goal__in=goals).count() == 5
    assert OutgoingEmail.objects.filter(key__startswith="goal-flag:").count() == 5


def test_a_goal_measured_after_its_notice_was_claimed_is_not_e_mailed(policy):
    from network.notices import goal_flags_sweep, goal_notices_send

    on = dt.date(2026, 6, 1)
    goal = GoalFactory(agreed_on=AGREED)  # no measurement since January
    claimed = goal_flags_sweep(on=on).claimed
    assert len(claimed) == 1
    ProgressFactory(goal=goal, measured_on=on, value=Decimal("120"))
    assert goal_notices_send(notice_ids=claimed, on=on) == 0
    assert GoalNotice.objects.get().closed_at is not None
    assert not OutgoingEmail.objects.exists()
