"""Meetings of POS offices: founding steps through meetings, the programme, attendance,
agreements, invitations (.ics) and the overdue-agreement sweep."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.core import mail
from django.db import IntegrityError, transaction

from meetings.models import Agreement, AgreementNotice, Meeting
from meetings.programme import notices, services
from meetings.programme.constants import AttendeeRole, MeetingKind, MeetingStatus
from meetings.programme.ics import meeting_ics
from meetings.programme.selectors import meetings_for_office_year
from poskantoor.constants import Decision, OfficeStatus, SessionTopic, StepCode
from poskantoor.services import PosOfficeError
from sportloket.constants import OrganisationType
from sportloket.models import OutgoingEmail, TargetGroup
from tests.factories import (
    DeskFactory,
    OrganisationFactory,
    ProviderFactory,
    StaffProfileFactory,
)
from tests.poskantoor.factories import make_office

from .factories import MeetingFactory, amsterdam

pytestmark = pytest.mark.django_db
AMS = ZoneInfo("Europe/Amsterdam")
NOW = amsterdam(2030, 1, 1, 12, 0)


@pytest.fixture
def office(db):
    return make_office(registered_on=dt.date(2026, 1, 31))


def plan(office, kind, when, **extra):
    data = {
        "kind": kind,
        "title": f"{kind} bijeenkomst",
        "starts_at": when,
        "ends_at": when + dt.timedelta(hours=1),
        "location": "Stadhuis",
        **extra,
    }
    return services.meeting_create(office=office, data=data, by=None, today=when.date())


def step(office, code):
    return office.steps.filter(code=code).order_by("-attempt").first()


# --- Founding steps through meetings --------------------------------------------------------


def test_planning_the_intro_call_completes_2a_and_holding_it_completes_2b(office):
    meeting = plan(office, MeetingKind.INTRO_CALL, amsterdam(2026, 2, 10, 10, 0))
    assert step(office, "2a").completed_on == dt.date(2026, 2, 10)
    assert step(office, "2a").evidence == meeting
    services.meeting_record_held(meeting=meeting, by=None, now=NOW)
    two_b = step(office, "2b")
    assert two_b.completed_on == dt.date(2026, 2, 10)
    assert two_b.evidence == meeting
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.HELD


def _through_2b(office):
    intro = plan(office, MeetingKind.INTRO_CALL, amsterdam(2026, 2, 10, 10, 0))
    services.meeting_record_held(meeting=intro, by=None, now=NOW)


@pytest.fixture
def sides(db):
    """A POS employee and a policy officer of Utrecht: the two sides of the joint decision."""
    pos = StaffProfileFactory(pos_staff=True).user
    policy = StaffProfileFactory(policy_staff=True).user
    return pos, policy


def _go_with_reason(office, meeting, by, **extra):
    services.meeting_record_held(
        meeting=meeting,
        by=by,
        decision=Decision.GO,
        conditions_reason="Kerngroep wordt in de startbijeenkomst gevormd",
        now=NOW,
        **extra,
    )
    return office.decision_proposals.get(status="open")


def test_kartrekkers_meeting_records_one_sides_go_which_completes_step_3_when_confirmed(
    office, sides
):
    """ "Deze lokale kerngroep en POS besluiten gezamenlijk": the meeting records POS's GO;
    step 3 is completed (on the meeting's date) only when the municipality confirms."""
    from poskantoor.decisions import services as decisions

    pos, policy = sides
    _through_2b(office)
    meeting = plan(office, MeetingKind.KARTREKKERS, amsterdam(2026, 3, 5, 20, 0))
    with pytest.raises(services.MeetingError, match="GO / NO-GO"):
        services.meeting_record_held(meeting=meeting, by=pos, now=NOW)
    proposal = _go_with_reason(office, meeting, pos)
    # Planning the meeting reached step 3's deadline ("plant … in"); held only when confirmed.
    assert step(office, "3").held_on is None
    meeting.refresh_from_db()
    assert meeting.decision == Decision.GO
    decisions.decision_confirm(proposal=proposal, by=policy, today=dt.date(2030, 1, 1))
    three = step(office, "3")
    assert (three.held_on, three.decision) == (dt.date(2026, 3, 5), Decision.GO)
    assert three.evidence == meeting
    office.refresh_from_db()
    assert office.current_step == StepCode.START_MEETING


def test_kartrekkers_meeting_without_a_side_is_refused_and_nothing_is_saved(office):
    _through_2b(office)
    meeting = plan(office, MeetingKind.KARTREKKERS, amsterdam(2026, 3, 5, 20, 0))
    with pytest.raises(PosOfficeError, match="nemen het GO / NO-GO-besluit"):
        services.meeting_record_held(meeting=meeting, by=None, decision=Decision.GO, now=NOW)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PLANNED
    assert not office.decision_proposals.exists()


def test_kartrekkers_no_go_stop_ends_the_office_when_the_other_side_confirms(office, sides):
    from poskantoor.decisions import services as decisions

    pos, policy = sides
    _through_2b(office)
    meeting = plan(office, MeetingKind.KARTREKKERS, amsterdam(2026, 3, 5, 20, 0))
    services.meeting_record_held(
        meeting=meeting,
        by=policy,
        decision=Decision.NO_GO_STOP,
        stop_reason="Geen kartrekkers",
        now=NOW,
    )
    office.refresh_from_db()
    assert office.status != OfficeStatus.STOPPED
    proposal = office.decision_proposals.get()
    decisions.decision_confirm(proposal=proposal, by=pos, today=dt.date(2030, 1, 1))
    office.refresh_from_db()
    assert office.status == OfficeStatus.STOPPED
    assert office.stop_reason == "Geen kartrekkers"


def test_start_meeting_sessions_and_second_plenary_complete_steps_4_5_6(office, sides):
    from poskantoor.decisions import services as decisions

    _through_2b(office)
    kartrekkers = plan(office, MeetingKind.KARTREKKERS, amsterdam(2026, 3, 5, 20, 0))
    proposal = _go_with_reason(office, kartrekkers, sides[0])
    decisions.decision_confirm(proposal=proposal, by=sides[1], today=dt.date(2030, 1, 1))
    start = plan(office, MeetingKind.START_MEETING, amsterdam(2026, 4, 1, 19, 30))
    services.meeting_record_held(meeting=start, by=None, now=NOW)
    assert step(office, "4").completed_on == dt.date(2026, 4, 1)
    topics = [
        SessionTopic.SHORT_TERM_GOALS,
        SessionTopic.STAKEHOLDER_ANALYSIS,
        SessionTopic.YEAR_PLAN,
    ]
    kinds = [MeetingKind.START_SESSION_1, MeetingKind.START_SESSION_2, MeetingKind.START_SESSION_3]
    for month, (kind, topic) in enumerate(zip(kinds, topics, strict=True), start=5):
        session = plan(office, kind, amsterdam(2026, month, 2, 19, 30), session_topic=topic)
        services.meeting_record_held(meeting=session, by=None, now=NOW)
        if kind != MeetingKind.START_SESSION_3:
            assert step(office, "5").completed_on is None
    assert office.start_sessions.count() == 3
    assert step(office, "5").completed_on == dt.date(2026, 7, 2)
    plenary = plan(office, MeetingKind.SECOND_PLENARY, amsterdam(2026, 8, 20, 19, 30))
    services.meeting_record_held(meeting=plenary, by=None, now=NOW)
    assert step(office, "6").completed_on == dt.date(2026, 8, 20)
    assert step(office, "6").evidence == plenary


def test_a_founding_meeting_out_of_order_is_refused_and_stays_planned(office):
    meeting = plan(office, MeetingKind.START_MEETING, amsterdam(2026, 2, 20, 19, 30))
    with pytest.raises(PosOfficeError):
        services.meeting_record_held(meeting=meeting, by=None, now=NOW)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PLANNED
    assert step(office, "4").completed_on is None


def test_a_meeting_cannot_be_held_before_it_starts_nor_twice(office):
    meeting = MeetingFactory(office=office, starts_at=amsterdam(2031, 1, 1, 10, 0))
    with pytest.raises(services.MeetingError, match="pas als gehouden"):
        services.meeting_record_held(meeting=meeting, by=None, now=NOW)
    held = MeetingFactory(office=office, held=True)
    with pytest.raises(services.MeetingError, match="Alleen een geplande"):
        services.meeting_record_held(meeting=held, by=None, now=NOW)


def test_a_meeting_belongs_to_an_office_or_a_desk_and_ends_after_it_starts(office):
    start = amsterdam(2026, 3, 1, 10, 0)
    data = {"kind": "follow_up", "title": "X", "starts_at": start, "ends_at": start}
    with pytest.raises(services.MeetingError, match="eindigen na"):
        services.meeting_create(office=office, data=data, by=None)
    data["ends_at"] = start + dt.timedelta(hours=1)
    with pytest.raises(services.MeetingError, match="POS-kantoor of bij een loket"):
        services.meeting_create(data=data, by=None)
    assert not Meeting.objects.exists()


# --- Programme -------------------------------------------------------------------------------


def test_year_1_programme_plans_three_meetings_with_goals_and_twice_changes_nothing(office):
    created = services.programme_generate(
        office=office, programme="year_1", year=2027, include_optional=False, by=None
    )
    assert [m.kind for m in created] == [
        MeetingKind.START_MEETING,
        MeetingKind.MUNICIPAL_GOALS,
        MeetingKind.COOPERATION_SESSION,
    ]
    first = created[0]
    local = first.starts_at.astimezone(AMS)
    assert (local.month, local.weekday(), local.hour, local.minute) == (3, 1, 19, 30)
    assert "Kennismaken" in first.goals
    assert created[1].municipality_presented is True
    assert all(m.status == MeetingStatus.PLANNED for m in created)
    again = services.programme_generate(
        office=office, programme="year_1", year=2027, include_optional=True, by=None
    )
    assert again == []
    assert meetings_for_office_year(office=office, year=2027).count() == 3


def test_year_2_programme_with_optional_training_and_edit_afterwards(office):
    without = services.programme_generate(
        office=office, programme="year_2", year=2027, include_optional=False, by=None
    )
    assert [m.kind for m in without] == [
        MeetingKind.NEW_YEAR,
        MeetingKind.FUNDS,
        MeetingKind.ACCOMMODATIONS,
    ]
    optional = services.programme_generate(
        office=office, programme="year_2", year=2027, include_optional=True, by=None
    )
    assert [m.kind for m in optional] == [MeetingKind.TRAINING]
    extra = services.programme_generate(
        office=office, programme="extra", year=2027, include_optional=True, by=None
    )
    assert len(extra) == 3
    funds = without[1]
    moved = amsterdam(2027, 4, 20, 15, 0)
    services.meeting_update(
        meeting=funds,
        data={"starts_at": moved, "ends_at": moved + dt.timedelta(hours=1), "title": "Fondsen"},
        by=None,
    )
    funds.refresh_from_db()
    assert (funds.title, funds.starts_at, funds.sequence) == ("Fondsen", moved, 1)


def test_unknown_programme_is_refused(office):
    with pytest.raises(services.MeetingError):
        services.programme_generate(
            office=office, programme="year_9", year=2027, include_optional=False, by=None
        )


# --- Attendance ------------------------------------------------------------------------------


def test_flags_are_derived_from_the_attendees_roles_and_organisations(office):
    meeting = MeetingFactory(office=office)
    policy = StaffProfileFactory(policy_staff=True, user__username="wethouder").user
    welfare = OrganisationFactory(type=OrganisationType.WELFARE)
    entrepreneur = ProviderFactory(kind="entrepreneur", email="info@yoga.example")
    a = services.attendee_add(meeting=meeting, data={"user": policy}, by=None)
    b = services.attendee_add(
        meeting=meeting, data={"name": "Wijkteam", "organisation": welfare}, by=None
    )
    c = services.attendee_add(meeting=meeting, data={"provider": entrepreneur}, by=None)
    assert (a.role, b.role, c.role) == (
        AttendeeRole.POLICY_MAKER,
        AttendeeRole.SOCIAL_DOMAIN,
        AttendeeRole.ENTREPRENEUR,
    )
    assert c.email == "info@yoga.example"
    services.attendance_set(meeting=meeting, present_ids={c.pk}, by=None)
    meeting.refresh_from_db()
    assert (meeting.policy_maker_present, meeting.social_domain_present) == (False, False)
    services.attendance_set(meeting=meeting, present_ids={a.pk, b.pk}, by=None)
    meeting.refresh_from_db()
    assert (meeting.policy_maker_present, meeting.social_domain_present) == (True, True)
    with pytest.raises(services.MeetingError, match="staat al op de lijst"):
        services.attendee_add(meeting=meeting, data={"provider": entrepreneur}, by=None)


def test_attendance_of_another_meeting_or_a_future_meeting_is_refused(office):
    meeting = MeetingFactory(office=office)
    other = MeetingFactory(office=office)
    stranger = services.attendee_add(meeting=other, data={"name": "Iemand"}, by=None)
    with pytest.raises(services.MeetingError, match="deelnemers van deze"):
        services.attendance_set(meeting=meeting, present_ids={stranger.pk}, by=None)
    future = MeetingFactory(office=office, starts_at=amsterdam(2099, 1, 1, 10, 0))
    with pytest.raises(services.MeetingError, match="zodra de bijeenkomst"):
        services.attendance_set(meeting=future, present_ids=set(), by=None)


# --- Invitations (.ics) -----------------------------------------------------------------------


def _ics_of(message) -> str:
    """The invitation attached to an e-mail: one text/calendar part named uitnodiging.ics."""
    (part,) = [p for p in message.message().walk() if p.get_content_type() == "text/calendar"]
    assert part.get_filename() == "uitnodiging.ics"
    return part.get_payload(decode=True).decode()


def _event(ics: str) -> icalendar.Event:
    calendar = icalendar.Calendar.from_ical(ics)
    return next(iter(calendar.walk("VEVENT")))


@pytest.mark.parametrize(
    ("when", "utc_hour"),
    [(amsterdam(2026, 1, 15, 19, 30), 18), (amsterdam(2026, 7, 15, 19, 30), 17)],
    ids=["winter", "summer"],
)
def test_ics_is_read_back_with_the_right_times_in_amsterdam(office, when, utc_hour):
    meeting = MeetingFactory(office=office, starts_at=when, online_url="https://meet.example/x")
    ics = meeting_ics(meeting, attendee_emails=["a@example.org"])
    calendar = icalendar.Calendar.from_ical(ics)
    assert calendar["METHOD"] == "REQUEST"
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Amsterdam"]
    event = _event(ics)
    start = event.decoded("DTSTART")
    assert start == when
    assert str(start.tzinfo) == "Europe/Amsterdam"
    assert start.astimezone(dt.UTC).hour == utc_hour
    assert event.decoded("DTEND") == when + dt.timedelta(hours=2)
    assert str(event["UID"]) == f"meeting-{meeting.uid}@sportloket"
    assert event["SEQUENCE"] == 0
    assert "meet.example" in str(event["DESCRIPTION"])


def test_invitations_go_once_and_a_moved_meeting_sends_one_update(
    office, django_capture_on_commit_callbacks
):
    meeting = MeetingFactory(office=office, starts_at=amsterdam(2026, 9, 1, 19, 30))
    services.attendee_add(
        meeting=meeting, data={"name": "Piet", "email": "piet@example.org"}, by=None
    )
    services.attendee_add(meeting=meeting, data={"name": "Zonder mail"}, by=None)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert services.meeting_invite(meeting=meeting, by=None) == 1
    assert len(callbacks) == 1
    assert len(mail.outbox) == 1
    first_uid = str(_event(_ics_of(mail.outbox[0]))["UID"])
    assert services.meeting_invite(meeting=meeting, by=None) == 0
    moved = amsterdam(2026, 9, 8, 20, 0)
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_update(
            meeting=meeting,
            data={"starts_at": moved, "ends_at": moved + dt.timedelta(hours=2)},
            by=None,
        )
        services.meeting_update(meeting=meeting, data={"title": "Nieuwe titel"}, by=None)
    assert len(mail.outbox) == 2
    update = _event(_ics_of(mail.outbox[1]))
    assert (str(update["UID"]), update["SEQUENCE"]) == (first_uid, 1)
    assert update.decoded("DTSTART") == moved
    assert (
        OutgoingEmail.objects.filter(key__startswith=f"meeting-invite:{meeting.pk}:").count() == 2
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_cancel(meeting=meeting, by=None)
    cancelled = icalendar.Calendar.from_ical(_ics_of(mail.outbox[2]))
    assert cancelled["METHOD"] == "CANCEL"
    assert _event(_ics_of(mail.outbox[2]))["SEQUENCE"] == 2


# --- Agreements ------------------------------------------------------------------------------


def _agreement(meeting, due_on, email="eigenaar@example.org"):
    return services.agreement_add(
        meeting=meeting,
        by=None,
        data={
            "kind": "project",
            "description": "Beweegaanbod voor ouderen",
            "target_group": TargetGroup.objects.first(),
            "owner_name": "Eigenaar",
            "owner_email": email,
            "due_on": due_on,
        },
    )


def test_overdue_agreements_notify_the_owner_once(office, django_assert_num_queries):
    meeting = MeetingFactory(office=office, held=True)
    overdue = _agreement(meeting, dt.date(2026, 3, 1))
    _agreement(meeting, dt.date(2026, 6, 1))  # not yet due
    _agreement(meeting, dt.date(2026, 3, 1), email="")  # nobody to tell
    done = _agreement(meeting, dt.date(2026, 3, 1))
    services.agreement_done(agreement=done, by=None, on=dt.date(2026, 3, 2))
    # The claim, its read-back and the unsent older claims: a fixed number of statements.
    with django_assert_num_queries(6):
        claimed = notices.agreements_overdue_sweep(today=dt.date(2026, 4, 1)).claimed
    assert AgreementNotice.objects.get().agreement == overdue
    assert notices.agreement_notices_send(notice_ids=claimed, today=dt.date(2026, 4, 1)) == 1
    assert notices.agreements_overdue_sweep(today=dt.date(2026, 4, 2)).to_send == []
    assert notices.agreement_notices_send(notice_ids=claimed, today=dt.date(2026, 4, 2)) == 0
    emails = OutgoingEmail.objects.filter(key__startswith="agreement-overdue:")
    assert list(emails.values_list("to", flat=True)) == [["eigenaar@example.org"]]
    with pytest.raises(services.MeetingError):
        services.agreement_done(agreement=done, by=None)


def test_overdue_sweep_query_count_does_not_grow_with_agreements(office, django_assert_num_queries):
    meeting = MeetingFactory(office=office, held=True)
    for _ in range(30):
        _agreement(meeting, dt.date(2026, 3, 1))
    with django_assert_num_queries(6):
        claimed = notices.agreements_overdue_sweep(today=dt.date(2026, 4, 1)).claimed
    assert len(claimed) == 30
    assert Agreement.objects.count() == 30


def test_agreement_needs_description_and_owner(office):
    meeting = MeetingFactory(office=office)
    with pytest.raises(services.MeetingError):
        services.agreement_add(
            meeting=meeting,
            by=None,
            data={
                "kind": "agreement",
                "description": " ",
                "owner_name": "X",
                "due_on": dt.date(2026, 1, 1),
            },
        )
    assert not Agreement.objects.exists()


def test_the_database_refuses_a_meeting_of_both_or_neither_office_and_desk(office):
    for owner in ({"office": office, "desk": DeskFactory()}, {}):
        with pytest.raises(IntegrityError), transaction.atomic():
            MeetingFactory(**owner)


def test_a_stopped_office_plans_no_meetings(office):
    office.status, office.stopped_on = OfficeStatus.STOPPED, dt.date(2026, 3, 1)
    office.save()
    with pytest.raises(services.MeetingError, match="gestopt"):
        plan(office, MeetingKind.FOLLOW_UP, amsterdam(2026, 4, 1, 19, 0))
    with pytest.raises(services.MeetingError, match="gestopt"):
        services.programme_generate(
            office=office, programme="year_2", year=2027, include_optional=False, by=None
        )
    assert not Meeting.objects.exists()


def test_an_agreement_done_after_its_notice_was_claimed_is_not_e_mailed(office):
    meeting = MeetingFactory(office=office, held=True)
    agreement = _agreement(meeting, dt.date(2026, 3, 1))
    claimed = notices.agreements_overdue_sweep(today=dt.date(2026, 4, 1)).claimed
    services.agreement_done(agreement=agreement, by=None, on=dt.date(2026, 4, 1))
    assert notices.agreement_notices_send(notice_ids=claimed, today=dt.date(2026, 4, 1)) == 0
    assert AgreementNotice.objects.get().closed_at is not None
    assert not OutgoingEmail.objects.filter(key__startswith="agreement-overdue:").exists()
