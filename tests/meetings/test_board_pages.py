"""The board's pages continue from the last row's sort key ("seek"), so a deep page costs what
the first costs; page numbers stay in the links, and an old or edited link still works."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from meetings.models import SupportRequest
from meetings.support import selectors
from meetings.support.constants import Channel, SupportStatus
from tests.factories import ProviderFactory

pytestmark = pytest.mark.django_db

BOARD = reverse("meetings:board")
QUESTIONS = 2 * selectors.BOARD_PAGE_SIZE + 7


@pytest.fixture
def questions(desk):
    """Questions with many equal sort values (deadline, priority), so that the pk decides."""
    provider = ProviderFactory()
    now = timezone.now()
    today = timezone.localdate()
    rows = [
        SupportRequest(
            desk=desk,
            provider=provider,
            municipality=provider.municipality,
            subject=f"Vraag {i}",
            question="Vraag",
            channel=Channel.PHONE,
            status=SupportStatus.NEW,
            priority=1 + i % 3,
            public_token=f"token-{i:040d}",
            deadline=today + dt.timedelta(days=i % 4),
            last_activity_at=now - dt.timedelta(hours=i % 5),
        )
        for i in range(QUESTIONS)
    ]
    return SupportRequest.objects.bulk_create(rows)


def page(client, query):
    response = client.get(f"{BOARD}?{query}")
    assert response.status_code == 200
    html = response.content.decode()
    ids = [int(pk) for pk in re.findall(r'id="row-(\d+)"', html)]
    links = {
        label: link.replace("&amp;", "&")
        for link, label in re.findall(r'href="\?([^"]*)">(Volgende|Vorige)</a>', html)
    }
    return ids, links


@pytest.mark.parametrize(
    "sort", ["deadline", "-deadline", "-received", "received", "-activity", "activity", "-priority"]
)
def test_next_and_previous_walk_every_question_once_in_the_sort_order(
    client, supporter, questions, sort
):
    client.force_login(supporter)
    walked, pages, query = [], [], f"sort={sort}"
    while True:
        ids, links = page(client, query)
        walked += ids
        pages.append((query, ids))
        if "Volgende" not in links:
            break
        query = links["Volgende"]
        assert "page=" in query
        assert "after=" in query
    assert len(walked) == QUESTIONS == len(set(walked))
    # The same order as numbered pages read by OFFSET (links from before keyset pages).
    numbered = []
    for number in range(1, len(pages) + 1):
        numbered += page(client, f"sort={sort}&page={number}")[0]
    assert walked == numbered
    # Previous goes back through the same pages; page 1 is the board's plain address.
    _ids, links = page(client, pages[-1][0])
    for _query, ids in reversed(pages[:-1]):
        back, links_back = page(client, links["Vorige"])
        assert back == ids
        links = links_back
    assert "after=" not in links.get("Vorige", "")
    assert "Vorige" not in links


@pytest.mark.parametrize(
    "cursor",
    ["garbage", "2026-13-45~1", "~", "1~2~3~4~5", "2026-01-01", "x" * 500, "2026-01-01~abc"],
)
def test_an_edited_cursor_falls_back_to_the_page_number(client, supporter, questions, cursor):
    client.force_login(supporter)
    second = page(client, "page=2")[0]
    assert page(client, f"page=2&after={cursor}")[0] == second
    assert page(client, f"page=2&before={cursor}")[0] == second


def test_a_deep_page_reads_from_its_cursor_not_by_offset(client, supporter, questions):
    client.force_login(supporter)
    _ids, links = page(client, "status=")
    with CaptureQueriesContext(connection) as first:
        page(client, "status=")
    with CaptureQueriesContext(connection) as deeper:
        ids, _links = page(client, links["Volgende"])
    assert len(ids) == selectors.BOARD_PAGE_SIZE
    assert len(deeper) == len(first)
    page_sql = [q["sql"] for q in deeper.captured_queries if "meetings_supportrequest" in q["sql"]]
    assert page_sql
    assert not any("OFFSET" in sql for sql in page_sql)
