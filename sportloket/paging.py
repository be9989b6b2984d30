"""Pages of a sorted list: by number (OFFSET) for shallow pages and old links, by key ("seek")
for the links a page offers.

A page link carries the sort key of the row it continues from, and the next page starts there
in the index instead of skipping OFFSET rows (page 4,000 of the closed questions read 100,000
rows: 0.5 s at 500,000 questions). Used by the triage board and the provider registry.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import connection
from django.db.models import F, Q, QuerySet

# Row-value comparisons, (a, b) > (x, y): Django's own lookups for composite keys.
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan
from django.utils import timezone

PAGE_SIZE = 25
CURSOR_SEPARATOR = "~"


def page_of(qs: QuerySet, *, page: int, size: int = PAGE_SIZE) -> tuple[list, bool]:
    """One page and whether another follows: one query, no COUNT(*) over the whole list."""
    offset = (page - 1) * size
    rows = list(qs[offset : offset + size + 1])
    return rows[:size], len(rows) > size


def cursor_of(obj, order: tuple[str, ...]) -> str:
    """The sort key of ``obj`` under ``order`` (``"-deadline", "-id"``) as a URL value."""
    parts = []
    for name in order:
        value = getattr(obj, name.lstrip("-"))
        text = value.isoformat() if hasattr(value, "isoformat") else str(value)
        # A text key (a name) may hold the separator: escaped, as "%" itself.
        parts.append(text.replace("%", "%25").replace(CURSOR_SEPARATOR, "%7E"))
    return CURSOR_SEPARATOR.join(parts)


def _field(qs: QuerySet, name: str):
    """The model field, or the output field of an annotation, named ``name``."""
    if name in qs.query.annotations:
        return qs.query.annotations[name].output_field
    return qs.model._meta.pk if name == "pk" else qs.model._meta.get_field(name)


def _parse_cursor(qs: QuerySet, order: tuple[str, ...], cursor: str) -> list | None:
    """The values of a cursor, or None for one that does not fit the sort (edited, or from
    another sort order): the caller then starts from the page number."""
    if "\x00" in cursor:  # PostgreSQL stores no NUL character: not a value of any row
        return None
    parts = cursor.split(CURSOR_SEPARATOR)
    if len(parts) != len(order):
        return None
    values = []
    for name, part in zip(order, parts, strict=True):
        try:
            field = _field(qs, name.lstrip("-"))
            value = field.to_python(part.replace("%7E", CURSOR_SEPARATOR).replace("%25", "%"))
            # The field's own limits (an integer the column cannot hold, a text too long):
            # the database would refuse the comparison with an error.
            field.run_validators(value)
        except (ValidationError, FieldDoesNotExist, ValueError, TypeError, OverflowError):
            return None
        if value is None:
            return None
        if isinstance(value, dt.datetime) and settings.USE_TZ and timezone.is_naive(value):
            value = timezone.make_aware(value)  # an edited cursor: read in local time
        values.append(value)
    return values


def _beyond(order: tuple[str, ...], values: list) -> Q:
    """Rows after ``values`` in ``order``. The longest tail of one direction is one row-value
    comparison, ``(deadline, id) > (%s, %s)``, which PostgreSQL reads as a range of the
    matching index; a leading key of another direction gets an inclusive bound too, so that
    the scan starts at its value."""
    names = [name.lstrip("-") for name in order]
    descending = [name.startswith("-") for name in order]
    tail = len(order) - 1
    while tail > 0 and descending[tail - 1] == descending[-1]:
        tail -= 1
    if tail == len(order) - 1:
        lookup = "lt" if descending[-1] else "gt"
        condition = Q(**{f"{names[-1]}__{lookup}": values[-1]})
    else:
        comparison = TupleLessThan if descending[-1] else TupleGreaterThan
        condition = Q(comparison(Tuple(*(F(n) for n in names[tail:])), tuple(values[tail:])))
    for i in range(tail - 1, -1, -1):
        strict = "lt" if descending[i] else "gt"
        condition = Q(**{f"{names[i]}__{strict}": values[i]}) | (
            Q(**{names[i]: values[i]}) & condition
        )
    if tail > 0 or (len(order) > 1 and connection.vendor == "sqlite"):
        # SQLite, too, starts its index range at the value only with a plain bound on the
        # first key (with the row-value comparison alone: 8 times the time for a deep page).
        inclusive = "lte" if descending[0] else "gte"
        condition &= Q(**{f"{names[0]}__{inclusive}": values[0]})
    return condition


@dataclass
class Page:
    """One page of a sorted list: its rows and the cursors of the pages around it (empty when
    there is none)."""

    rows: list
    next_cursor: str
    previous_cursor: str


def seek_page(
    qs: QuerySet, *, page: int, after: str = "", before: str = "", size: int = PAGE_SIZE
) -> Page:
    """One page of ``qs`` (sorted, with a unique last key such as the pk): the rows after the
    cursor ``after`` or before ``before``; without a usable cursor, page ``page`` by OFFSET
    (links from before, bookmarks), which costs more the deeper it is."""
    order = tuple(qs.query.order_by)
    values = None
    backwards = bool(before) and not after
    if after or before:
        values = _parse_cursor(qs, order, after or before)
    if values is None:
        rows, more = page_of(qs, page=page, size=size)
        backwards = False
    elif backwards:
        flipped = tuple(name[1:] if name.startswith("-") else f"-{name}" for name in order)
        rows = list(qs.filter(_beyond(flipped, values)).order_by(*flipped)[: size + 1])
        more = len(rows) > size
        rows = rows[:size][::-1]
    else:
        rows = list(qs.filter(_beyond(order, values))[: size + 1])
        more = len(rows) > size
        rows = rows[:size]
    has_next = True if backwards else more
    has_previous = (more if backwards else page > 1) and bool(rows)
    return Page(
        rows=rows,
        next_cursor=cursor_of(rows[-1], order) if has_next and rows else "",
        previous_cursor=cursor_of(rows[0], order) if has_previous else "",
    )
