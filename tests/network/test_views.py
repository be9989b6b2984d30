"""Pages of the network feature: roles, scoping (404), bad input, query counts."""

import datetime as dt

import pytest
from django.urls import reverse

from network.constants import Criterion
from network.models import (
    DeskCriterionTick,
    GoalProgress,
    NeighbourhoodSportCoach,
    Signal,
    SmartGoal,
)
from sportloket.constants import OrganisationType
from sportloket.models import DeskPartner, Theme
from tests.factories import DeskFactory, OrganisationFactory, StaffProfileFactory, municipality

from .factories import CoachFactory, GoalFactory, OrganisationContactFactory


@pytest.fixture
def network(desk):
    welfare = OrganisationFactory(name="Welzijn West", type=OrganisationType.WELFARE)
    welfare.themes.add(Theme.objects.get(name="Inclusie & diversiteit"))
    OrganisationContactFactory(organisation=welfare, name="Fatima Ouali", function="wijkverbinder")
    care = OrganisationFactory(name="Fysio Oost", type=OrganisationType.CARE)
    OrganisationContactFactory(organisation=care, name="Piet Zorg", function="fysiotherapeut")
    platform = OrganisationFactory(name="Sportraad", type=OrganisationType.SPORT_PLATFORM)
    DeskPartner.objects.create(
        desk=desk, organisation=welfare, declaration_signed_on=dt.date(2026, 1, 1)
    )
    DeskPartner.objects.create(desk=desk, organisation=care)
    DeskPartner.objects.create(desk=desk, organisation=platform, platform_strategic=True)
    return desk


def test_anonymous_is_sent_to_login(client, desk):
    for url in (
        reverse("network:quality", args=[desk.pk]),
        reverse("network:comparison"),
        reverse("network:signals"),
        reverse("network:coach_list"),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert "/account/login/" in response["Location"]


def test_club_supporter_sees_own_desk_only(client, desk, other_desk, supporter):
    client.force_login(supporter)
    assert client.get(reverse("network:quality", args=[desk.pk])).status_code == 200
    assert client.get(reverse("network:network", args=[desk.pk])).status_code == 200
    assert client.get(reverse("network:quality", args=[other_desk.pk])).status_code == 404
    assert client.get(reverse("network:network", args=[other_desk.pk])).status_code == 404
    assert client.get(reverse("network:comparison")).status_code == 403
    assert client.get(reverse("network:coach_list")).status_code == 403


def test_policy_staff_read_their_municipalitys_desks(client, desk, other_desk, policy):
    client.force_login(policy)
    assert client.get(reverse("network:quality", args=[desk.pk])).status_code == 200
    assert client.get(reverse("network:quality", args=[other_desk.pk])).status_code == 404
    response = client.get(reverse("network:comparison"))
    assert response.status_code == 200
    assert [q.desk for q in response.context["qualities"]] == [desk]
    # reading is not managing: ticking is for the desk's club supporters
    response = client.post(
        reverse("network:tick", args=[desk.pk]),
        {"criterion": "working_area", "evidence": "x", "ticked_on": "2026-01-01"},
    )
    assert response.status_code == 403


def test_pos_staff_compare_all_desks_in_constant_queries(
    client, pos, desk, other_desk, django_assert_max_num_queries
):
    client.force_login(pos)
    url = reverse("network:comparison")
    client.get(url)
    with django_assert_max_num_queries(16) as small:
        response = client.get(url)
    assert response.status_code == 200
    for _i in range(15):
        extra = DeskFactory(municipalities=[municipality("GM0344")])
        DeskPartner.objects.create(desk=extra, organisation=OrganisationFactory())
        StaffProfileFactory(desk=extra)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert len(response.context["qualities"]) == 17
    assert "100" in response.content.decode()


def test_supporter_ticks_a_criterion_and_bad_input_is_a_400(client, desk, supporter):
    client.force_login(supporter)
    url = reverse("network:tick", args=[desk.pk])
    for data in (
        {"criterion": "budgets", "evidence": "x", "ticked_on": "2026-01-01"},
        {"criterion": "working_area", "evidence": "", "ticked_on": "2026-01-01"},
        {"criterion": "working_area", "evidence": "x", "ticked_on": "morgen"},
        {"criterion": "working_area", "evidence": "x", "ticked_on": "2999-01-01"},
    ):
        assert client.post(url, data).status_code == 400
    assert not DeskCriterionTick.objects.exists()
    response = client.post(
        url, {"criterion": "working_area", "evidence": "Verslag", "ticked_on": "2026-01-01"}
    )
    assert response.status_code == 302
    assert DeskCriterionTick.objects.get().criterion == Criterion.WORKING_AREA
    page = client.get(reverse("network:quality", args=[desk.pk]))
    assert "Verslag" in page.content.decode()
    client.post(url, {"untick": "working_area"})
    assert not DeskCriterionTick.objects.exists()


def test_quality_page_ignores_a_bad_quarter(client, desk, supporter):
    client.force_login(supporter)
    response = client.get(reverse("network:quality", args=[desk.pk]), {"kwartaal": "2026-Q9"})
    assert response.status_code == 200


def test_network_map_filters_by_domain_theme_and_text(client, network, supporter):
    client.force_login(supporter)
    url = reverse("network:network", args=[network.pk])

    def names(params):
        response = client.get(url, params)
        assert response.status_code == 200
        return [p.organisation.name for p in response.context["partners"]]

    assert names({}) == ["Fysio Oost", "Sportraad", "Welzijn West"]
    assert names({"domain": "welfare"}) == ["Welzijn West"]
    theme = Theme.objects.get(name="Inclusie & diversiteit")
    assert names({"theme": theme.pk}) == ["Welzijn West"]
    assert names({"q": "fysiotherapeut"}) == ["Fysio Oost"]
    assert names({"q": "inclusie"}) == ["Welzijn West"]
    assert client.get(url, {"domain": "nonsense"}).status_code == 400
    assert client.get(url, {"theme": "abc"}).status_code == 400


def test_network_map_queries_do_not_grow_with_partners(
    client, network, supporter, django_assert_max_num_queries
):
    client.force_login(supporter)
    url = reverse("network:network", args=[network.pk])
    client.get(url)
    with django_assert_max_num_queries(12) as small:
        client.get(url)
    for _i in range(10):
        org = OrganisationFactory(type=OrganisationType.EDUCATION)
        OrganisationContactFactory(organisation=org)
        DeskPartner.objects.create(desk=network, organisation=org)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(url)


def test_signals_page_records_a_signal_and_refuses_bad_input(client, desk, other_desk, supporter):
    client.force_login(supporter)
    url = reverse("network:signals")
    theme = Theme.objects.first()
    good = {
        "desk": desk.pk,
        "theme": theme.pk,
        "description": "Bestuurders overbelast",
        "source": "sport_platform",
        "recorded_on": "2026-01-10",
    }
    for bad in (
        {"desk": other_desk.pk},
        {"theme": 999999},
        {"description": ""},
        {"source": "x"},
        {"recorded_on": "31-02-2026"},
    ):
        response = client.post(url, {**good, **bad})
        assert response.status_code == 400
        if "description" not in bad:  # what the person typed is kept
            assert "Bestuurders overbelast" in response.content.decode()
    assert not Signal.objects.exists()
    assert client.post(url, good).status_code == 302
    assert Signal.objects.get().desk == desk
    assert "Bestuurders overbelast" in client.get(url).content.decode()


def test_policy_staff_add_coach_goal_and_progress(client, policy):
    client.force_login(policy)
    response = client.post(
        reverse("network:coach_list"),
        {
            "name": "Lotte",
            "employer": "Sportbedrijf Utrecht",
            "hours_per_week": "24,5",
            "neighbourhoods": "Lombok",
        },
    )
    assert response.status_code == 302
    coach = policy.staff_profile.municipality.sport_coaches.get()
    assert str(coach.hours_per_week) == "24.5"
    detail = reverse("network:coach_detail", args=[coach.pk])
    goal = {
        "action": "goal",
        "description": "Meer kinderen",
        "indicator": "Leden 6-12",
        "baseline": "100",
        "target_value": "150",
        "agreed_on": "2026-01-01",
        "deadline": "2026-12-31",
        "measured_by": "Sportbedrijf",
        "measure_every_months": "3",
    }
    for bad in ({"deadline": "2025-12-31"}, {"baseline": "veel"}, {"measure_every_months": "0"}):
        assert client.post(detail, {**goal, **bad}).status_code == 400
    assert not SmartGoal.objects.exists()
    assert client.post(detail, goal).status_code == 302
    smart = SmartGoal.objects.get()
    progress = {
        "action": "progress",
        "goal": smart.pk,
        "measured_on": "2026-02-01",
        "value": "1250,5",
    }
    assert client.post(detail, {**progress, "value": "abc"}).status_code == 400
    assert client.post(detail, {**progress, "measured_on": "2999-01-01"}).status_code == 400
    assert client.post(detail, progress).status_code == 302
    assert str(GoalProgress.objects.get().value) == "1250.50"


def test_coach_pages_by_role(client, policy, other_policy, pos, supporter):
    goal = GoalFactory()
    detail = reverse("network:coach_detail", args=[goal.coach.pk])
    client.force_login(other_policy)
    assert client.get(detail).status_code == 404
    assert client.post(detail, {"action": "goal"}).status_code == 404
    client.force_login(pos)
    assert client.get(detail).status_code == 200
    assert client.post(detail, {"action": "goal"}).status_code == 403
    assert client.post(reverse("network:coach_list"), {"name": "x"}).status_code == 403
    client.force_login(supporter)
    assert client.get(detail).status_code == 403
    client.force_login(policy)
    assert goal.indicator in client.get(detail).content.decode()


def test_coach_list_queries_constant(client, policy, django_assert_max_num_queries):
    client.force_login(policy)
    GoalFactory()
    client.get(reverse("network:coach_list"))
    with django_assert_max_num_queries(14) as small:
        client.get(reverse("network:coach_list"))
    for _i in range(8):
        GoalFactory(coach=CoachFactory())
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(reverse("network:coach_list"))
    assert len(response.context["rows"]) == 9


def test_signals_and_quality_pages_queries_constant(
    client, desk, supporter, django_assert_max_num_queries
):
    from .factories import SignalFactory

    client.force_login(supporter)
    SignalFactory(desk=desk)
    urls = [reverse("network:signals"), reverse("network:quality", args=[desk.pk])]
    counts = []
    for url in urls:
        client.get(url)
        with django_assert_max_num_queries(25) as captured:
            client.get(url)
        counts.append(len(captured.captured_queries))
    for _i in range(20):
        SignalFactory(desk=desk)
        DeskPartner.objects.create(desk=desk, organisation=OrganisationFactory())
    for url, count in zip(urls, counts, strict=True):
        with django_assert_max_num_queries(count):
            assert client.get(url).status_code == 200


def test_coach_form_refuses_an_id_beyond_any_integer_column(client, policy):
    client.force_login(policy)
    data = {
        "name": "Sanne",
        "employer": "Sportbedrijf",
        "hours_per_week": "16",
        "target_groups": [str(2**63), "9" * 30],
        "neighbourhoods": "Zuilen",
        "email": "sanne@example.org",
    }
    response = client.post(reverse("network:coach_list"), data)
    assert response.status_code == 400
    assert "Selecteer een geldige keuze" in response.content.decode()
    assert not NeighbourhoodSportCoach.objects.exists()
