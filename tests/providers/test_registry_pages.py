"""The registry's pages: by key through their links, by number for old links, every provider
exactly once in every sort order (names that repeat included), filters kept, a capped count,
and no server error for a cursor that was edited."""

from __future__ import annotations

import datetime as dt
import io
from urllib.parse import parse_qsl

import pytest
from django.core.management import call_command
from django.utils import timezone

from providers import selectors
from providers.constants import ProviderKind, ProviderStatus
from providers.models import Provider
from tests.factories import ProviderFactory, municipality

pytestmark = pytest.mark.django_db
LIST = "/aanbieders/"
PER_PAGE = 25
# Three names shared by many providers (ties in the sort), in three municipalities, every
# kind and status, registered at a few shared moments.
NAMES = ("Alfa", "Bravo", "Charlie~Delta")
CBS_CODES = ("GM0344", "GM0363", "GM0599")
SORTS = ("", "-name", "kind", "-kind", "status", "-status", "municipality", "-municipality")
SORTS += ("created", "-created")


@pytest.fixture
def registry(db):
    """68 providers (pages of 25: two full, one of 18); the names, kinds, statuses,
    municipalities and registration times repeat."""
    kinds, statuses = list(ProviderKind.values), list(ProviderStatus.values)
    places = [municipality(code) for code in CBS_CODES]
    moment = timezone.now() - dt.timedelta(days=3)
    providers = []
    for i in range(68):
        provider = ProviderFactory(
            name=NAMES[i % 3],
            kind=kinds[i % len(kinds)],
            status=statuses[(i // 2) % len(statuses)],
            municipality=places[(i // 5) % 3],
        )
        providers.append(provider)
    # Shared registration moments: ties in the sort by date too.
    for i, provider in enumerate(providers):
        Provider.objects.filter(pk=provider.pk).update(
            created_at=moment + dt.timedelta(hours=i % 4)
        )
    return providers


def next_url(response) -> str:
    query = response.context["next_query"]
    return f"{LIST}?{query}" if response.context["page_obj"].next_cursor else ""


def previous_url(response) -> str:
    return (
        f"{LIST}?{response.context['previous_query']}"
        if response.context["page_obj"].number > 1
        else ""
    )


def walk(client, url: str, *, direction=next_url) -> list[list[str]]:
    """Follow the page links from ``url``: the rows' URLs of every page, in order."""
    pages = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, url
        pages.append([row.url for row in response.context["rows"]])
        url = direction(response)
        assert len(pages) <= 20, "the links go round in a circle"
    return pages


def expected(order: str, **filters) -> list[str]:
    """The registry's order, independently: the sort column, then name, then id."""
    descending = order.startswith("-")
    column = {"": "name", "municipality": "municipality__name", "created": "created_at"}.get(
        order.lstrip("-"), order.lstrip("-")
    )
    keys = (
        [column, "name", "id"]
        if column in {"kind", "status", "municipality__name"}
        else [column, "id"]
    )
    rows = Provider.objects.filter(**filters).order_by(
        *(f"-{k}" if descending else k for k in keys)
    )
    return [f"/aanbieders/{pk}/" for pk in rows.values_list("pk", flat=True)]


@pytest.mark.parametrize("order", SORTS)
def test_walking_the_links_shows_every_provider_once_in_every_sort(
    client, pos_staff, registry, order
):
    client.force_login(pos_staff)
    start = f"{LIST}?order={order}" if order else LIST
    pages = walk(client, start)
    assert [len(page) for page in pages] == [25, 25, 18]
    seen = [url for page in pages for url in page]
    assert seen == expected(order)
    assert len(set(seen)) == len(registry)
    # Every link after the first page goes by key, with the page number shown.
    response = client.get(start)
    params = dict(parse_qsl(response.context["next_query"]))
    assert params["page"] == "2"
    assert params["after"]


@pytest.mark.parametrize("order", ["", "-name", "municipality", "-created"])
def test_previous_links_walk_back_through_the_same_pages(client, pos_staff, registry, order):
    client.force_login(pos_staff)
    forward = walk(client, f"{LIST}?order={order}")
    last = client.get(f"{LIST}?order={order}")
    for _ in range(len(forward) - 1):
        last = client.get(next_url(last))
    back = walk(client, previous_url(last), direction=previous_url)
    assert back == forward[-2::-1]
    assert last.context["page_obj"].number == len(forward)


def test_page_links_keep_the_filters(client, pos_staff, registry):
    client.force_login(pos_staff)
    utrecht = municipality("GM0344")
    query = f"status=active&municipality={utrecht.pk}&order=-name&per_page=25"
    text = client.get(f"{LIST}?{query}").content.decode()
    assert f'<option value="{utrecht.pk}" selected>Utrecht</option>' in text
    assert '<option value="active" selected>' in text
    pages = walk(client, f"{LIST}?{query}")
    seen = [url for page in pages for url in page]
    assert seen == expected("-name", status="active", municipality=utrecht)
    assert seen  # the filter leaves some
    response = client.get(f"{LIST}?{query}&per_page=25")
    params = dict(parse_qsl(response.context["next_query"] or "x=1"))
    if len(seen) > PER_PAGE:
        assert params["status"] == "active"
        assert params["municipality"] == str(utrecht.pk)


def test_a_filter_with_more_than_one_page_pages_by_key(client, pos_staff, registry):
    client.force_login(pos_staff)
    pages = walk(client, f"{LIST}?kind=club&order=-kind")
    seen = [url for page in pages for url in page]
    assert len(pages) == 1 or all(len(page) == PER_PAGE for page in pages[:-1])
    assert seen == expected("-kind", kind="club")
    pages = walk(client, f"{LIST}?safety=not_eligible&order=status&per_page=25")
    assert [url for page in pages for url in page] == expected("status")  # none is eligible


def test_the_page_number_alone_still_works_for_old_links(client, pos_staff, registry):
    client.force_login(pos_staff)
    by_links = walk(client, LIST)
    for number, rows in enumerate(by_links, start=1):
        response = client.get(f"{LIST}?page={number}")
        assert [row.url for row in response.context["rows"]] == rows
        assert response.context["page_obj"].number == number
    # Beyond the last page: the last page, as before.
    assert client.get(f"{LIST}?page=99").context["page_obj"].number == len(by_links)


@pytest.mark.parametrize(
    "cursor",
    [
        "after=zzz",
        "after=Alfa",
        "after=Alfa~notanumber",
        "after=Alfa~99999999999999999999999999",
        "after=Alfa~-1",
        "after=Alfa~1~2~3",
        "after=" + "x" * 5000 + "~1",
        "after=%00~1",
        "before=%00~1",
        "before=Alfa~1&after=",
        "after=~",
        "after=Alfa~1&order=created",
        "after=2026-01-01T00:00:00~1&order=created",
        "after=Alfa~1&order=municipality",
        "page=-3&after=Alfa~1",
        "page=99999999999999999999&after=zzz",
    ],
)
def test_an_edited_cursor_gives_a_page_not_an_error(client, pos_staff, registry, cursor):
    client.force_login(pos_staff)
    response = client.get(f"{LIST}?{cursor}")
    assert response.status_code == 200
    assert response.context["rows"] or "Geen aanbieders" in response.content.decode()


def test_a_cursor_past_the_end_shows_an_empty_page_without_a_next_link(client, pos_staff, registry):
    client.force_login(pos_staff)
    response = client.get(f"{LIST}?page=4&after=Zulu~1")
    assert response.status_code == 200
    assert response.context["rows"] == []
    assert not response.context["page_obj"].next_cursor
    assert "Geen aanbieders gevonden" in response.content.decode()


def test_the_count_stops_at_its_limit(client, pos_staff, registry, monkeypatch):
    client.force_login(pos_staff)
    text = client.get(LIST).content.decode()
    assert "68 aanbieders" in text
    assert "Pagina 1 van 3" in text
    monkeypatch.setattr(selectors, "REGISTRY_COUNT_LIMIT", 50)
    response = client.get(LIST)
    text = response.content.decode()
    assert "Meer dan 50 aanbieders" in text
    assert "Pagina 1<" in text
    # The pages still reach every provider.
    seen = [url for page in walk(client, LIST) for url in page]
    assert len(seen) == len(set(seen)) == 68


def test_the_fill_makes_a_registry_with_repeating_names(db):
    call_command("fill_providers", count=120, stdout=io.StringIO())
    filled = Provider.objects.filter(email__endswith="@bench.example")
    assert filled.count() == 120
    call_command("fill_providers", count=120, stdout=io.StringIO())
    assert filled.count() == 120
    call_command("fill_providers", count=130, stdout=io.StringIO())
    assert filled.count() == 130
    assert len(set(filled.values_list("kvk_number", flat=True))) == 130
    assert filled.values("municipality").distinct().count() > 20
    assert filled.values("status").distinct().count() == 3
    links = Provider.sports.through.objects.filter(provider__in=filled)
    assert links.values("provider").distinct().count() == 130
    assert Provider.target_groups.through.objects.filter(provider__in=filled).count() == 130
