"""Matching schemes to providers: each criterion, its absence, and the order."""

import datetime as dt

import pytest

from providers.constants import ProviderKind, SafetyStatus
from subsidies import selectors
from tests.factories import ProviderFactory, StaffProfileFactory, municipality

from .factories import SchemeFactory, target_group

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 1)


def names(matches):
    return [m.scheme.name for m in matches]


def provider(**kwargs):
    groups = kwargs.pop("groups", [])
    return ProviderFactory(eligible=True, target_groups=[target_group(s) for s in groups], **kwargs)


def test_open_scheme_without_criteria_fits_every_provider_kind():
    SchemeFactory(name="Algemeen")
    for kind in ProviderKind.values:
        assert names(selectors.matches_for_provider(provider(kind=kind), on=TODAY)) == ["Algemeen"]


def test_kind_that_may_not_apply_does_not_match():
    SchemeFactory(name="Alleen clubs", for_entrepreneurs=False, for_other=False)
    assert selectors.matches_for_provider(provider(kind=ProviderKind.ENTREPRENEUR), on=TODAY) == []
    matches = selectors.matches_for_provider(provider(kind=ProviderKind.CLUB), on=TODAY)
    assert names(matches) == ["Alleen clubs"]
    assert str(ProviderKind.CLUB.label) in matches[0].reasons[0]


def test_shared_target_group_matches_and_says_so():
    SchemeFactory(name="Jeugd", target_groups=["jeugd", "ouderen"])
    matches = selectors.matches_for_provider(provider(groups=["jeugd"]), on=TODAY)
    assert names(matches) == ["Jeugd"]
    assert any("Jeugd" in reason for reason in matches[0].reasons)


def test_no_shared_target_group_does_not_match():
    SchemeFactory(name="Jeugd", target_groups=["jeugd"])
    assert selectors.matches_for_provider(provider(groups=["ouderen"]), on=TODAY) == []
    assert selectors.matches_for_provider(provider(groups=[]), on=TODAY) == []


def test_scheme_without_target_groups_is_open_to_every_group():
    SchemeFactory(name="Iedereen")
    assert names(selectors.matches_for_provider(provider(groups=[]), on=TODAY)) == ["Iedereen"]


@pytest.mark.parametrize(
    ("theme_slug", "fitting", "not_fitting"),
    [
        ("inclusie-diversiteit", {"groups": ["ouderen"]}, {"groups": ["jeugd"]}),
        ("vaardig-in-bewegen", {"groups": ["jeugd"]}, {"groups": ["ouderen"]}),
        (
            "sociaal-veilige-sport",
            {"vcp_status": SafetyStatus.IN_PROGRESS, "elearning_status": SafetyStatus.MET},
            {"elearning_status": SafetyStatus.MET},
        ),
    ],
)
def test_theme_is_derived_from_the_provider(theme_slug, fitting, not_fitting):
    SchemeFactory(name="Thema", themes=[theme_slug])
    assert names(selectors.matches_for_provider(provider(**fitting), on=TODAY)) == ["Thema"]
    assert selectors.matches_for_provider(provider(**not_fitting), on=TODAY) == []


def test_vital_providers_theme_fits_every_provider():
    SchemeFactory(name="Vitaal", themes=["vitale-sportaanbieders"])
    assert names(selectors.matches_for_provider(provider(), on=TODAY)) == ["Vitaal"]


def test_theme_that_cannot_be_derived_never_matches():
    SchemeFactory(name="Ruimte", themes=["ruimte-voor-sport-en-bewegen"])
    assert selectors.matches_for_provider(provider(groups=["jeugd", "ouderen"]), on=TODAY) == []


@pytest.mark.parametrize(
    "kwargs",
    [
        {"closes_on": TODAY - dt.timedelta(days=1)},
        {"opens_on": TODAY + dt.timedelta(days=1)},
        {"active": False},
    ],
)
def test_scheme_that_is_not_open_does_not_match(kwargs):
    SchemeFactory(name="Dicht", **kwargs)
    assert selectors.matches_for_provider(provider(), on=TODAY) == []


def test_open_period_includes_its_first_and_last_day():
    SchemeFactory(name="Vandaag", opens_on=TODAY, closes_on=TODAY)
    assert names(selectors.matches_for_provider(provider(), on=TODAY)) == ["Vandaag"]


def test_best_first_specific_target_groups_before_generic_then_closing_soonest():
    SchemeFactory(name="A generiek", themes=["vitale-sportaanbieders", "inclusie-diversiteit"])
    SchemeFactory(name="B jeugd", target_groups=["jeugd"])
    SchemeFactory(name="C jeugd en ouderen", target_groups=["jeugd", "ouderen"])
    SchemeFactory(name="D jeugd sluit eerder", target_groups=["jeugd"], closes_on=TODAY)
    matches = selectors.matches_for_provider(provider(groups=["jeugd", "ouderen"]), on=TODAY)
    assert names(matches) == [
        "C jeugd en ouderen",
        "D jeugd sluit eerder",
        "B jeugd",
        "A generiek",
    ]


def test_providers_for_scheme_are_scoped_to_the_desk_area_and_active():
    supporter = StaffProfileFactory(club_supporter=True).user
    scheme = SchemeFactory(target_groups=["jeugd"])
    inside = provider(groups=["jeugd"], name="Binnen")
    provider(groups=["jeugd"], name="Elders", municipality=municipality("GM0363"))
    provider(groups=["ouderen"], name="Andere doelgroep")
    ProviderFactory(pending=True, target_groups=[target_group("jeugd")], name="Onbevestigd")
    found = selectors.providers_for_scheme(user=supporter, scheme=scheme)
    assert list(found) == [inside]


def test_providers_for_scheme_respects_kind():
    pos = StaffProfileFactory(pos_staff=True).user
    scheme = SchemeFactory(for_entrepreneurs=False, for_other=False)
    club = provider(kind=ProviderKind.CLUB)
    provider(kind=ProviderKind.ENTREPRENEUR)
    assert list(selectors.providers_for_scheme(user=pos, scheme=scheme)) == [club]


def test_database_matching_agrees_with_match_scheme_in_every_combination():
    """The provider list's SQL filter and score are the same rule as ``match_scheme``, and
    ``scheme_fits`` (the digest's matching of changed providers) the same as both."""
    import itertools
    import random

    from sportloket.models import Theme

    rng = random.Random(3)
    pos = StaffProfileFactory(pos_staff=True).user
    groups = ["jeugd", "ouderen"]
    theme_slugs = list(Theme.objects.filter(kind="sportakkoord").values_list("slug", flat=True))
    for kind, group_set in itertools.product(
        ProviderKind.values, [[], ["jeugd"], ["ouderen"], ["jeugd", "ouderen"]]
    ):
        for safe in (True, False):
            extra = {"elearning_status": SafetyStatus.MET if safe else SafetyStatus.NOT_MET}
            provider(kind=kind, groups=group_set, **extra)
    schemes = [
        SchemeFactory(
            for_clubs=rng.random() < 0.7,
            for_entrepreneurs=rng.random() < 0.7,
            for_other=True,
            target_groups=rng.sample(groups, rng.randint(0, 2)),
            themes=rng.sample(theme_slugs, rng.randint(0, 2)),
        )
        for _ in range(12)
    ]
    for scheme in selectors.open_schemes(on=TODAY):
        found = list(selectors.providers_for_scheme(user=pos, scheme=scheme))
        expected = sorted(
            (
                (m.score, p)
                for p in selectors.provider_queryset(user=pos)
                if (m := selectors.match_scheme(p, scheme)) is not None
            ),
            key=lambda pair: (-pair[0], pair[1].name, pair[1].pk),
        )
        assert [(p.match_score, p) for p in found] == expected, scheme
        fitting = [
            p for p in selectors.provider_queryset(user=pos) if selectors.scheme_fits(p, scheme)
        ]
        assert sorted(fitting, key=lambda p: p.pk) == sorted(
            (p for _score, p in expected), key=lambda p: p.pk
        ), scheme
    assert len(schemes) == 12
