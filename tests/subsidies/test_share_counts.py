"""The rollups of the shares — the schemes' share counts (``SchemeShareTally``) and the
entrepreneurs reached (``EntrepreneurReach``) — stay equal to what the share rows say after
every write path, and the sharing pages run the same queries whatever the number of shares."""

import importlib
import io
from uuid import uuid4

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from providers.models import Provider
from sportloket.models import Municipality
from subsidies import selectors, services
from subsidies.models import EntrepreneurReach, Scheme, SchemeShare, SchemeShareTally
from tests.factories import ProviderFactory, municipality

from .factories import SchemeFactory, target_group

pytestmark = pytest.mark.django_db


def listed_counts() -> dict[int, int]:
    return {s.pk: s.share_count for s in selectors.scheme_list(filters={})}


def live_counts() -> dict[int, int]:
    return {
        s.pk: SchemeShare.objects.filter(scheme=s).count() for s in Scheme.objects.order_by("pk")
    }


def assert_counts_match_the_shares() -> None:
    assert listed_counts() == live_counts()


def jeugd_providers(n: int) -> list[Provider]:
    return [ProviderFactory(target_groups=[target_group("jeugd")]) for _ in range(n)]


def test_manual_share_counts_only_the_rows_it_inserted(club_supporter):
    scheme, other = SchemeFactory(), SchemeFactory()
    a, b, c = ProviderFactory.create_batch(3)
    services.scheme_share(scheme=scheme, providers=[a, b], by=club_supporter)
    # b already has it: skipped, not counted twice.
    services.scheme_share(scheme=scheme, providers=[b, c], by=club_supporter)
    assert listed_counts() == {scheme.pk: 3, other.pk: 0}
    assert_counts_match_the_shares()


def test_share_view_chosen_and_all_matching_keep_the_count(client, club_supporter):
    scheme = SchemeFactory(target_groups=["jeugd"])
    first, *_rest = jeugd_providers(4)
    client.force_login(club_supporter)
    url = reverse("subsidies:scheme_detail", args=[scheme.pk])
    assert client.post(url, {"providers": [first.pk]}).status_code == 302
    assert listed_counts()[scheme.pk] == 1
    assert client.post(url, {"all_matching": "on"}).status_code == 302
    assert listed_counts()[scheme.pk] == 4
    assert_counts_match_the_shares()
    page = client.get(reverse("subsidies:scheme_list")).content.decode()
    assert "<td>4</td>" in page


def test_digest_counts_its_shares_and_a_second_run_adds_nothing():
    a, b = SchemeFactory(), SchemeFactory(target_groups=["jeugd"])
    jeugd_providers(3)
    ProviderFactory(target_groups=[target_group("ouderen")])
    services.digest_send()
    assert listed_counts() == {a.pk: 4, b.pk: 3}
    services.digest_send()
    assert listed_counts() == {a.pk: 4, b.pk: 3}
    assert_counts_match_the_shares()


def test_digest_after_manual_share_counts_each_pair_once(club_supporter):
    scheme = SchemeFactory()
    shared_by_hand, *_others = ProviderFactory.create_batch(3)
    services.scheme_share(scheme=scheme, providers=[shared_by_hand], by=club_supporter)
    services.digest_send()
    assert listed_counts() == {scheme.pk: 3}
    assert_counts_match_the_shares()


def test_deleting_a_provider_takes_its_shares_off_the_counts(club_supporter):
    a, b = SchemeFactory(), SchemeFactory()
    gone, stays = ProviderFactory.create_batch(2)
    services.scheme_share(scheme=a, providers=[gone, stays], by=club_supporter)
    services.scheme_share(scheme=b, providers=[gone], by=club_supporter)
    gone.delete()
    assert listed_counts() == {a.pk: 1, b.pk: 0}
    assert_counts_match_the_shares()


def test_erasing_a_provider_keeps_its_shares_counted(club_supporter, pos_staff):
    from providers.services import provider_erase_personal_data

    scheme = SchemeFactory()
    provider = ProviderFactory()
    services.scheme_share(scheme=scheme, providers=[provider], by=club_supporter)
    provider_erase_personal_data(provider=provider, actor=pos_staff)
    assert listed_counts() == {scheme.pk: 1}
    assert_counts_match_the_shares()


def test_deleting_a_scheme_deletes_its_count(club_supporter):
    scheme = SchemeFactory()
    services.scheme_share(
        scheme=scheme, providers=ProviderFactory.create_batch(2), by=club_supporter
    )
    scheme.delete()
    assert not SchemeShareTally.objects.exists()


def test_saving_a_scheme_keeps_its_count(club_supporter, pos_staff):
    scheme = SchemeFactory()
    services.scheme_share(
        scheme=scheme, providers=ProviderFactory.create_batch(2), by=club_supporter
    )
    scheme.funder = "Ander fonds"
    scheme.save()
    assert listed_counts() == {scheme.pk: 2}


def test_migration_backfill_counts_the_existing_shares(club_supporter):
    a, b = SchemeFactory(), SchemeFactory()
    services.scheme_share(scheme=a, providers=ProviderFactory.create_batch(3), by=club_supporter)
    services.scheme_share(scheme=b, providers=ProviderFactory.create_batch(1), by=club_supporter)
    SchemeShareTally.objects.filter(scheme=a).delete()
    SchemeShareTally.objects.filter(scheme=b).update(shares=99)
    migration = importlib.import_module("subsidies.migrations.0008_share_tally")
    migration.backfill(apps, None)
    assert listed_counts() == {a.pk: 3, b.pk: 1}


def test_the_admin_cannot_delete_shares(admin_client, club_supporter):
    scheme = SchemeFactory()
    services.scheme_share(scheme=scheme, providers=[ProviderFactory()], by=club_supporter)
    share = SchemeShare.objects.get()
    url = reverse("admin:subsidies_schemeshare_delete", args=[share.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 403
    assert listed_counts() == {scheme.pk: 1}


def queries_of(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_scheme_list_and_detail_queries_do_not_follow_the_shares(client, club_supporter):
    """The same queries with 1 share as with 40 per scheme."""
    schemes = [SchemeFactory(target_groups=["jeugd"]) for _ in range(3)]
    providers = jeugd_providers(40)
    client.force_login(club_supporter)
    services.scheme_share(scheme=schemes[0], providers=providers[:1], by=club_supporter)
    list_url = reverse("subsidies:scheme_list")
    detail_url = reverse("subsidies:scheme_detail", args=[schemes[0].pk])
    small = queries_of(client, list_url), queries_of(client, detail_url)
    for scheme in schemes:
        services.scheme_share(scheme=scheme, providers=providers, by=club_supporter)
    large = queries_of(client, list_url), queries_of(client, detail_url)
    assert small == large
    assert_counts_match_the_shares()


def test_shares_for_scheme_lists_the_newest_first_within_the_users_area(club_supporter):
    scheme = SchemeFactory()
    inside = ProviderFactory.create_batch(3)
    outside = ProviderFactory(municipality=municipality("GM0363"))
    for provider in [*inside, outside]:
        services.scheme_share(scheme=scheme, providers=[provider], by=club_supporter)
    shares = list(selectors.shares_for_scheme(user=club_supporter, scheme=scheme)[:50])
    assert [s.provider for s in shares] == inside[::-1]


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("x", "Selecteer een geldige keuze"),
        (str(2**63), "Kies aanbieders bij wie deze regeling past"),
        ("-1", "Kies aanbieders bij wie deze regeling past"),
    ],
)
def test_share_form_answers_bad_input_in_dutch(client, club_supporter, bad, message):
    scheme = SchemeFactory(target_groups=["jeugd"])
    jeugd_providers(2)
    client.force_login(club_supporter)
    url = reverse("subsidies:scheme_detail", args=[scheme.pk])
    response = client.post(url, {"providers": [bad]})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert listed_counts() == {scheme.pk: 0}


def test_scheme_list_ignores_bad_filters(client, club_supporter):
    scheme = SchemeFactory()
    services.scheme_share(scheme=scheme, providers=[ProviderFactory()], by=club_supporter)
    client.force_login(club_supporter)
    response = client.get(
        reverse("subsidies:scheme_list"), {"target_group": str(2**63), "kind": "x"}
    )
    assert response.status_code == 200
    assert "<td>1</td>" in response.content.decode()


# --- Entrepreneurs reached (EntrepreneurReach) --------------------------------------------------


def reached_from_the_shares(year: int) -> dict[int, int]:
    """The guideline figure counted from the share rows themselves."""
    reached: dict[int, set[int]] = {}
    for share in SchemeShare.objects.filter(shared_at__year=year, provider_kind="entrepreneur"):
        reached.setdefault(share.municipality_id, set()).add(share.provider_id)
    return {pk: len(ids) for pk, ids in reached.items()}


def assert_reach_matches_the_shares() -> dict[int, int]:
    year = timezone.localdate().year
    figures = selectors.shares_per_municipality(year=year)
    assert figures == reached_from_the_shares(year)
    for municipality_id, n in figures.items():
        place = Municipality.objects.get(pk=municipality_id)
        assert selectors.entrepreneurs_reached(municipality=place, year=year) == n
    return figures


def test_manual_share_and_digest_record_each_entrepreneur_once(club_supporter):
    a, b = SchemeFactory(), SchemeFactory()
    utrecht, amsterdam = municipality("GM0344"), municipality("GM0363")
    ondernemer = ProviderFactory(kind="entrepreneur", municipality=utrecht)
    ProviderFactory(kind="entrepreneur", municipality=amsterdam)
    ProviderFactory(kind="club", municipality=utrecht)
    services.scheme_share(scheme=a, providers=[ondernemer], by=club_supporter)
    assert assert_reach_matches_the_shares() == {utrecht.pk: 1}
    services.digest_send()
    assert SchemeShare.objects.count() == 6
    assert assert_reach_matches_the_shares() == {utrecht.pk: 1, amsterdam.pk: 1}
    assert EntrepreneurReach.objects.count() == 2
    services.scheme_share(scheme=b, providers=[ondernemer], by=club_supporter)
    assert EntrepreneurReach.objects.count() == 2


def test_moved_entrepreneur_counts_where_it_received_the_scheme(club_supporter):
    a, b = SchemeFactory(), SchemeFactory()
    utrecht, amsterdam = municipality("GM0344"), municipality("GM0363")
    ondernemer = ProviderFactory(kind="entrepreneur", municipality=utrecht)
    services.scheme_share(scheme=a, providers=[ondernemer], by=club_supporter)
    Provider.objects.filter(pk=ondernemer.pk).update(municipality=amsterdam)
    services.scheme_share(scheme=b, providers=[ondernemer], by=club_supporter)
    assert assert_reach_matches_the_shares() == {utrecht.pk: 1, amsterdam.pk: 1}


def test_deleting_a_scheme_keeps_only_the_entrepreneurs_reached_by_other_schemes(club_supporter):
    gone, stays = SchemeFactory(), SchemeFactory()
    both, only_gone = ProviderFactory.create_batch(2, kind="entrepreneur")
    services.scheme_share(scheme=gone, providers=[both, only_gone], by=club_supporter)
    services.scheme_share(scheme=stays, providers=[both], by=club_supporter)
    gone.delete()
    assert set(EntrepreneurReach.objects.values_list("provider_id", flat=True)) == {both.pk}
    assert_reach_matches_the_shares()


def test_deleting_an_entrepreneur_removes_it_from_the_reach(club_supporter):
    scheme = SchemeFactory()
    gone, stays = ProviderFactory.create_batch(2, kind="entrepreneur")
    services.scheme_share(scheme=scheme, providers=[gone, stays], by=club_supporter)
    gone.delete()
    assert list(EntrepreneurReach.objects.values_list("provider_id", flat=True)) == [stays.pk]
    assert_reach_matches_the_shares()


def test_shares_per_municipality_is_one_query_whatever_the_shares(
    club_supporter, django_assert_num_queries
):
    schemes = SchemeFactory.create_batch(4)
    ProviderFactory.create_batch(5, kind="entrepreneur")
    services.digest_send()
    assert SchemeShare.objects.count() == 20
    with django_assert_num_queries(1):
        figures = selectors.shares_per_municipality(year=timezone.localdate().year)
    assert figures == {municipality("GM0344").pk: 5}
    assert len(schemes) == 4


def test_migration_backfill_derives_the_reach_from_the_shares(club_supporter):
    scheme = SchemeFactory()
    services.scheme_share(
        scheme=scheme,
        providers=ProviderFactory.create_batch(3, kind="entrepreneur"),
        by=club_supporter,
    )
    services.scheme_share(
        scheme=scheme, providers=[ProviderFactory(kind="club")], by=club_supporter
    )
    EntrepreneurReach.objects.all().delete()
    importlib.import_module("subsidies.migrations.0009_entrepreneur_reach").backfill(apps, None)
    assert EntrepreneurReach.objects.count() == 3
    assert_reach_matches_the_shares()


def test_the_rebuild_command_counts_shares_written_behind_the_services_back(club_supporter):
    """What a deploy leaves when older code shares schemes after the migrations filled the
    counts: shares without their count, a count without its shares, a stale reach row."""
    from django.core.management import call_command

    scheme, other, unshared = SchemeFactory(), SchemeFactory(), SchemeFactory()
    reached, club, stale = (
        ProviderFactory(kind="entrepreneur"),
        ProviderFactory(kind="club"),
        ProviderFactory(kind="entrepreneur"),
    )
    services.scheme_share(scheme=scheme, providers=[reached, club], by=club_supporter)
    SchemeShare.objects.create(scheme=other, provider=reached, claim=uuid4())
    SchemeShareTally.objects.filter(scheme=scheme).update(shares=7)
    SchemeShareTally.objects.create(scheme=unshared, shares=2)
    EntrepreneurReach.objects.all().delete()
    EntrepreneurReach.objects.create(
        year=timezone.localdate().year, municipality=stale.municipality, provider=stale
    )
    out = io.StringIO()
    call_command("share_counts_rebuild", stdout=out)
    assert out.getvalue().strip() == "3 schemes counted, 2 providers with shares"
    assert listed_counts() == {scheme.pk: 2, other.pk: 1, unshared.pk: 0}
    assert_counts_match_the_shares()
    assert list(EntrepreneurReach.objects.values_list("provider_id", flat=True)) == [reached.pk]
    assert assert_reach_matches_the_shares() == {reached.municipality_id: 1}
