"""Rising themes (count per quarter vs the quarter before) and recording signals."""

import datetime as dt

import pytest
from django.utils import timezone

from meetings.models import SupportRequest
from meetings.themes import Quarter, category_counts, is_rising, rising_themes, theme_counts
from network.constants import SignalSource
from network.models import Signal
from network.selectors import signal_list, signals_for_desk
from network.services import signal_record
from sportloket.models import QuestionCategory, Theme
from sportloket.services import DomainError
from tests.meetings.factories import SupportRequestFactory

from .factories import SignalFactory

Q2 = Quarter(2026, 2)


def questions(desk, category_name: str, day: dt.date, count: int) -> None:
    category = QuestionCategory.objects.get(name=category_name)
    for _i in range(count):
        request = SupportRequestFactory(desk=desk, category=category)
        # created_at is auto_now_add: move it into the quarter under test.
        SupportRequest.objects.filter(pk=request.pk).update(
            created_at=timezone.make_aware(dt.datetime.combine(day, dt.time(12)))
        )


@pytest.mark.parametrize(
    ("previous", "current", "rising"),
    [
        (0, 2, False),  # +2: fewer than 3 more questions
        (0, 3, True),  # from nothing to 3
        (4, 6, False),  # +2
        (6, 9, True),  # +3 and +50 %
        (8, 11, False),  # +3 but +37.5 %
        (10, 15, True),  # +5 and exactly +50 %
        (10, 14, False),  # +40 %
        (5, 3, False),  # falling
    ],
)
def test_is_rising_boundaries(previous, current, rising):
    assert is_rising(current=current, previous=previous) is rising


def test_rising_threshold_follows_the_settings(settings):
    settings.SPORTLOKET_RISING_MIN_INCREASE = 1
    settings.SPORTLOKET_RISING_MIN_PERCENT = 10
    assert is_rising(current=11, previous=10)


def test_quarter_parse_and_neighbours():
    assert Quarter.parse("2026-Q1", default=Q2) == Quarter(2026, 1)
    assert Quarter(2026, 1).previous == Quarter(2025, 4)
    assert Quarter(2025, 4).next == Quarter(2026, 1)
    assert Quarter(2026, 4).end == dt.date(2027, 1, 1)
    assert Quarter.of(dt.date(2026, 6, 30)) == Q2
    for bad in ("", "2026-Q5", "abc", "1900-Q1", "2026-Q1; drop table", None):
        assert Quarter.parse(bad, default=Q2) == Q2


def test_rising_themes_per_quarter_from_category_themes(desk, other_desk):
    # Q1: 2 safety questions; Q2: 5 safety (rising), 2 "trainers" (2 themes, not rising).
    questions(desk, "Sociale veiligheid", dt.date(2026, 2, 10), 2)
    questions(desk, "Sociale veiligheid", dt.date(2026, 4, 1), 3)
    questions(desk, "Sociale veiligheid", dt.date(2026, 6, 30), 2)
    questions(desk, "Opleiding en kwalificatie van trainers", dt.date(2026, 5, 5), 2)
    questions(desk, "Overig", dt.date(2026, 5, 5), 4)  # no theme
    questions(other_desk, "Kwetsbare doelgroepen", dt.date(2026, 5, 5), 9)  # other desk
    questions(desk, "Kwetsbare doelgroepen", dt.date(2026, 7, 1), 9)  # next quarter

    counts = {c.theme.name: (c.previous, c.current) for c in theme_counts(desk=desk, quarter=Q2)}
    assert counts == {
        "Sociaal veilige sport": (2, 5),
        "Vaardig in bewegen": (0, 2),
        "Vitale sportaanbieders": (0, 2),
    }
    rising = rising_themes(desk=desk, quarter=Q2)
    assert [c.theme.name for c in rising] == ["Sociaal veilige sport"]
    assert rising_themes(desk=desk, quarter=Quarter(2026, 3))[0].theme.name == (
        "Inclusie & diversiteit"
    )
    categories = {
        c["category__name"]: (c["total"], c["current"])
        for c in category_counts(desk=desk, quarter=Q2)
    }
    assert categories["Sociale veiligheid"] == (7, 5)
    assert categories["Overig"] == (4, 4)


def test_signal_record_and_refusals(desk, other_desk, supporter, policy):
    theme = Theme.objects.first()
    today = dt.date(2026, 5, 1)
    signal = signal_record(
        desk=desk,
        theme=theme,
        description="  Bestuurders overbelast ",
        source=SignalSource.SPORT_PLATFORM,
        recorded_on=today,
        by=supporter,
        today=today,
    )
    assert signal.description == "Bestuurders overbelast"
    assert signals_for_desk(desk=desk) == [signal]
    # policy staff of Utrecht may record for the Utrecht desk
    signal_record(
        desk=desk,
        theme=theme,
        description="x",
        source="municipality",
        recorded_on=today,
        by=policy,
        today=today,
    )
    bad = [
        {"desk": other_desk},
        {"source": "nonsense"},
        {"description": "   "},
        {"recorded_on": today + dt.timedelta(days=1)},
    ]
    for override in bad:
        kwargs = {
            "desk": desk,
            "theme": theme,
            "description": "x",
            "source": SignalSource.DESK,
            "recorded_on": today,
            "by": supporter,
            "today": today,
            **override,
        }
        with pytest.raises(DomainError):
            signal_record(**kwargs)
    assert Signal.objects.count() == 2


def test_signal_list_is_scoped(desk, other_desk, supporter, policy, other_policy, pos):
    own = SignalFactory(desk=desk)
    other = SignalFactory(desk=other_desk)
    assert list(signal_list(user=supporter)) == [own]
    assert list(signal_list(user=policy)) == [own]
    assert list(signal_list(user=other_policy)) == [other]
    assert set(signal_list(user=pos)) == {own, other}
