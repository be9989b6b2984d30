"""The desk dashboard's rollup brought up to date incrementally: after random changes through
the services the rows equal a full rebuild's, a refresh re-counts only the periods that
changed, two refreshes at once count once, a worker that dies mid-run leaves the previous
state, a new week rebuilds in full, and the number of queries does not grow with the
questions."""

from __future__ import annotations

import datetime as dt
import io
import random

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from meetings.models import QuestionStatMark, QuestionWeekStat, SupportRequest
from meetings.support import services
from meetings.support.constants import TRANSITIONS, SupportStatus
from sportloket.models import QuestionCategory
from tests.concurrency import run_at_once
from tests.meetings.factories import SupportRequestFactory

pytestmark = pytest.mark.django_db


def rows(desk) -> list[tuple]:
    return sorted(
        (period, status, category_id or 0, n)
        for period, status, category_id, n in QuestionWeekStat.objects.filter(
            desk=desk
        ).values_list("period_start", "status", "category_id", "count")
    )


def direct_count(desk, now: dt.datetime) -> list[tuple]:
    """The rollup's meaning, counted in Python from the questions themselves."""
    window = services.stats_window_start(timezone.localtime(now).date())
    counts: dict[tuple, int] = {}
    for created_at, status, category_id in SupportRequest.objects.filter(desk=desk).values_list(
        "created_at", "status", "category_id"
    ):
        day = timezone.localtime(created_at).date()
        if day < window:
            continue
        key = (services.stats_period_start(day), status, category_id)
        counts[key] = counts.get(key, 0) + 1
    return sorted(
        (period, status, category_id or 0, n) for (period, status, category_id), n in counts.items()
    )


def make_history(desk, rng: random.Random, n: int, *, now: dt.datetime) -> list[SupportRequest]:
    """``n`` questions received over 60 weeks (some before the window), in varied statuses and
    categories, last touched when they were received (as loaded history is)."""
    categories = [None, *QuestionCategory.objects.order_by("pk")[:4]]
    made = SupportRequestFactory.create_batch(n, desk=desk)
    for question in made:
        received = now - dt.timedelta(days=rng.randint(0, 420), hours=rng.randint(0, 23))
        status = rng.choice(list(SupportStatus))
        SupportRequest.objects.filter(pk=question.pk).update(
            created_at=received,
            last_activity_at=received,
            status=status,
            is_open=status in {"new", "triaged", "handed_over", "waiting"},
            clock_running=status in {"new", "triaged"},
            category=rng.choice(categories),
        )
    return list(SupportRequest.objects.filter(pk__in=[q.pk for q in made]))


def random_changes(desk, supporter, rng: random.Random, questions, *, count: int) -> None:
    """Status and category changes through the services, and new questions."""
    categories = list(QuestionCategory.objects.order_by("pk")[:4])
    for question in rng.sample(questions, count):
        question.refresh_from_db()
        targets = sorted(TRANSITIONS[question.status] - {SupportStatus.HANDED_OVER})
        if targets and rng.random() < 0.7:
            services.support_request_transition(
                request=question, to=rng.choice(targets), by=supporter
            )
        else:
            services.support_request_update(
                request=question, by=supporter, category=rng.choice(categories)
            )
    for _ in range(rng.randint(0, 3)):
        SupportRequestFactory(desk=desk, category=rng.choice(categories))


@pytest.fixture
def no_overlap(monkeypatch):
    """Look for changes from the moment the last refresh began (the overlap is for changes
    committed while it ran, which a test in one thread does not have)."""
    monkeypatch.setattr(services, "STATS_CHANGES_OVERLAP", dt.timedelta(0))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_incremental_refreshes_after_random_changes_equal_a_full_rebuild(
    desk, supporter, no_overlap, seed
):
    rng = random.Random(seed)
    now = timezone.now()
    questions = make_history(desk, rng, 120, now=now)
    services.desk_stats_refresh(desk=desk, now=now)
    assert rows(desk) == direct_count(desk, now)
    all_rows = len(rows(desk))
    for _round in range(4):
        random_changes(desk, supporter, rng, questions, count=6)
        written = services.desk_stats_refresh(desk=desk, now=now)
        incremental = rows(desk)
        assert incremental == direct_count(desk, now)
        assert written < all_rows  # only the periods of the changed questions were counted
        services.desk_stats_refresh(desk=desk, now=now, full=True)
        assert rows(desk) == incremental


def test_a_refresh_with_nothing_changed_writes_nothing(desk, supporter, no_overlap):
    now = timezone.now()
    make_history(desk, random.Random(4), 40, now=now)
    services.desk_stats_refresh(desk=desk, now=now)
    before = rows(desk)
    assert services.desk_stats_refresh(desk=desk, now=now) == 0
    assert rows(desk) == before


def test_a_change_committed_while_the_last_refresh_ran_is_counted_by_the_next(desk, supporter):
    """A question's ``last_activity_at`` is taken before its transaction commits; a refresh
    that began after that moment but read before the commit must not leave it out for good."""
    now = timezone.now()
    questions = make_history(desk, random.Random(5), 30, now=now)
    services.desk_stats_refresh(desk=desk, now=now)
    mark = QuestionStatMark.objects.get(desk=desk)
    question = next(
        q
        for q in questions
        if timezone.localtime(q.created_at).date() >= mark.window_start
        and SupportStatus.RESOLVED in TRANSITIONS[q.status]
    )
    SupportRequest.objects.filter(pk=question.pk).update(
        status=SupportStatus.RESOLVED,
        is_open=False,
        clock_running=False,
        last_activity_at=mark.changes_since + dt.timedelta(seconds=1),
    )
    services.desk_stats_refresh(desk=desk, now=now)
    assert rows(desk) == direct_count(desk, now)


def test_every_service_that_changes_status_or_category_marks_the_question(
    desk, supporter, partner_org
):
    """The incremental refresh finds changed questions by ``last_activity_at``."""
    question = SupportRequestFactory(desk=desk)
    long_ago = timezone.now() - dt.timedelta(days=30)

    def marked(change) -> bool:
        SupportRequest.objects.filter(pk=question.pk).update(last_activity_at=long_ago)
        change()
        return SupportRequest.objects.get(pk=question.pk).last_activity_at > long_ago

    category = QuestionCategory.objects.order_by("pk").last()
    assert marked(
        lambda: services.support_request_update(request=question, by=supporter, category=category)
    )
    assert marked(
        lambda: services.support_request_transition(
            request=question, to=SupportStatus.TRIAGED, by=supporter
        )
    )
    handover = None

    def hand_over():
        nonlocal handover
        handover = services.handover_create(
            request=question, organisation=partner_org, note="Graag contact", by=supporter
        )

    assert marked(hand_over)
    assert marked(lambda: services.handovers_expire(on=handover.respond_by + dt.timedelta(days=1)))
    assert SupportRequest.objects.get(pk=question.pk).status == SupportStatus.TRIAGED
    assert marked(
        lambda: services.support_request_transition(
            request=question, to=SupportStatus.RESOLVED, by=supporter
        )
    )
    assert marked(
        lambda: services.support_request_transition(
            request=question, to=SupportStatus.CLOSED, by=supporter
        )
    )


def test_a_new_week_rebuilds_in_full_and_drops_the_oldest_period(desk, supporter, no_overlap):
    now = timezone.now()
    make_history(desk, random.Random(6), 80, now=now)
    services.desk_stats_refresh(desk=desk, now=now)
    first = QuestionStatMark.objects.get(desk=desk)
    later = now + dt.timedelta(weeks=1)
    services.desk_stats_refresh(desk=desk, now=later)
    mark = QuestionStatMark.objects.get(desk=desk)
    assert mark.window_start == first.window_start + dt.timedelta(weeks=1)
    assert mark.rebuilt_at == later
    assert rows(desk) == direct_count(desk, later)
    assert min(r[0] for r in rows(desk)) >= mark.window_start


def test_a_worker_that_dies_mid_refresh_leaves_the_previous_state(
    desk, supporter, no_overlap, monkeypatch
):
    now = timezone.now()
    questions = make_history(desk, random.Random(7), 60, now=now)
    services.desk_stats_refresh(desk=desk, now=now)
    before = rows(desk)
    mark = QuestionStatMark.objects.get(desk=desk)
    random_changes(desk, supporter, random.Random(8), questions, count=5)

    def killed(*args, **kwargs):
        raise SystemExit("worker killed")

    monkeypatch.setattr(QuestionWeekStat.objects, "bulk_create", killed)
    with pytest.raises(SystemExit):
        services.desk_stats_refresh(desk=desk, now=now)
    monkeypatch.undo()
    assert rows(desk) == before
    assert QuestionStatMark.objects.get(desk=desk).changes_since == mark.changes_since
    services.desk_stats_refresh(desk=desk, now=now)
    assert rows(desk) == direct_count(desk, now)


def test_the_rebuild_command_rebuilds_in_full(desk, supporter):
    now = timezone.now()
    make_history(desk, random.Random(9), 30, now=now)
    services.desk_stats_refresh(desk=desk)
    # Questions loaded in bulk with an old ``last_activity_at`` bypass the services.
    SupportRequest.objects.filter(desk=desk).update(category=None)
    call_command("desk_stats_rebuild", desk=desk.name, stdout=io.StringIO())
    assert rows(desk) == direct_count(desk, timezone.now())


def _refresh_queries(desk, now) -> int:
    with CaptureQueriesContext(connection) as ctx:
        services.desk_stats_refresh(desk=desk, now=now)
    return len(ctx.captured_queries)


def test_queries_of_a_refresh_do_not_grow_with_the_questions(desk, supporter, no_overlap):
    """Nothing changed: the same 3 queries at 40 and 240 questions (the mark, the changed
    questions, the mark's update). A few changes: at most 10 statements at either size (one
    write per kind of row change: deleted, changed, new), plus a savepoint and its release
    here, whatever the number of questions and rows."""
    rng = random.Random(10)
    now = timezone.now()
    counts = []
    questions = []
    for n in (40, 200):
        questions += make_history(desk, rng, n, now=now)
        services.desk_stats_refresh(desk=desk, now=now, full=True)
        idle = _refresh_queries(desk, now)
        random_changes(desk, supporter, rng, questions, count=3)
        changed = _refresh_queries(desk, now)
        counts.append((idle, changed))
    assert counts[0][0] == counts[1][0] == 3
    assert all(changed <= 12 for _idle, changed in counts)
    assert rows(desk) == direct_count(desk, now)


def test_a_refresh_writes_only_the_rows_whose_count_changed(desk, supporter, no_overlap):
    """Moving one question from one status to another writes two rows (one count less, one
    more), not the period's other rows, which keep their time of computation."""
    now = timezone.now()
    make_history(desk, random.Random(14), 150, now=now)
    services.desk_stats_refresh(desk=desk, now=now)
    question = SupportRequestFactory(desk=desk)
    services.desk_stats_refresh(desk=desk, now=now)
    before = {
        (r.period_start, r.status, r.category_id): (r.count, r.refreshed_at)
        for r in QuestionWeekStat.objects.filter(desk=desk)
    }
    later = now + dt.timedelta(minutes=15)
    services.support_request_transition(request=question, to=SupportStatus.TRIAGED, by=supporter)
    assert services.desk_stats_refresh(desk=desk, now=later) == 2
    after = {
        (r.period_start, r.status, r.category_id): (r.count, r.refreshed_at)
        for r in QuestionWeekStat.objects.filter(desk=desk)
    }
    assert rows(desk) == direct_count(desk, later)
    touched = {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)}
    period = services.stats_period_start(timezone.localtime(question.created_at).date())
    assert touched <= {
        (period, SupportStatus.NEW, question.category_id),
        (period, SupportStatus.TRIAGED, question.category_id),
    }
    assert all(after[key][1] == later for key in touched if key in after)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_refreshes_at_the_same_moment_count_once(desk, supporter, no_overlap):
    now = timezone.now()
    questions = make_history(desk, random.Random(11), 80, now=now)
    services.desk_stats_refresh(desk=desk, now=now)
    for seed in (12, 13):
        random_changes(desk, supporter, random.Random(seed), questions, count=8)
        results = run_at_once(*[lambda: services.desk_stats_refresh(desk=desk, now=now)] * 2)
        assert [kind for kind, _ in results] == ["ok", "ok"]
        assert rows(desk) == direct_count(desk, now)
    first = QuestionStatMark.objects.get(desk=desk)
    run_at_once(*[lambda: services.desk_stats_refresh(desk=desk, now=now, full=True)] * 2)
    assert rows(desk) == direct_count(desk, now)
    assert QuestionStatMark.objects.get(desk=desk).changes_since >= first.changes_since
