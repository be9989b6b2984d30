"""The registry's sort by municipality: the provider's copy of its municipality's name, kept by
the database on every way a row is written, and the pages by key over it (ties of names,
municipalities of the same name, both directions)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from providers.constants import ProviderSource
from providers.models import Provider
from sportloket.models import Municipality
from tests.factories import ProviderFactory, municipality

pytestmark = pytest.mark.django_db
LIST = "/aanbieders/"


def stored_name(provider: Provider) -> str:
    return Provider.objects.values_list("municipality_name", flat=True).get(pk=provider.pk)


def test_a_new_provider_gets_its_municipality_name():
    provider = ProviderFactory(municipality=municipality("GM0363"))
    assert stored_name(provider) == "Amsterdam"


def test_bulk_created_providers_get_their_municipality_name():
    amsterdam, utrecht = municipality("GM0363"), municipality("GM0344")
    made = Provider.objects.bulk_create(
        Provider(name=f"Bulk {i}", municipality=place, source=ProviderSource.IMPORT)
        for i, place in enumerate([amsterdam, utrecht, amsterdam])
    )
    assert [stored_name(p) for p in made] == ["Amsterdam", "Utrecht", "Amsterdam"]


def test_a_change_of_municipality_changes_the_name_by_save_and_by_update():
    provider = ProviderFactory(municipality=municipality("GM0344"))
    provider.refresh_from_db()
    provider.municipality = municipality("GM0363")
    provider.save()
    assert stored_name(provider) == "Amsterdam"
    Provider.objects.filter(pk=provider.pk).update(municipality=municipality("GM0599"))
    assert stored_name(provider) == "Rotterdam"


def test_the_application_cannot_write_another_name():
    provider = ProviderFactory(municipality=municipality("GM0344"))
    Provider.objects.filter(pk=provider.pk).update(municipality_name="Elders")
    assert stored_name(provider) == "Utrecht"
    provider.municipality_name = "Elders"
    provider.save()
    assert stored_name(provider) == "Utrecht"


def test_a_renamed_municipality_renames_its_providers_only():
    utrecht, amsterdam = municipality("GM0344"), municipality("GM0363")
    in_utrecht = ProviderFactory(municipality=utrecht)
    in_amsterdam = ProviderFactory(municipality=amsterdam)
    utrecht.name = "Utrecht (stad)"
    utrecht.save()
    assert stored_name(in_utrecht) == "Utrecht (stad)"
    assert stored_name(in_amsterdam) == "Amsterdam"
    Municipality.objects.filter(pk=amsterdam.pk).update(name="Mokum")
    assert stored_name(in_amsterdam) == "Mokum"


def test_a_municipality_made_after_its_provider_in_one_transaction_names_it():
    # The foreign keys are checked at commit: a load of data may bring the provider first.
    with transaction.atomic():
        provider = ProviderFactory(municipality_id=990_001)
        Municipality.objects.create(pk=990_001, cbs_code="GM9901", name="Nieuwe Gemeente")
    assert stored_name(provider) == "Nieuwe Gemeente"


def test_the_fill_sets_the_municipality_name_of_every_row():
    # On PostgreSQL the fill inserts in SQL, bypassing the ORM.
    call_command("fill_providers", count=300, chunk=100, stdout=io.StringIO())
    filled = Provider.objects.filter(email__endswith="@bench.example")
    assert filled.count() == 300
    names = dict(Municipality.objects.values_list("pk", "name"))
    for municipality_id, name in filled.values_list("municipality_id", "municipality_name"):
        assert name == names[municipality_id]


def expected(order: str, **filters) -> list[str]:
    """The sort by municipality, independently: through the join, then name, then id."""
    keys = ["municipality__name", "name", "id"]
    if order.startswith("-"):
        keys = [f"-{key}" for key in keys]
    rows = Provider.objects.filter(**filters).order_by(*keys)
    return [f"/aanbieders/{pk}/" for pk in rows.values_list("pk", flat=True)]


def walk(client, url: str, direction: str) -> tuple[list[list[str]], object]:
    """Follow the "next" or "previous" links from ``url``: the rows' URLs of every page, and
    the last response."""
    pages = []
    while True:
        response = client.get(url)
        assert response.status_code == 200, url
        pages.append([row.url for row in response.context["rows"]])
        page = response.context["page_obj"]
        if direction == "next" and not page.next_cursor:
            return pages, response
        if direction == "previous" and page.number == 1:
            return pages, response
        url = f"{LIST}?{response.context[f'{direction}_query']}"
        assert len(pages) <= 20, "the links go round in a circle"


@pytest.fixture
def twin_registry(db):
    """61 providers in four municipalities, two of which share a name (as a rename may
    leave them), names repeating across them: ties at every key but the id."""
    utrecht, amsterdam = municipality("GM0344"), municipality("GM0363")
    rotterdam, zwolle = municipality("GM0599"), municipality("GM0193")
    Municipality.objects.filter(pk=zwolle.pk).update(name="Utrecht")
    places = [utrecht, amsterdam, zwolle, rotterdam]
    for i in range(61):
        ProviderFactory(name=("Alfa", "Bravo", "alfa")[i % 3], municipality=places[i % 4])


@pytest.mark.parametrize("order", ["municipality", "-municipality"])
def test_the_links_walk_every_provider_once_in_order_both_ways(
    client, pos_staff, twin_registry, order
):
    client.force_login(pos_staff)
    forward, last = walk(client, f"{LIST}?order={order}", "next")
    assert [len(page) for page in forward] == [25, 25, 11]
    seen = [url for page in forward for url in page]
    assert seen == expected(order)
    assert len(set(seen)) == Provider.objects.count() == 61
    back, first = walk(client, f"{LIST}?{last.context['previous_query']}", "previous")
    assert back == forward[-2::-1]
    assert first.context["page_obj"].previous_cursor == ""


def test_the_links_of_a_filtered_sort_by_municipality(client, pos_staff, twin_registry):
    client.force_login(pos_staff)
    forward, _ = walk(client, f"{LIST}?order=-municipality&q=alfa&per_page=25", "next")
    assert [url for page in forward for url in page] == expected(
        "-municipality", name__icontains="alfa"
    )
    assert len(forward) == 2


def test_a_rename_moves_the_providers_in_the_sort(client, pos_staff):
    client.force_login(pos_staff)
    utrecht, amsterdam = municipality("GM0344"), municipality("GM0363")
    ProviderFactory(name="In Utrecht", municipality=utrecht)
    ProviderFactory(name="In Amsterdam", municipality=amsterdam)
    rows = client.get(f"{LIST}?order=municipality").context["rows"]
    assert [(row.name, row.municipality) for row in rows] == [
        ("In Amsterdam", "Amsterdam"),
        ("In Utrecht", "Utrecht"),
    ]
    Municipality.objects.filter(pk=utrecht.pk).update(name="Aa en Hunze-Utrecht")
    rows = client.get(f"{LIST}?order=municipality").context["rows"]
    assert [(row.name, row.municipality) for row in rows] == [
        ("In Utrecht", "Aa en Hunze-Utrecht"),
        ("In Amsterdam", "Amsterdam"),
    ]


@pytest.mark.postgres
@pytest.mark.parametrize("order", ["municipality", "-municipality"])
def test_a_page_by_municipality_is_read_from_its_index(client, pos_staff, twin_registry, order):
    """Its key's range in the index, no sort (through the join PostgreSQL sorted every
    provider of the scope for each page)."""
    client.force_login(pos_staff)
    second = client.get(f"{LIST}?order={order}").context["next_query"]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # 61 rows: a scan would do
    with CaptureQueriesContext(connection) as queries:
        assert len(client.get(f"{LIST}?{second}").context["rows"]) == 25
    page_sql = next(q["sql"] for q in queries.captured_queries if "LIMIT 26" in q["sql"])
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {page_sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "provider_municipality_sort_idx" in plan, plan
    assert "Sort Key" not in plan, plan
