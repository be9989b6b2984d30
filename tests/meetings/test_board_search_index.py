"""The board's search reads the full-text index of the open questions (``sr_search_open``,
migration 0017) for the open queue: the same rows in the same order as without it, on either
database."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from meetings.models import SupportRequest
from meetings.support import services
from meetings.support.constants import Channel, SupportStatus
from tests.factories import DeskFactory, ProviderFactory

pytestmark = pytest.mark.django_db

BOARD = reverse("meetings:board")
SEARCHES = [
    "q=zwembad",  # the open queue, deadline first
    "q=zwembad&sort=-activity",  # the open queue, last activity first
    "q=zwembad&sort=-priority",
    "q=zwembaden&status=",  # every status: the plural finds the singular on PostgreSQL
    "q=zwembad&status=closed",
    "q=kraaien",  # a provider's name
    "q=kraaien&status=",
]


def board_ids(client, query):
    response = client.get(f"{BOARD}?{query}")
    assert response.status_code == 200
    return [int(pk) for pk in re.findall(r'id="row-(\d+)"', response.content.decode())]


@pytest.fixture
def questions(desk):
    """Open and closed questions about a swimming pool (in the subject or the question), others
    not, one of another desk, and one of a provider named "Kraaien"; deadlines, last activity
    and priorities in different orders."""
    now = timezone.now()
    kraaien = ProviderFactory(name="Hockeyclub De Kraaien")
    made = []
    for i in range(12):
        pool = i % 3 != 2
        made.append(
            services.support_request_create(
                desk=desk,
                provider=kraaien if i == 7 else ProviderFactory(),
                subject="Huur zwembad" if pool and i % 2 else f"Vraag {i}",
                question="Wat kost het zwembad per uur?" if pool and not i % 2 else "Iets anders",
                channel=Channel.PHONE,
            )
        )
    for i, question in enumerate(made):
        closed = i in (1, 4, 9)
        SupportRequest.objects.filter(pk=question.pk).update(
            deadline=timezone.localdate() + dt.timedelta(days=(i * 5) % 7),
            last_activity_at=now - dt.timedelta(hours=(i * 7) % 11),
            priority=1 + i % 4,
            **(
                {"status": SupportStatus.CLOSED, "is_open": False, "clock_running": False}
                if closed
                else {}
            ),
        )
    services.support_request_create(
        desk=DeskFactory(name="Ander loket"),
        provider=ProviderFactory(),
        subject="Zwembad elders",
        question="Zwembad",
        channel=Channel.PHONE,
    )
    return made


def expected(desk, query):
    """The board's rows for ``query`` worked out in Python from the rows themselves."""
    params = dict(part.split("=") for part in query.split("&"))
    word = params["q"]
    status = params.get("status", "open")
    sort = params.get("sort", "deadline")
    # PostgreSQL's full-text search stems ("zwembaden" finds "zwembad"); SQLite's LIKE does not.
    text_word = "zwembad" if connection.vendor == "postgresql" and "zwembad" in word else word
    rows = [
        r
        for r in SupportRequest.objects.filter(desk=desk).select_related("provider")
        if (text_word in (r.subject + " " + r.question).lower() or word in r.provider.name.lower())
        and (status == "" or (r.is_open if status == "open" else r.status == status))
    ]
    keys = {
        "deadline": lambda r: (r.deadline, r.pk),
        "-activity": lambda r: (-r.last_activity_at.timestamp(), -r.pk),
        "-priority": lambda r: (-r.priority, r.deadline, r.pk),
    }
    return [r.pk for r in sorted(rows, key=keys[sort])]


def test_board_search_keeps_its_rows_and_order(client, desk, supporter, questions):
    client.force_login(supporter)
    for query in SEARCHES:
        found = board_ids(client, query)
        assert found == expected(desk, query), query
    assert len(board_ids(client, "q=zwembad&sort=-activity")) > 3
    assert board_ids(client, "q=zwembad&status=closed")
    assert board_ids(client, "q=kraaien")


@pytest.mark.postgres
def test_the_open_questions_index_has_the_search_expression_and_changes_no_result(
    client, desk, supporter, questions
):
    """The index is only of use with the expression of ``search_q`` (the one of ``sr_search``);
    the board finds the same rows in the same order with it and without it. (That the planner
    reads it at 5,000,000 questions: docs/benchmarks.md; at CI size: tests/bench.)"""
    client.force_login(supporter)
    with_index = {query: board_ids(client, query) for query in SEARCHES}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE 'sr_search%%'"
        )
        definitions = dict(cursor.fetchall())
        assert definitions["sr_search_open"] == (
            definitions["sr_search"].replace("sr_search", "sr_search_open") + " WHERE is_open"
        )
        # Without the index (dropped in this test's transaction): the same rows, same order.
        cursor.execute("DROP INDEX sr_search_open")
    assert {query: board_ids(client, query) for query in SEARCHES} == with_index
