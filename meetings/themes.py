"""Support questions counted per theme and quarter, and which themes rise.

Rising theme (seed 001, strategic level): the support questions of a desk are counted per
theme of their category (``QuestionCategory.themes``; a question whose category has two themes
counts for both) in a quarter and in the quarter before. A theme *rises* when

    current - previous >= SPORTLOKET_RISING_MIN_INCREASE   (default 3)   and
    (current - previous) * 100 >= SPORTLOKET_RISING_MIN_PERCENT * previous   (default 50 %)

so growth from 0 to 3 rises, 4 → 6 does not (+2), 6 → 9 does (+3, +50 %), 10 → 14 does not
(+40 %). Quarters are calendar quarters in Europe/Amsterdam.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from sportloket.models import Desk, QuestionCategory, Theme

from .models import SupportRequest

QUARTER_RE = re.compile(r"^(\d{4})-Q([1-4])$")


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int

    @classmethod
    def of(cls, day: dt.date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def parse(cls, text: str | None, *, default: Quarter) -> Quarter:
        """``2026-Q3``; anything else (or a year outside 2000–2100) gives ``default``."""
        match = QUARTER_RE.match(text or "")
        if not match or not 2000 <= int(match.group(1)) <= 2100:
            return default
        return cls(int(match.group(1)), int(match.group(2)))

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> dt.date:
        """The first day after the quarter."""
        return self.next.start

    @property
    def previous(self) -> Quarter:
        if self.number == 1:
            return Quarter(self.year - 1, 4)
        return Quarter(self.year, self.number - 1)

    @property
    def next(self) -> Quarter:
        if self.number == 4:
            return Quarter(self.year + 1, 1)
        return Quarter(self.year, self.number + 1)

    def __str__(self) -> str:
        return f"{self.year}-Q{self.number}"


def _aware(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@dataclass(frozen=True)
class ThemeCount:
    theme: Theme
    current: int
    previous: int

    @property
    def increase(self) -> int:
        return self.current - self.previous

    @property
    def rising(self) -> bool:
        return is_rising(current=self.current, previous=self.previous)


def is_rising(*, current: int, previous: int) -> bool:
    increase = current - previous
    return (
        increase >= settings.SPORTLOKET_RISING_MIN_INCREASE
        and increase * 100 >= settings.SPORTLOKET_RISING_MIN_PERCENT * previous
    )


def _questions(desk: Desk, quarter: Quarter) -> QuerySet[SupportRequest]:
    return SupportRequest.objects.filter(
        desk=desk,
        created_at__gte=_aware(quarter.previous.start),
        created_at__lt=_aware(quarter.end),
    )


def themes_from_categories(
    current: Mapping[int | None, int], previous: Mapping[int | None, int]
) -> list[ThemeCount]:
    """Questions per theme from questions per category id (a question counts for every theme
    of its category), most first. Reads every category-theme link, a small reference table:
    one query, also when nothing was asked. The quality page counts the categories live, the
    desk dashboard from its rollup; both come through here."""
    links = QuestionCategory.themes.through.objects.select_related("theme")
    themes: dict[int, Theme] = {}
    now: Counter[int] = Counter()
    before: Counter[int] = Counter()
    for link in links:
        category = link.questioncategory_id
        if category not in current and category not in previous:
            continue
        themes[link.theme_id] = link.theme
        now[link.theme_id] += current.get(category, 0)
        before[link.theme_id] += previous.get(category, 0)
    counts = [ThemeCount(theme=themes[pk], current=now[pk], previous=before[pk]) for pk in themes]
    return sorted(counts, key=lambda c: (-c.current, c.theme.ordering, c.theme.name))


def quarter_counts(*, desk: Desk, quarter: Quarter) -> tuple[list[ThemeCount], list[dict]]:
    """Questions per theme and per category in ``quarter`` and the quarter before (2 queries).

    One pass over the desk's questions of the two quarters (index ``sr_desk_created``), so
    the cost follows the desk's own questions, not every question in the country."""
    in_current = Q(created_at__gte=_aware(quarter.start))
    categories = list(
        _questions(desk, quarter)
        .values("category_id", "category__name")
        .annotate(current=Count("pk", filter=in_current), total=Count("pk"))
        .order_by("-current", "category__name")
    )
    current = {row["category_id"]: row["current"] for row in categories}
    previous = {row["category_id"]: row["total"] - row["current"] for row in categories}
    return themes_from_categories(current, previous), categories


def theme_counts(*, desk: Desk, quarter: Quarter) -> list[ThemeCount]:
    """Questions per theme in ``quarter`` and the quarter before, most first."""
    return quarter_counts(desk=desk, quarter=quarter)[0]


def category_counts(*, desk: Desk, quarter: Quarter) -> list[dict]:
    """Questions per category in ``quarter`` and the quarter before, most first."""
    return quarter_counts(desk=desk, quarter=quarter)[1]


def rising_among(counts: list[ThemeCount]) -> list[ThemeCount]:
    """The rising themes of ``theme_counts``' result, biggest increase first."""
    return sorted((c for c in counts if c.rising), key=lambda c: (-c.increase, c.theme.name))


def rising_themes(*, desk: Desk, quarter: Quarter) -> list[ThemeCount]:
    """The themes that rise in ``quarter`` (see the module docstring), biggest increase first.

    The desk dashboard reads the same from its rollup (``reports.selectors``)."""
    return rising_among(theme_counts(desk=desk, quarter=quarter))
