"""The basic conditions of seed 000 §6.1 as the handreiking words them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from poskantoor.conditions import thresholds_for
from poskantoor.constants import MemberKind
from poskantoor.decisions import services as decisions
from poskantoor.models import MappingStatement
from poskantoor.selectors import basic_conditions
from poskantoor.services import PosOfficeError
from providers.constants import ProviderStatus
from tests.factories import ProviderFactory, StaffProfileFactory

from .factories import CoreGroupMemberFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 1)
FROM = dt.date(2026, 1, 1)
TWO_YEARS = dt.date(2027, 12, 31)  # inclusive of its last day


def conditions(office):
    return {c.key: c for c in basic_conditions(office, today=TODAY)}


def professional(office, hours, until=TWO_YEARS, **extra):
    return CoreGroupMemberFactory(
        office=office,
        professional=True,
        hours_per_week=Decimal(hours),
        committed_from=FROM,
        committed_until=until,
        **extra,
    )


def entrepreneur(office, provider, hours, until=TWO_YEARS):
    return CoreGroupMemberFactory(
        office=office,
        provider=provider,
        hours_per_week=Decimal(hours),
        committed_from=FROM,
        committed_until=until,
    )


# --- "minimaal 2 jaar" ------------------------------------------------------------------------


def test_two_years_counts_its_last_day_1_january_to_31_december_next_year():
    limits = thresholds_for(None)
    assert limits.commitment_lasts(FROM, dt.date(2027, 12, 31))
    assert not limits.commitment_lasts(FROM, dt.date(2027, 12, 30))
    assert limits.commitment_lasts(dt.date(2026, 3, 15), dt.date(2028, 3, 14))
    assert not limits.commitment_lasts(dt.date(2026, 3, 15), dt.date(2028, 3, 13))


def test_professional_commitment_of_2_years_to_the_day_counts_one_day_short_does_not(office):
    professional(office, 2, until=dt.date(2027, 12, 30))
    assert not conditions(office)["professional"].met
    professional(office, 2)
    assert conditions(office)["professional"].met


# --- "Professionele inzet": the organisation's commitment -----------------------------------


def test_professional_hours_add_up_over_the_organisations_professionals(office):
    """ "Gemeente/sportbedrijf is bereid om professionele inzet te leveren voor minimaal 2 uur per
    week": 1 h + 1 h of two professionals is the organisation's 2 h."""
    professional(office, 1, name="Ambtenaar")
    assert not conditions(office)["professional"].met
    professional(office, 1, name="Sportbedrijf", kind=MemberKind.SPORTBEDRIJF)
    result = conditions(office)["professional"]
    assert result.met
    assert "Samen 2 u/week" in result.evidence[-1]


def test_professional_one_and_a_half_hours_is_not_enough_two_is(office):
    member = professional(office, "1.5")
    result = conditions(office)["professional"]
    assert not result.met
    assert result.missing == "nog 0,5 uur per week van professionals voor 2 jaar"
    member.hours_per_week = Decimal(2)
    member.save()
    assert conditions(office)["professional"].met


# --- "Investering ondernemers": per enterprise ------------------------------------------------


def test_people_of_the_same_enterprise_add_up_but_count_as_one_enterprise(office):
    """ "Minimaal 2 ondernemers zijn bereid om per onderneming minimaal 2 uur per week te
    investeren": two people of one provider with 1 h each are one enterprise at 2 h."""
    gym = ProviderFactory(municipality=office.municipality, name="Sportschool Fit")
    entrepreneur(office, gym, 1)
    entrepreneur(office, gym, 1)
    result = conditions(office)
    assert not result["entrepreneurs"].met
    assert result["entrepreneurs"].missing.startswith("nog 1 onderneming")
    assert "Sportschool Fit: 2 u/week" in result["entrepreneurs"].evidence[0]
    assert not result["support"].met  # one enterprise is not "2 ondernemers"
    pool = ProviderFactory(municipality=office.municipality, name="Zwemschool Nat")
    entrepreneur(office, pool, 2)
    assert conditions(office)["entrepreneurs"].met


def test_an_enterprise_at_one_and_a_half_hours_does_not_count(office):
    entrepreneur(office, ProviderFactory(municipality=office.municipality), 2)
    entrepreneur(office, ProviderFactory(municipality=office.municipality), "1.5")
    assert not conditions(office)["entrepreneurs"].met
    entrepreneur(office, ProviderFactory(municipality=office.municipality), 2)
    assert conditions(office)["entrepreneurs"].met


def test_an_enterprise_committed_one_day_short_of_two_years_does_not_count(office):
    entrepreneur(office, ProviderFactory(municipality=office.municipality), 2)
    entrepreneur(
        office, ProviderFactory(municipality=office.municipality), 2, until=dt.date(2027, 12, 30)
    )
    assert not conditions(office)["entrepreneurs"].met


# --- "Sportondernemers in beeld": the municipality's statement ------------------------------


def test_mapped_is_the_municipalitys_statement_with_one_active_entrepreneur_not_8(office):
    """ "De sportondernemers in de gemeente zijn in kaart gebracht" is the municipality's
    statement, with the registered count as evidence - not the guideline's "8+"."""
    policy = StaffProfileFactory(policy_staff=True).user
    with pytest.raises(PosOfficeError, match="nog geen actieve sportondernemer"):
        decisions.mapping_state(office=office, by=policy, stated_on=TODAY, today=TODAY)
    assert not MappingStatement.objects.exists()
    provider = ProviderFactory(municipality=office.municipality)
    assert not conditions(office)["mapped"].met  # registered, but not stated
    statement = decisions.mapping_state(
        office=office, by=policy, stated_on=TODAY, note="Via de KvK", today=TODAY
    )
    assert statement.registered_count == 1
    result = conditions(office)["mapped"]
    assert result.met
    assert (
        result.evidence[0]
        == "Volgens de gemeente in kaart gebracht op 01-03-2026 (toen 1 geregistreerd)"
    )
    provider.status = ProviderStatus.INACTIVE
    provider.save()
    assert not conditions(office)["mapped"].met


def test_only_the_municipalitys_own_policy_staff_state_the_mapping(office):
    ProviderFactory(municipality=office.municipality)
    pos = StaffProfileFactory(pos_staff=True).user
    other = StaffProfileFactory(policy_staff=True, municipality=_amsterdam()).user
    for user in (pos, other):
        with pytest.raises(PosOfficeError, match="Alleen beleidsmedewerkers van Utrecht"):
            decisions.mapping_state(office=office, by=user, stated_on=TODAY, today=TODAY)
    policy = StaffProfileFactory(policy_staff=True).user
    with pytest.raises(PosOfficeError, match="toekomst"):
        decisions.mapping_state(
            office=office, by=policy, stated_on=TODAY + dt.timedelta(days=1), today=TODAY
        )
    assert not MappingStatement.objects.exists()


def _amsterdam():
    from tests.factories import municipality

    return municipality("GM0363")
