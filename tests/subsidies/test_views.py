"""Views: roles (anonymous, wrong role, scoping → 404), forms, CSV, and query counts."""

import uuid
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from sportloket.constants import Role
from subsidies.constants import Decision, ShareChannel
from subsidies.models import Allocation, Budget, Scheme, SchemeShare
from tests.factories import DeskFactory, ProviderFactory, municipality

from .factories import BudgetFactory, SchemeFactory, target_group

pytestmark = pytest.mark.django_db


def manager_urls(scheme, provider, budget):
    return [
        reverse("subsidies:scheme_list"),
        reverse("subsidies:scheme_create"),
        reverse("subsidies:scheme_detail", args=[scheme.pk]),
        reverse("subsidies:scheme_update", args=[scheme.pk]),
        reverse("subsidies:provider_list"),
        reverse("subsidies:provider_matches", args=[provider.pk]),
        reverse("subsidies:budget_list"),
        reverse("subsidies:budget_detail", args=[budget.pk]),
    ]


@pytest.fixture
def objects(club_supporter):
    return (
        SchemeFactory(),
        ProviderFactory(),
        BudgetFactory(desk=club_supporter.staff_profile.desk),
    )


def test_anonymous_is_sent_to_login(client, objects):
    for url in [
        *manager_urls(*objects),
        reverse("subsidies:transparency_index"),
        reverse("subsidies:transparency", args=[objects[2].desk_id, 2026]),
    ]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/account/login/" in response["Location"]


def test_club_supporter_and_pos_staff_open_every_page(client, club_supporter, pos_staff, objects):
    """Except that only POS staff write schemes (national; tests/hardening/
    test_national_schemes.py)."""
    scheme_forms = {reverse("subsidies:scheme_create"), objects[0].get_absolute_url() + "bewerken/"}
    for user in (club_supporter, pos_staff):
        client.force_login(user)
        for url in manager_urls(*objects):
            expected = 403 if user == club_supporter and url in scheme_forms else 200
            assert client.get(url).status_code == expected, url


def test_policy_staff_may_not_manage(client, policy_staff, objects):
    client.force_login(policy_staff)
    for url in manager_urls(*objects):
        assert client.get(url).status_code == 403, url


def test_club_supporter_gets_404_for_other_desk_and_other_area(client, club_supporter):
    other_budget = BudgetFactory(desk=DeskFactory(municipalities=[municipality("GM0363")]))
    elsewhere = ProviderFactory(municipality=municipality("GM0363"))
    client.force_login(club_supporter)
    assert client.get(reverse("subsidies:budget_detail", args=[other_budget.pk])).status_code == 404
    assert (
        client.post(reverse("subsidies:budget_detail", args=[other_budget.pk])).status_code == 404
    )
    assert client.get(reverse("subsidies:provider_matches", args=[elsewhere.pk])).status_code == 404
    url = reverse("subsidies:transparency", args=[other_budget.desk_id, 2026])
    assert client.get(url).status_code == 404


def test_policy_staff_reads_the_transparency_of_their_municipality_desk_only(
    client, policy_staff, club_supporter
):
    own = BudgetFactory(desk=club_supporter.staff_profile.desk, year=2026)
    other = BudgetFactory(desk=DeskFactory(municipalities=[municipality("GM0363")]), year=2026)
    client.force_login(policy_staff)
    index = client.get(reverse("subsidies:transparency_index")).content.decode()
    assert own.desk.name in index
    assert other.desk.name not in index
    assert (
        client.get(reverse("subsidies:transparency", args=[own.desk_id, 2026])).status_code == 200
    )
    assert (
        client.get(reverse("subsidies:transparency", args=[other.desk_id, 2026])).status_code == 404
    )


def test_pos_staff_sees_every_desk_budget(client, pos_staff):
    budget = BudgetFactory(desk=DeskFactory(municipalities=[municipality("GM0363")]))
    client.force_login(pos_staff)
    assert client.get(reverse("subsidies:budget_detail", args=[budget.pk])).status_code == 200


def test_transparency_csv_lists_what_went_to_whom_and_why(client, club_supporter):
    budget = BudgetFactory(desk=club_supporter.staff_profile.desk, year=2026, name="Uitvoering")
    provider = ProviderFactory(name="FitLab")
    Allocation.objects.create(
        budget=budget,
        provider=provider,
        amount=Decimal("1250.50"),
        decision=Decision.GRANTED,
        rationale="=cmd|' /C calc'!A0 opleiding trainers",
        decided_by=club_supporter,
        decided_on="2026-02-01",
    )
    client.force_login(club_supporter)
    url = reverse("subsidies:transparency", args=[budget.desk_id, 2026])
    page = client.get(url).content.decode()
    assert "FitLab" in page
    assert "€ 1.250,50" in page
    response = client.get(url + "?format=csv")
    assert response["Content-Type"].startswith("text/csv")
    body = response.content.decode()
    assert (
        "Besloten op;Budget;Sportaanbieder;Gemeente;Kenmerk;Bedrag (€);Besluit;Onderbouwing;"
        "Besloten door;Ingetrokken op;Ingetrokken door;Reden van intrekking" in body
    )
    assert "2026-02-01;Uitvoering;FitLab;Utrecht;;1250,50;Toegekend;" in body
    assert "'=cmd" in body  # a formula is neutralised for spreadsheet programs


def test_create_scheme_through_the_form(client, pos_staff):
    client.force_login(pos_staff)
    response = client.post(
        reverse("subsidies:scheme_create"),
        {
            "name": "Beweegfonds",
            "funder": "Gemeente",
            "link": "fonds.example",
            "for_clubs": "on",
            "target_groups": [target_group("jeugd").pk],
            "amount_min": "0",
            "amount_max": "2.500,00",
            "active": "on",
        },
    )
    scheme = Scheme.objects.get(name="Beweegfonds")
    assert response.status_code == 302
    assert scheme.amount_max == Decimal("2500.00")
    assert scheme.link == "https://fonds.example"
    assert [g.slug for g in scheme.target_groups.all()] == ["jeugd"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"amount_min": "500", "amount_max": "100"}, "lager dan het minimumbedrag"),
        ({"opens_on": "2026-05-01", "closes_on": "2026-04-01"}, "sluit voordat"),
        ({"for_clubs": ""}, "ten minste één soort"),
        ({"amount_max": "-3"}, "meer dan € 0,00"),
        # A finite number with more digits than rounding to cents may keep.
        ({"amount_max": "1e309"}, "te groot"),
        ({"amount_min": "1E+400"}, "te groot"),
        ({"target_groups": [str(2**63)]}, "Selecteer een geldige keuze"),
    ],
)
def test_scheme_form_refuses_inconsistent_data(client, pos_staff, data, message):
    client.force_login(pos_staff)
    form = {"name": "X", "funder": "Y", "for_clubs": "on", "active": "on", **data}
    response = client.post(reverse("subsidies:scheme_create"), form)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Scheme.objects.exists()


def test_share_view_shares_chosen_and_all_matching(client, club_supporter):
    scheme = SchemeFactory(target_groups=["jeugd"])
    a, b, c = (ProviderFactory(target_groups=[target_group("jeugd")]) for _ in range(3))
    ProviderFactory(target_groups=[target_group("ouderen")])
    client.force_login(club_supporter)
    url = reverse("subsidies:scheme_detail", args=[scheme.pk])
    assert client.post(url, {"providers": [a.pk]}).status_code == 302
    assert client.post(url, {"all_matching": "on"}).status_code == 302
    shares = SchemeShare.objects.filter(scheme=scheme, channel=ShareChannel.MANUAL)
    assert {s.provider for s in shares} == {a, b, c}


def test_share_view_refuses_providers_outside_the_matches(client, club_supporter):
    scheme = SchemeFactory(target_groups=["jeugd"])
    other = ProviderFactory(target_groups=[target_group("ouderen")])
    client.force_login(club_supporter)
    url = reverse("subsidies:scheme_detail", args=[scheme.pk])
    assert client.post(url, {"providers": [other.pk]}).status_code == 400
    assert client.post(url, {}).status_code == 400
    assert not SchemeShare.objects.exists()


def test_budget_create_through_the_form(client, club_supporter):
    client.force_login(club_supporter)
    desk = club_supporter.staff_profile.desk
    data = {"desk": desk.pk, "year": 2026, "kind": "services", "name": "Services", "total": "8000"}
    assert client.post(reverse("subsidies:budget_list"), data).status_code == 302
    assert client.post(reverse("subsidies:budget_list"), data).status_code == 400
    other = DeskFactory()
    assert (
        client.post(reverse("subsidies:budget_list"), {**data, "desk": other.pk}).status_code == 400
    )
    assert Budget.objects.get().total == Decimal("8000.00")


def test_home_and_nav_show_links_by_role(client, club_supporter, policy_staff):
    client.force_login(club_supporter)
    page = client.get("/").content.decode()
    assert reverse("subsidies:budget_list") in page
    client.force_login(policy_staff)
    page = client.get("/").content.decode()
    assert reverse("subsidies:budget_list") not in page
    assert reverse("subsidies:transparency_index") in page


@pytest.mark.parametrize("role", [Role.CLUB_SUPPORTER, Role.POS_STAFF])
def test_list_pages_run_a_constant_number_of_queries(
    client, user_for_role, django_assert_max_num_queries, role
):
    user = user_for_role(role)
    desk = user.staff_profile.desk or DeskFactory()
    main = BudgetFactory(desk=desk, total=Decimal("1000000"))
    client.force_login(user)

    def fill(n):
        for _ in range(n):
            scheme = SchemeFactory(target_groups=["jeugd"], themes=["vitale-sportaanbieders"])
            provider = ProviderFactory(target_groups=[target_group("jeugd")])
            SchemeShare.objects.create(
                scheme=scheme, provider=provider, channel="manual", claim=uuid.uuid4()
            )
            budget = BudgetFactory(desk=desk)
            Allocation.objects.create(
                budget=budget,
                provider=provider,
                amount=1,
                decision=Decision.REJECTED,
                rationale="r",
                decided_by=user,
                decided_on="2026-01-01",
            )
            # Decisions for a support question (reference only) and withdrawn ones, too.
            for_question = Allocation.objects.create(
                budget=main,
                reference=f"Hulpvraag #{budget.pk}",
                amount=2,
                decision=Decision.GRANTED,
                rationale="r",
                decided_by=user,
                decided_on="2026-01-02",
            )
            Allocation.objects.filter(pk=for_question.pk).update(
                withdrawn_at=timezone.now(), withdrawn_by=user, withdrawal_reason="w"
            )

    fill(2)
    provider = ProviderFactory(target_groups=[target_group("jeugd")])
    scheme = Scheme.objects.first()
    urls = [
        reverse("subsidies:scheme_list"),
        reverse("subsidies:provider_list"),
        reverse("subsidies:provider_matches", args=[provider.pk]),
        reverse("subsidies:scheme_detail", args=[scheme.pk]),
        reverse("subsidies:budget_list"),
        reverse("subsidies:transparency", args=[desk.pk, 2026]),
        reverse("subsidies:transparency", args=[desk.pk, 2026]) + "?format=csv",
        reverse("subsidies:budget_detail", args=[main.pk]),
    ]
    counts = {}
    for url in urls:
        with django_assert_max_num_queries(25) as ctx:
            assert client.get(url).status_code == 200
        counts[url] = len(ctx.captured_queries)
    fill(20)
    for url in urls:
        with django_assert_max_num_queries(counts[url]):
            client.get(url)


def test_scheme_page_lists_one_page_of_matches_with_constant_queries(
    client, club_supporter, django_assert_num_queries
):
    """The matching providers are filtered, scored and paginated by the database: the same
    number of queries for 3 or 130 matching providers, 50 rows per page."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    scheme = SchemeFactory(target_groups=["jeugd", "ouderen"], themes=["vitale-sportaanbieders"])
    ProviderFactory.create_batch(3, target_groups=[target_group("jeugd")])
    ProviderFactory(target_groups=[target_group("chronisch-zieken")])  # does not fit
    client.force_login(club_supporter)
    url = reverse("subsidies:scheme_detail", args=[scheme.pk])
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    ProviderFactory.create_batch(
        127, target_groups=[target_group("jeugd"), target_group("ouderen")]
    )
    with django_assert_num_queries(len(small.captured_queries)):
        page = client.get(url)
    html = page.content.decode()
    assert html.count('name="providers"') == 50
    assert "130" in html  # the total, in the pager
    # Best first: the providers sharing two target groups come before those sharing one.
    first = page.context["matches"][0]
    assert first.score == 21
    last_page = client.get(url, {"page": 3})
    assert len(last_page.context["matches"]) == 30
    scores = [m.score for m in last_page.context["matches"]]
    assert scores == [21] * 27 + [11] * 3


def test_share_with_all_matching_reaches_every_page_once(client, club_supporter):
    scheme = SchemeFactory(target_groups=["jeugd"])
    fitting = ProviderFactory.create_batch(60, target_groups=[target_group("jeugd")])
    ProviderFactory(target_groups=[target_group("ouderen")])
    ProviderFactory(target_groups=[target_group("jeugd")], email="")  # skipped: no e-mail
    ProviderFactory(target_groups=[target_group("jeugd")], municipality=municipality("GM0363"))
    client.force_login(club_supporter)
    url = reverse("subsidies:scheme_detail", args=[scheme.pk])
    assert client.post(url, {"providers": [fitting[0].pk]}).status_code == 302
    assert client.post(url, {"all_matching": "on"}).status_code == 302
    shared = set(SchemeShare.objects.filter(scheme=scheme).values_list("provider_id", flat=True))
    assert shared == {p.pk for p in fitting}
    # Already shared: ticking it again is refused, and nothing new is written.
    assert client.post(url, {"providers": [fitting[0].pk]}).status_code == 400
    assert client.post(url, {"providers": ["x"]}).status_code == 400
    assert SchemeShare.objects.filter(scheme=scheme).count() == 60


def test_scheme_list_counts_each_share_once_also_when_filtered(client, club_supporter):
    from subsidies import selectors, services

    scheme = SchemeFactory(target_groups=["jeugd", "ouderen"], themes=["vitale-sportaanbieders"])
    SchemeFactory()  # never shared
    services.scheme_share(
        scheme=scheme, providers=ProviderFactory.create_batch(3), by=club_supporter
    )
    counts = {s.pk: s.share_count for s in selectors.scheme_list(filters={})}
    assert sorted(counts.values()) == [0, 3]
    filtered = selectors.scheme_list(filters={"target_group": target_group("jeugd")})
    assert {s.pk: s.share_count for s in filtered}[scheme.pk] == 3
    client.force_login(club_supporter)
    assert client.get(reverse("subsidies:scheme_list")).status_code == 200
