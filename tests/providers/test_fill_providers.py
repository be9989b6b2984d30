"""``fill_providers``, the one generator of benchmark providers: the registry's (``manage.py
fill_providers``) and a desk's own (in its municipalities, under a name of its own), each
group topped up on its own and every KvK number unique over all of them. Runs on SQLite
(``bulk_create``) and on PostgreSQL (set-based SQL)."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command

from providers.management.commands.fill_providers import fill_providers
from providers.models import Provider
from sportloket.models import Municipality

pytestmark = pytest.mark.django_db

DESK_EMAIL = "@loket.bench.example"


@pytest.fixture
def two_municipalities():
    return list(Municipality.objects.order_by("pk").values_list("pk", flat=True)[:2])


def numbers(names) -> list[int]:
    return sorted(int(name.split()[1]) for name in names)


def test_a_desk_s_providers_are_in_its_municipalities_under_its_name(two_municipalities):
    filled = fill_providers(
        60,
        municipalities=two_municipalities,
        name_prefix="Loketaanbieder",
        email_suffix=DESK_EMAIL,
        chunk=25,
    )
    assert filled.count() == 60
    assert set(filled.values_list("municipality_id", flat=True)) == set(two_municipalities)
    names = list(filled.values_list("name", flat=True))
    for name in names:
        assert re.fullmatch(r"Loketaanbieder \d{5} (Noord|Zuid|Oost)", name), name
    assert numbers(names) == list(range(60))
    # The registry's shape: two sports and a target group each, the basics in every state.
    assert Provider.sports.through.objects.filter(provider__in=filled).count() == 120
    assert Provider.target_groups.through.objects.filter(provider__in=filled).count() == 60
    assert filled.values("vog_status").distinct().count() == 3


def test_each_group_is_topped_up_on_its_own_with_kvk_numbers_unique_over_all(
    two_municipalities,
):
    registry = Provider.objects.filter(email__endswith="@bench.example")
    call_command("fill_providers", count=40, stdout=io.StringIO())
    desk = fill_providers(30, municipalities=two_municipalities, email_suffix=DESK_EMAIL)
    assert (desk.count(), registry.count()) == (30, 40)
    fill_providers(30, municipalities=two_municipalities, email_suffix=DESK_EMAIL)
    call_command("fill_providers", count=50, stdout=io.StringIO())
    assert (desk.count(), registry.count()) == (30, 50)
    fill_providers(45, municipalities=two_municipalities, email_suffix=DESK_EMAIL)
    assert (desk.count(), registry.count()) == (45, 50)
    # Each group numbers its names on from its own providers.
    assert numbers(desk.values_list("name", flat=True)) == list(range(45))
    assert numbers(registry.values_list("name", flat=True)) == list(range(50))
    kvk_numbers = list((desk | registry).values_list("kvk_number", flat=True))
    assert len(set(kvk_numbers)) == 95
    assert all(re.fullmatch(r"\d{8}", kvk) for kvk in kvk_numbers)
