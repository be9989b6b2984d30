"""Each computed desk quality criterion at its boundary, and the manual ticks."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from meetings.models import ContactMoment
from network.constants import Criterion
from network.quality import desk_criteria
from network.services import criterion_tick, criterion_untick
from sportloket.constants import OrganisationType, Role
from sportloket.models import DeskPartner
from sportloket.services import DomainError
from subsidies.constants import BudgetKind
from subsidies.models import Budget
from tests.factories import (
    DeskFactory,
    OrganisationFactory,
    ProviderFactory,
    StaffProfileFactory,
    municipality,
)

TODAY = dt.date(2026, 6, 15)


def result(desk, criterion):
    quality = desk_criteria([desk], on=TODAY)[0]
    return next(r for r in quality.results if r.criterion == criterion)


def partner(desk, kind, signed=True, municipality_=None):
    organisation = OrganisationFactory(type=kind, municipality=municipality_)
    DeskPartner.objects.create(
        desk=desk, organisation=organisation, declaration_signed_on=TODAY if signed else None
    )
    return organisation


def test_recognised_needs_signed_platform_municipality_and_federation(desk):
    partner(desk, OrganisationType.SPORT_PLATFORM)
    partner(desk, OrganisationType.MUNICIPALITY)
    partner(desk, OrganisationType.FEDERATION, signed=False)
    missing = result(desk, Criterion.RECOGNISED)
    assert not missing.met
    assert "sportbond" in missing.missing or "federation" in missing.missing

    DeskPartner.objects.filter(desk=desk).update(declaration_signed_on=TODAY)
    assert result(desk, Criterion.RECOGNISED).met


def test_recognised_needs_the_sportbedrijf_only_when_the_area_has_one(desk):
    for kind in (
        OrganisationType.SPORT_PLATFORM,
        OrganisationType.MUNICIPALITY,
        OrganisationType.FEDERATION,
    ):
        partner(desk, kind, municipality_=None)
    assert result(desk, Criterion.RECOGNISED).met
    sportbedrijf = OrganisationFactory(
        type=OrganisationType.SPORTBEDRIJF, municipality=municipality("GM0344")
    )
    assert not result(desk, Criterion.RECOGNISED).met
    DeskPartner.objects.create(desk=desk, organisation=sportbedrijf, declaration_signed_on=TODAY)
    assert result(desk, Criterion.RECOGNISED).met


@pytest.mark.parametrize(
    ("percent", "contacted", "met"),
    [(100, 9, False), (100, 10, True), (80, 7, False), (80, 8, True)],
)
def test_proactive_contact_at_the_configured_share_of_active_providers(
    desk, settings, percent, contacted, met
):
    """Seed 002: contact with all providers (the default 100 %); a desk may lower it."""
    settings.SPORTLOKET_CONTACT_SHARE_PERCENT = percent
    providers = ProviderFactory.create_batch(10, municipality=municipality("GM0344"))
    ProviderFactory(pending=True, municipality=municipality("GM0344"))  # not counted
    for provider in providers[:contacted]:
        ContactMoment.objects.create(
            provider=provider, desk=desk, date=TODAY, channel="visit", summary="bezoek"
        )
    assert result(desk, Criterion.PROACTIVE_CONTACT).met is met


def test_proactive_contact_counts_the_last_12_months_only(desk):
    provider = ProviderFactory(municipality=municipality("GM0344"))
    moment = ContactMoment.objects.create(
        provider=provider, desk=desk, date=dt.date(2025, 6, 15), channel="visit", summary="x"
    )
    assert result(desk, Criterion.PROACTIVE_CONTACT).met
    moment.date = dt.date(2025, 6, 14)
    moment.save()
    assert not result(desk, Criterion.PROACTIVE_CONTACT).met


def test_proactive_contact_with_no_providers_is_not_met(desk):
    empty = result(desk, Criterion.PROACTIVE_CONTACT)
    assert not empty.met
    assert empty.missing


def test_budgets_need_all_three_kinds_this_year(desk):
    for kind in (BudgetKind.EXECUTION, BudgetKind.SERVICES):
        Budget.objects.create(desk=desk, year=2026, kind=kind, name=kind, total=Decimal("1000"))
    Budget.objects.create(
        desk=desk, year=2025, kind=BudgetKind.OTHER, name="oud", total=Decimal("10")
    )
    assert not result(desk, Criterion.BUDGETS).met
    Budget.objects.create(
        desk=desk, year=2026, kind=BudgetKind.OTHER, name="Rabo", total=Decimal("10")
    )
    assert result(desk, Criterion.BUDGETS).met


def test_quality_systems_need_every_supporter_in_a_system(desk):
    assert not result(desk, Criterion.QUALITY_SYSTEMS).met  # no supporters at all
    StaffProfileFactory(desk=desk, organisation=OrganisationFactory(in_lab=True))
    assert result(desk, Criterion.QUALITY_SYSTEMS).met
    StaffProfileFactory(desk=desk, organisation=OrganisationFactory())
    assert not result(desk, Criterion.QUALITY_SYSTEMS).met


def test_network_overview_needs_providers_supporters_federation_and_platform(desk):
    ProviderFactory(municipality=municipality("GM0344"))
    StaffProfileFactory(desk=desk)
    partner(desk, OrganisationType.FEDERATION, signed=False)
    assert not result(desk, Criterion.NETWORK_OVERVIEW).met
    partner(desk, OrganisationType.SPORT_PLATFORM, signed=False)
    assert result(desk, Criterion.NETWORK_OVERVIEW).met


def test_declarations_need_every_partner_signed(desk):
    assert not result(desk, Criterion.DECLARATIONS).met
    partner(desk, OrganisationType.WELFARE)
    assert result(desk, Criterion.DECLARATIONS).met
    partner(desk, OrganisationType.CARE, signed=False)
    assert not result(desk, Criterion.DECLARATIONS).met


def test_manual_criterion_met_once_ticked_and_not_after_untick(desk, supporter):
    assert not result(desk, Criterion.WORKING_AREA).met
    criterion_tick(
        desk=desk,
        criterion=Criterion.WORKING_AREA,
        evidence="Verslag overleg KNVB",
        ticked_on=TODAY,
        by=supporter,
        today=TODAY,
    )
    ticked = result(desk, Criterion.WORKING_AREA)
    assert ticked.met
    assert ticked.tick.evidence == "Verslag overleg KNVB"
    criterion_untick(desk=desk, criterion=Criterion.WORKING_AREA, by=supporter)
    assert not result(desk, Criterion.WORKING_AREA).met


@pytest.mark.parametrize(
    ("criterion", "evidence", "on"),
    [
        (Criterion.BUDGETS, "bewijs", TODAY),
        (Criterion.WORKING_AREA, "   ", TODAY),
        (Criterion.WORKING_AREA, "bewijs", TODAY + dt.timedelta(days=1)),
    ],
)
def test_tick_refuses_computed_criterion_empty_evidence_and_future_date(
    desk, supporter, criterion, evidence, on
):
    with pytest.raises(DomainError):
        criterion_tick(
            desk=desk,
            criterion=criterion,
            evidence=evidence,
            ticked_on=on,
            by=supporter,
            today=TODAY,
        )
    assert not desk.criterion_ticks.exists()


def test_tick_refused_for_another_desks_supporter_and_policy_staff(desk, other_desk, policy):
    outsider = StaffProfileFactory(desk=other_desk).user
    for user in (outsider, policy):
        with pytest.raises(DomainError):
            criterion_tick(
                desk=desk,
                criterion=Criterion.WORKING_AREA,
                evidence="x",
                ticked_on=TODAY,
                by=user,
                today=TODAY,
            )


def _fill(count: int) -> list:
    desks = []
    for _i in range(count):
        desk = DeskFactory(municipalities=[municipality("GM0344")])
        partner(desk, OrganisationType.SPORT_PLATFORM)
        partner(desk, OrganisationType.FEDERATION, signed=False)
        StaffProfileFactory(desk=desk, role=Role.CLUB_SUPPORTER)
        Budget.objects.create(
            desk=desk, year=2026, kind=BudgetKind.EXECUTION, name="u", total=Decimal("1")
        )
        desks.append(desk)
    return desks


def test_desk_criteria_runs_a_constant_number_of_queries(db):
    ProviderFactory.create_batch(3, municipality=municipality("GM0344"))
    small = _fill(1)
    with CaptureQueriesContext(connection) as few:
        desk_criteria(small, on=TODAY)
    large = small + _fill(12)
    with CaptureQueriesContext(connection) as many:
        qualities = desk_criteria(large, on=TODAY)
    assert len(few) == len(many) <= 9
    assert [q.desk for q in qualities] == large
