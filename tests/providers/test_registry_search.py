"""The registry's text search (``q``): what it matches (a part of the name, e-mail address,
contact person or place, the whole postcode or KvK number, in any case), the same on SQLite
and PostgreSQL, and on PostgreSQL read from the trigram indexes instead of the whole table.
The first four are searched in ``Provider.search_text``, which the database keeps."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import ProviderFactory, municipality

pytestmark = pytest.mark.django_db
LIST = "/aanbieders/"


@pytest.fixture
def providers(db):
    amsterdam = municipality("GM0363")
    made = [
        ProviderFactory(
            name="Dansschool Overvecht",
            kvk_number="12121212",
            email="info@dans.example",
            contact_name="Kim de Boer",
            city="Utrecht",
            postcode="3562 AB",
        ),
        ProviderFactory(
            name="Zwemclub De Dolfijn",
            kvk_number="34343434",
            email="secretaris@dolfijn.example",
            contact_name="Sam Jansen",
            city="Zuilen",
            postcode="3553 CD",
        ),
        ProviderFactory(
            name="100% Fit_Lab",
            kvk_number="",
            email="hallo@fitlab.example",
            contact_name="Noor Visser",
            city="Amsterdam",
            postcode="1012 AB",
            municipality=amsterdam,
        ),
    ]
    return {p.name: p for p in made}


def names_found(client, term: str) -> set[str]:
    response = client.get(LIST, {"q": term, "per_page": 100})
    assert response.status_code == 200
    return {row.name for row in response.context["rows"]}


DANS, ZWEM, FIT = "Dansschool Overvecht", "Zwemclub De Dolfijn", "100% Fit_Lab"


@pytest.mark.parametrize(
    ("term", "found"),
    [
        ("overvecht", {DANS}),  # a part of the name, in another case
        ("DE DOLF", {ZWEM}),
        ("dolfijn.example", {ZWEM}),  # a part of the e-mail address
        ("de boer", {DANS}),  # a part of the contact person
        ("zuil", {ZWEM}),  # a part of the place
        ("utrecht", {DANS}),
        ("3553 cd", {ZWEM}),  # the whole postcode, in any case
        ("3553", set()),  # not a part of it
        ("12121212", {DANS}),  # the whole KvK number
        ("1212", set()),  # not a part of it
        ("  34343434 ", {ZWEM}),  # spaces around are ignored
        ("de", {DANS, ZWEM}),  # two letters: name and contact person
        ("100%", {FIT}),  # % and _ are themselves, not wildcards
        ("dans%vecht", set()),
        ("dans_chool", set()),
        ("fit_lab", {FIT}),
        ("example", {DANS, ZWEM, FIT}),
        ("xyz", set()),
        # A match stays within one field: not the end of the name and the e-mail address
        # after it, also not with the separator of ``search_text`` typed in between.
        ("overvecht info", set()),
        ("overvecht\x1finfo", set()),
        ("\x1f", {DANS, ZWEM, FIT}),  # only the separator: no search
    ],
)
def test_the_search_matches_what_it_always_matched(client, pos_staff, providers, term, found):
    client.force_login(pos_staff)
    assert names_found(client, term) == found


def test_an_empty_search_is_no_filter(client, pos_staff, providers):
    client.force_login(pos_staff)
    assert names_found(client, "   ") == set(providers)


def test_the_search_follows_every_write_of_the_fields(client, pos_staff, providers):
    """``search_text`` is kept by the database: a save, a ``QuerySet.update`` (no signal, no
    ``save``) and an erasure of the personal data each show in the next search."""
    from providers import services

    client.force_login(pos_staff)
    dans = providers[DANS]
    dans.name = "Balletstudio Lunetten"
    dans.save()
    assert names_found(client, "lunetten") == {"Balletstudio Lunetten"}
    assert names_found(client, "overvecht") == set()

    type(dans).objects.filter(pk=dans.pk).update(city="Houten", contact_name="Mo Haddou")
    assert names_found(client, "houten") == {"Balletstudio Lunetten"}
    assert names_found(client, "haddou") == {"Balletstudio Lunetten"}
    assert names_found(client, "utrecht") == set()

    zwem = providers[ZWEM]
    services.provider_erase_personal_data(provider=zwem, actor=pos_staff)
    assert names_found(client, "secretaris@dolfijn") == set()
    assert names_found(client, "sam jansen") == set()


def plan_of(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.postgres
@pytest.mark.parametrize("term", ["overvecht", "dolfijn.example", "3553 cd", "12121212"])
def test_the_search_is_read_from_the_indexes_on_postgresql(client, pos_staff, providers, term):
    """Each part of the search's OR is an index condition (the trigram index of
    ``search_text`` for the name, address, contact person and place; that of the postcode;
    the KvK number's unique index): a bitmap of the matching rows, no scan of the table.
    Fails if the lookups and the indexes' expressions drift apart."""
    client.force_login(pos_staff)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # three rows: a scan would do
        cursor.execute("SET LOCAL enable_indexscan = off")  # nor a walk along the name index
    with CaptureQueriesContext(connection) as queries:
        assert names_found(client, term)
    searches = [q["sql"] for q in queries.captured_queries if '"search_text"' in q["sql"]]
    assert len(searches) == 2  # the capped count and the page
    for sql in searches:
        plan = plan_of(sql)
        assert "BitmapOr" in plan, plan
        assert plan.count("on provider_search_text_trgm_idx") == 1, plan
        assert plan.count("on provider_search_trgm_idx") == 1, plan  # the postcode
        assert "on unique_provider_kvk_number" in plan, plan
        assert "Seq Scan" not in plan, plan
