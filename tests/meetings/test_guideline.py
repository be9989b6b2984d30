"""The POS guideline check (seed 000 §4): every norm at its boundary, per calendar year."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.utils import translation

from meetings.models import Attendee
from meetings.programme.constants import AttendeeRole
from meetings.programme.guideline import guideline_for, guidelines_for
from poskantoor.constants import MemberKind
from subsidies import services as subsidies_services
from subsidies.models import SchemeShare
from tests.factories import ProviderFactory, municipality
from tests.poskantoor.factories import CoreGroupMemberFactory, make_office
from tests.subsidies.factories import SchemeFactory

from .factories import MeetingFactory, amsterdam

pytestmark = pytest.mark.django_db
YEAR = 2025


@pytest.fixture
def office(db):
    return make_office(registered_on=dt.date(2024, 1, 31))


def held(office, n, **flags):
    return [
        MeetingFactory(
            office=office, held=True, starts_at=amsterdam(YEAR, 2 + i, 1, 19, 0), **flags
        )
        for i in range(n)
    ]


def norm(office, key, year=YEAR):
    return guideline_for(office, year=year).norm(key)


@pytest.mark.parametrize(("n", "met"), [(2, False), (3, True)])
def test_at_least_three_held_meetings(office, n, met):
    held(office, n)
    MeetingFactory(office=office, starts_at=amsterdam(YEAR, 9, 1, 19, 0))  # planned
    MeetingFactory(office=office, status="cancelled", starts_at=amsterdam(YEAR, 9, 2, 19, 0))
    assert (norm(office, "meetings").value, norm(office, "meetings").met) == (n, met)


def test_meetings_count_in_the_amsterdam_calendar_year(office):
    MeetingFactory(office=office, held=True, starts_at=amsterdam(YEAR, 12, 31, 23, 30))
    MeetingFactory(office=office, held=True, starts_at=amsterdam(YEAR + 1, 1, 1, 0, 30))
    MeetingFactory(office=office, held=True, starts_at=amsterdam(YEAR, 1, 1, 0, 0))
    assert norm(office, "meetings").value == 2
    assert norm(office, "meetings", year=YEAR + 1).value == 1


@pytest.mark.parametrize(("n", "met"), [(0, False), (1, True)])
def test_at_least_one_meeting_with_the_social_domain(office, n, met):
    held(office, 3 - n)
    held(office, n, social_domain_present=True)
    assert norm(office, "social_domain").met is met


@pytest.mark.parametrize(("n", "met"), [(1, False), (2, True)])
def test_policy_maker_at_at_least_two_meetings(office, n, met):
    held(office, n, policy_maker_present=True)
    held(office, 2)
    assert (norm(office, "policy_maker").value, norm(office, "policy_maker").met) == (n, met)


@pytest.mark.parametrize(("n", "met"), [(0, False), (1, True)])
def test_municipality_presents_target_groups_and_themes_once(office, n, met):
    held(office, 2)
    held(office, n, municipality_presented=True)
    MeetingFactory(
        office=office, municipality_presented=True, starts_at=amsterdam(YEAR, 11, 1, 19, 0)
    )
    assert norm(office, "presentation").met is met


@pytest.mark.parametrize(
    ("present", "core", "met"), [(7, 0, False), (8, 0, True), (5, 3, True), (4, 3, False)]
)
def test_at_least_eight_entrepreneurs_in_the_network(office, present, core, met):
    meetings = held(office, 2)
    entrepreneurs = [ProviderFactory(kind="entrepreneur") for _ in range(present)]
    for i, provider in enumerate(entrepreneurs):
        for meeting in meetings:  # attending twice counts once
            Attendee.objects.create(
                meeting=meeting,
                name=provider.name,
                role=AttendeeRole.ENTREPRENEUR,
                provider=provider,
                present=i % 2 == 0 or meeting == meetings[0],
            )
    club = ProviderFactory(kind="club")
    Attendee.objects.create(
        meeting=meetings[0], name="club", role="provider", provider=club, present=True
    )
    absent = ProviderFactory(kind="entrepreneur")
    Attendee.objects.create(meeting=meetings[0], name="weg", role="entrepreneur", provider=absent)
    for _ in range(core):
        CoreGroupMemberFactory(office=office, committed_from=dt.date(2024, 1, 1))
    CoreGroupMemberFactory(  # commitment ended before the year
        office=office, committed_from=dt.date(2022, 1, 1), committed_until=dt.date(2024, 12, 31)
    )
    value = norm(office, "entrepreneurs")
    assert (value.value, value.met) == (present + core, met)


@pytest.mark.parametrize(("hours", "met"), [(Decimal("3.5"), False), (Decimal("4"), True)])
def test_professional_support_of_four_hours_a_week(office, hours, met):
    since = dt.date(2024, 6, 1)
    CoreGroupMemberFactory(
        office=office, professional=True, hours_per_week=hours - 2, committed_from=since
    )
    CoreGroupMemberFactory(
        office=office,
        kind=MemberKind.SPORTBEDRIJF,
        provider=None,
        hours_per_week=Decimal(2),
        committed_from=since,
    )
    CoreGroupMemberFactory(office=office, hours_per_week=Decimal(10), committed_from=since)
    CoreGroupMemberFactory(  # from the next year only
        office=office,
        professional=True,
        committed_from=dt.date(YEAR + 1, 1, 1),
        committed_until=dt.date(YEAR + 3, 1, 1),
        hours_per_week=Decimal(8),
    )
    assert norm(office, "support_hours").value == hours
    assert norm(office, "support_hours").met is met


@pytest.mark.parametrize(("shared", "met"), [(0, False), (1, True)])
def test_subsidies_shared_with_at_least_one_entrepreneur(office, shared, met):
    scheme = SchemeFactory()
    for _ in range(shared):
        provider = ProviderFactory(kind="entrepreneur", municipality=office.municipality)
        SchemeShare.objects.create(scheme=scheme, provider=provider, channel="staff", claim=_uuid())
    other = ProviderFactory(kind="entrepreneur", municipality=municipality("GM0363"))
    SchemeShare.objects.create(scheme=scheme, provider=other, channel="staff", claim=_uuid())
    SchemeShare.objects.update(shared_at=amsterdam(YEAR, 5, 1, 12, 0))
    # Shares written directly and dated back: derive the entrepreneurs reached from them.
    subsidies_services.entrepreneur_reach_rebuild(
        provider_ids=list(SchemeShare.objects.values_list("provider_id", flat=True))
    )
    assert norm(office, "subsidies").met is met


def _uuid() -> uuid.UUID:
    return uuid.uuid4()


def test_guidelines_for_many_offices_take_a_fixed_number_of_queries(django_assert_num_queries):
    offices = [make_office(code) for code in ("GM0344", "GM0363", "GM0599", "GM0518")]
    for office in offices[:2]:
        held(office, 3, social_domain_present=True)
        CoreGroupMemberFactory(
            office=office,
            professional=True,
            hours_per_week=Decimal(4),
            committed_from=dt.date(YEAR, 1, 1),
        )
    # No rollup for YEAR: the subsidies figure is live; one query loads the offices' process
    # versions (their norms), which stay on the offices for the second call.
    with django_assert_num_queries(7):
        result = guidelines_for(offices, year=YEAR)
    assert [result[o.pk].met_count for o in offices] == [3, 3, 0, 0]
    with django_assert_num_queries(6):
        assert guidelines_for(offices[:1], year=YEAR)[offices[0].pk] == result[offices[0].pk]


# --- "Bijeenkomsten per jaar 3": meetings with the network of entrepreneurs ------------------


@pytest.mark.parametrize(("extra", "met"), [(0, False), (1, True)])
def test_founding_meetings_without_the_network_do_not_count_towards_3_meetings(office, extra, met):
    """ "Bijeenkomsten per jaar 3" counts the office's meetings with its network: not the
    introduction call, the kartrekkers meeting or the core group's start sessions."""
    founding = ["intro_call", "kartrekkers", "start_session_1", "start_session_2"]
    for i, kind in enumerate([*founding, "start_session_3"]):
        MeetingFactory(
            office=office,
            kind=kind,
            held=True,
            policy_maker_present=True,
            social_domain_present=True,
            starts_at=amsterdam(YEAR, 1, 10 + i, 19, 0),
        )
    MeetingFactory(office=office, kind="start_meeting", held=True, starts_at=amsterdam(YEAR, 3, 1))
    held(office, 1 + extra)
    assert (norm(office, "meetings").value, norm(office, "meetings").met) == (2 + extra, met)
    assert norm(office, "social_domain").value == 0
    assert norm(office, "policy_maker").value == 0


def test_an_attendee_of_a_participation_organisation_is_the_social_domain(office):
    """ "Samenwerking met … Zorg & Welzijn | Participatie": a participation organisation is
    the social domain, so its attendee makes it "Waarvan met sociaal domein 1"."""
    from meetings.programme import services
    from sportloket.constants import OrganisationType
    from tests.factories import OrganisationFactory

    meeting = held(office, 1)[0]
    assert not norm(office, "social_domain").met
    sport_club = OrganisationFactory(type=OrganisationType.SPORT_CLUB)
    services.attendee_add(
        meeting=meeting, data={"name": "Club", "organisation": sport_club, "present": True}, by=None
    )
    assert not norm(office, "social_domain").met
    participation = OrganisationFactory(type=OrganisationType.PARTICIPATION, name="Werkbedrijf")
    attendee = services.attendee_add(
        meeting=meeting,
        data={"name": "Sanne", "organisation": participation, "present": True},
        by=None,
    )
    assert attendee.role == AttendeeRole.SOCIAL_DOMAIN
    assert norm(office, "social_domain").met


def test_the_guideline_reads_its_norms_through_the_offices_norms(office):
    from poskantoor.conditions import guideline_norms_for

    norms = guideline_norms_for(office)
    assert (norms.meetings, norms.social_domain_meetings, norms.entrepreneurs) == (3, 1, 8)
    assert norm(office, "meetings").threshold == norms.meetings
    assert norm(office, "support_hours").threshold == Decimal(4)


# --- Titles state the numbers of the office's process version -----------------------------------


def _titles(office) -> dict[str, str]:
    with translation.override("nl"):
        return {n.key: n.title for n in guideline_for(office, year=YEAR).norms}


def test_titles_state_the_handreikings_numbers_for_an_office_on_version_1(office):
    """Seed 000 §4: "Bijeenkomsten per jaar 3", "Waarvan met sociaal domein 1", "Aantal
    ondernemers 8+", "Beleidsmaker is minimaal 2x per jaar", "4 uur per week (0,11FTE)"."""
    titles = _titles(office)
    assert titles["meetings"] == "Minimaal 3 bijeenkomsten per jaar"
    assert titles["social_domain"] == "Waarvan minimaal 1 met het sociaal domein"
    assert titles["entrepreneurs"] == "Minimaal 8 ondernemers in het netwerk"
    assert titles["policy_maker"] == "Beleidsmaker bij minimaal 2 bijeenkomsten"
    assert titles["support_hours"] == "Professionele ondersteuning 4,0 uur/week (0,11 fte)"


def test_titles_state_the_numbers_of_the_offices_process_version(office, pos_staff):
    """Seed 000: "Deze handreiking is dan ook een levend document": a version that asks four
    meetings, two with the social domain and ten entrepreneurs says so in its titles, and its
    check counts against the same numbers."""
    from poskantoor import services as pos_services
    from poskantoor.models import ProcessVersion

    other = make_office("GM0363", registered_on=dt.date(2024, 1, 31))
    draft = pos_services.process_version_draft(source=ProcessVersion.objects.get(number=1), by=None)
    ProcessVersion.objects.filter(pk=draft.pk).update(
        meetings_per_year=4, social_domain_meetings_per_year=2, network_size=10
    )
    draft.refresh_from_db()
    version = pos_services.process_version_publish(version=draft, by=pos_staff)
    pos_services.office_move_to_version(office=other, version=version, by=pos_staff)
    other.refresh_from_db()
    held(other, 3)
    titles = _titles(other)
    assert titles["meetings"] == "Minimaal 4 bijeenkomsten per jaar"
    assert titles["social_domain"] == "Waarvan minimaal 2 met het sociaal domein"
    assert titles["entrepreneurs"] == "Minimaal 10 ondernemers in het netwerk"
    assert "3 bijeenkomsten" not in " ".join(titles.values())
    meetings = norm(other, "meetings")
    assert (meetings.value, meetings.threshold, meetings.met) == (3, 4, False)
    # The office on version 1 keeps the handreiking's words, in the same call.
    both = guidelines_for([office, other], year=YEAR)
    assert both[office.pk].norm("meetings").title != both[other.pk].norm("meetings").title


def test_titles_read_in_english_with_singular_and_plural():
    from meetings.programme.guideline import norm_title

    with translation.override("en"):
        assert norm_title("meetings", 1) == "At least 1 meeting a year"
        assert norm_title("meetings", 4) == "At least 4 meetings a year"
        assert norm_title("support_hours", Decimal(4)) == (
            "Professional support of 4,0 hours/week (0,11 FTE)"  # one Dutch number format
        )
