"""The founding steps as the handreiking describes them: planned and held dates, real dates
entered afterwards, counting from the registration, who completes what, who is reminded, and
the versioned process definition POS edits."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from meetings.programme import services as meeting_services
from meetings.programme.constants import MeetingKind
from poskantoor import services
from poskantoor.conditions import guideline_norms_for, thresholds_for
from poskantoor.constants import Decision, NoticeKind, StepCode, VersionStatus
from poskantoor.models import DeadlineNotice, FoundingStep, InterestRegistration, ProcessVersion
from poskantoor.selectors import open_step, step_notice_recipients
from poskantoor.services import PosOfficeError
from sportloket.selectors import audit_events_for
from tests.factories import municipality
from tests.meetings.factories import amsterdam

from .factories import CoreGroupMemberFactory, make_office

pytestmark = pytest.mark.django_db

D = dt.date
TODAY = D(2030, 1, 1)


def step(office, code):
    return office.steps.filter(code=code).order_by("-attempt").first()


def hold(office, code, on, **kwargs):
    kwargs.setdefault("today", TODAY)
    kwargs.setdefault("by", None)
    return services.step_complete(step=open_step(office=office, code=code), on=on, **kwargs)


def plan(office, code, on, **kwargs):
    kwargs.setdefault("today", TODAY)
    kwargs.setdefault("by", None)
    return services.step_plan(step=open_step(office=office, code=code), on=on, **kwargs)


def through_3(office):
    plan(office, "2a", D(2026, 2, 2))
    hold(office, "2a", D(2026, 2, 10))
    hold(office, "2b", D(2026, 2, 10))
    hold(office, "3", D(2026, 3, 5), decision=Decision.GO)
    office.refresh_from_db()
    return office


def meeting_data(kind, when, **extra):
    return {
        "kind": kind,
        "title": "Kennismaking",
        "starts_at": when,
        "ends_at": when + dt.timedelta(hours=1),
        "location": "Online",
        **extra,
    }


# --- Real dates entered afterwards ------------------------------------------------------------


def test_intro_call_planned_and_held_before_today_completes_2a_and_2b_on_those_dates(office):
    """Seed 000 §6: "POS plant binnen 2 weken een digitaal kennismakingsgesprek in, dit vindt
    binnen 1 maand na aanmelding plaats" - recorded on 20 March about a call planned on
    3 February and held on 10 February."""
    when = amsterdam(2026, 2, 10, 10, 0)
    meeting = meeting_services.meeting_create(
        office=office,
        data=meeting_data(MeetingKind.INTRO_CALL, when, planned_on=D(2026, 2, 3)),
        by=None,
        today=D(2026, 3, 20),
    )
    assert (step(office, "2a").planned_on, step(office, "2a").completed_on) == (
        D(2026, 2, 3),
        D(2026, 2, 3),
    )
    assert step(office, "2b").completed_on is None  # 2b applies to the holding
    meeting_services.meeting_record_held(meeting=meeting, by=None, now=amsterdam(2026, 3, 20, 9))
    two_a, two_b = step(office, "2a"), step(office, "2b")
    assert (two_a.planned_on, two_a.held_on, two_a.completed_on) == (
        D(2026, 2, 3),
        D(2026, 2, 10),
        D(2026, 2, 3),
    )
    assert (two_b.planned_on, two_b.held_on, two_b.completed_on) == (
        D(2026, 2, 3),
        D(2026, 2, 10),
        D(2026, 2, 10),
    )
    assert step(office, "3").due_date == D(2026, 4, 10)  # 2 months after the call was held


def test_meeting_entered_after_it_happened_is_planned_at_the_latest_on_its_own_day(office):
    meeting = meeting_services.meeting_create(
        office=office,
        data=meeting_data(MeetingKind.INTRO_CALL, amsterdam(2026, 2, 12, 10, 0)),
        by=None,
        today=D(2026, 3, 20),
    )
    assert step(office, "2a").planned_on == D(2026, 2, 12)
    meeting_services.meeting_record_held(meeting=meeting, by=None, now=amsterdam(2026, 3, 20, 9))
    assert step(office, "2b").held_on == D(2026, 2, 12)


def test_the_meeting_page_takes_the_real_planning_day_of_an_intro_call(client, pos_staff, office):
    client.force_login(pos_staff)
    url = reverse("meetings:meeting_create", args=[office.pk])
    response = client.post(
        url,
        {
            "kind": MeetingKind.INTRO_CALL,
            "title": "Kennismaking",
            "date": "2026-02-10",
            "start_time": "10:00",
            "end_time": "10:30",
            "online_url": "https://teams.example/kennismaking",
            "planned_on": "2026-02-03",
        },
    )
    assert response.status_code == 302
    assert step(office, "2a").planned_on == D(2026, 2, 3)
    assert step(office, "2b").planned_on == D(2026, 2, 3)


def test_a_meeting_planned_before_the_registration_is_refused_and_not_saved(office):
    from meetings.models import Meeting

    with pytest.raises(PosOfficeError, match="niet zijn ingepland voordat stap 1"):
        meeting_services.meeting_create(
            office=office,
            data=meeting_data(
                MeetingKind.INTRO_CALL, amsterdam(2026, 2, 10, 10, 0), planned_on=D(2026, 1, 20)
            ),
            by=None,
            today=D(2026, 3, 1),
        )
    assert not Meeting.objects.exists()
    assert step(office, "2a").planned_on is None


def test_a_step_is_not_held_in_the_future_nor_before_it_was_planned(office):
    plan(office, "2a", D(2026, 2, 5))
    with pytest.raises(PosOfficeError, match="in de toekomst"):
        hold(office, "2a", D(2026, 2, 6), today=D(2026, 2, 5))
    with pytest.raises(PosOfficeError, match="niet gehouden zijn voordat"):
        hold(office, "2a", D(2026, 2, 4))
    assert step(office, "2a").held_on is None


def test_a_step_is_not_planned_before_the_moment_its_deadline_counts_from(office):
    """Seed 000 §6: "Gemeente/sportbedrijf plant binnen 2 maanden na kennismaking een
    kartrekkersgesprek in"."""
    with pytest.raises(PosOfficeError, match="zodra stap 2b"):
        plan(office, "3", D(2026, 2, 20))
    plan(office, "2a", D(2026, 2, 2))
    hold(office, "2a", D(2026, 2, 10))
    hold(office, "2b", D(2026, 2, 10))
    with pytest.raises(PosOfficeError, match="10-02-2026"):
        plan(office, "3", D(2026, 2, 9))
    assert step(office, "3").planned_on is None
    with pytest.raises(PosOfficeError, match="in de toekomst"):
        plan(office, "3", D(2026, 2, 20), today=D(2026, 2, 19))


# --- Planned vs held ----------------------------------------------------------------------------


def test_planning_the_kartrekkers_meeting_meets_its_deadline_and_holding_it_decides(office):
    """Seed 000 §6: "plant binnen 2 maanden na kennismaking een kartrekkersgesprek in" (3 is
    met by the planning) and "Bij een 'GO' bereiden we binnen 3 maanden na het
    kartrekkersgesprek de eerste startbijeenkomst ... voor" (4 counts from the meeting)."""
    plan(office, "2a", D(2026, 2, 2))
    hold(office, "2a", D(2026, 2, 10))
    hold(office, "2b", D(2026, 2, 10))
    plan(office, "3", D(2026, 3, 1))
    three = step(office, "3")
    assert (three.completed_on, three.held_on, three.decision) == (D(2026, 3, 1), None, "")
    office.refresh_from_db()
    assert office.current_step == StepCode.KARTREKKERS  # not held yet
    assert step(office, "4").due_date is None
    hold(office, "3", D(2026, 4, 20), decision=Decision.GO)
    assert step(office, "3").completed_on == D(2026, 3, 1)
    assert step(office, "4").due_date == D(2026, 7, 20)


def test_start_sessions_and_second_plenary_count_from_the_start_meeting_held(office):
    """Seed 000 §6: "De kerngroep volgt binnen 5 maanden na startbijeenkomst 3 startsessies"
    and "Kerngroep plant binnen 5 maanden na startbijeenkomst de tweede bijeenkomst ... in"."""
    through_3(office)
    plan(office, "4", D(2026, 4, 1))
    assert step(office, "4").completed_on == D(2026, 4, 1)  # prepared ("voor"bereid)
    assert step(office, "5").due_date is None
    hold(office, "4", D(2026, 5, 31))
    assert step(office, "5").due_date == D(2026, 10, 31)
    assert step(office, "6").due_date == D(2026, 10, 31)
    for number, topic in enumerate(["short_term_goals", "stakeholder_analysis", "year_plan"], 1):
        services.start_session_record(
            office=office,
            number=number,
            topic=topic,
            held_on=D(2026, 6, number),
            by=None,
            today=TODAY,
        )
    five = step(office, "5")
    assert (five.planned_on, five.held_on, five.completed_on) == (
        D(2026, 6, 1),
        D(2026, 6, 3),
        D(2026, 6, 3),
    )
    plan(office, "6", D(2026, 7, 1))
    assert step(office, "6").completed_on == D(2026, 7, 1)


def test_office_page_shows_owner_planned_held_deadline_and_moment_per_step(
    client, pos_staff, office
):
    plan(office, "2a", D(2026, 2, 3))
    client.force_login(pos_staff)
    page = client.get(office.get_absolute_url()).content.decode()
    assert 'data-process-version="1"' in page
    assert "procesversie 1" in page
    assert 'data-owner="pos" data-applies-to="planned"' in page
    assert 'data-planned="2026-02-03"' in page
    assert "28-02-2026 (moet gehouden zijn)" in page  # 2b: held within 1 month
    assert "Gepland:" in page
    assert "Gehouden:" in page


# --- Counting from the registration -------------------------------------------------------------


def _registration(submitted: dt.datetime) -> InterestRegistration:
    registration = services.interest_register(
        data={
            "municipality": municipality("GM0307"),
            "organisation_name": "Gemeente Amersfoort",
            "contact_name": "Lotte Visser",
            "email": "lotte@amersfoort.example",
        }
    )
    InterestRegistration.objects.filter(pk=registration.pk).update(created_at=submitted)
    return registration


def test_deadlines_count_from_the_day_the_form_was_submitted_not_the_confirmation():
    """Seed 000 §6: "dit vindt binnen 1 maand na aanmelding plaats"."""
    submitted = amsterdam(2026, 1, 31, 16, 0)
    registration = _registration(submitted)
    assert not FoundingStep.objects.exists()  # unconfirmed: no live deadlines
    office = services.interest_confirm(registration_id=registration.pk, today=D(2026, 2, 9))
    assert office.registered_on == D(2026, 1, 31)
    assert step(office, "1").held_on == D(2026, 1, 31)
    assert step(office, "2a").due_date == D(2026, 2, 14)
    assert step(office, "2b").due_date == D(2026, 2, 28)


# --- Who completes what ---------------------------------------------------------------------------


def test_policy_staff_cannot_complete_a_pos_step_and_are_told_who_can(office, policy_staff):
    with pytest.raises(PosOfficeError, match="alleen POS-medewerkers"):
        plan(office, "2a", D(2026, 2, 2), by=policy_staff)
    assert step(office, "2a").planned_on is None


def test_policy_staff_complete_their_own_step_and_pos_staff_any(office, policy_staff, pos_staff):
    plan(office, "2a", D(2026, 2, 2), by=pos_staff)
    hold(office, "2a", D(2026, 2, 10), by=pos_staff)
    hold(office, "2b", D(2026, 2, 10), by=pos_staff)
    plan(office, "3", D(2026, 3, 1), by=policy_staff)
    hold(office, "3", D(2026, 3, 5), by=pos_staff, decision=Decision.GO)
    assert step(office, "3").completed_by == policy_staff


def test_the_step_page_refuses_a_policy_officer_on_a_pos_step_and_saves_nothing(
    client, office, policy_staff
):
    client.force_login(policy_staff)
    url = reverse("poskantoor:step_complete", args=[office.pk, step(office, "2a").pk])
    response = client.post(url, {"planned_on": "2026-02-02"})
    assert response.status_code == 400
    assert (
        "Stap 2a is van POS: alleen POS-medewerkers kunnen deze vastleggen."
        in response.content.decode()
    )
    assert step(office, "2a").planned_on is None


def test_the_step_page_records_planned_and_held_in_one_go(client, office, pos_staff):
    client.force_login(pos_staff)
    url = reverse("poskantoor:step_complete", args=[office.pk, step(office, "2a").pk])
    response = client.post(url, {"planned_on": "2026-02-02", "held_on": "2026-02-09"})
    assert response.status_code == 302
    two_a = step(office, "2a")
    assert (two_a.planned_on, two_a.held_on, two_a.completed_on) == (
        D(2026, 2, 2),
        D(2026, 2, 9),
        D(2026, 2, 2),
    )


def test_the_step_page_needs_a_date(client, office, pos_staff):
    client.force_login(pos_staff)
    url = reverse("poskantoor:step_complete", args=[office.pk, step(office, "2a").pk])
    response = client.post(url, {"planned_on": ""})
    assert response.status_code == 400
    assert "Vul de dag in waarop" in response.content.decode()


# --- Who is reminded ------------------------------------------------------------------------------


def test_core_group_step_reminds_the_core_group_members_and_pos_steps_remind_pos(
    office, pos_staff, policy_staff
):
    through_3(office)
    CoreGroupMemberFactory(office=office, email="kim@sportschool.example")
    CoreGroupMemberFactory(office=office, email="", name="Zonder adres")
    CoreGroupMemberFactory(
        office=make_office("GM0307"), email="ander@elders.example"
    )  # another office
    four = step(office, "4")
    two_a = step(office, "2a")
    notices = [
        DeadlineNotice.objects.create(
            step=four, kind=NoticeKind.REMINDER, claim="t", created_at=timezone.now()
        ),
        DeadlineNotice.objects.create(
            step=four, kind=NoticeKind.ESCALATION, claim="t", created_at=timezone.now()
        ),
        DeadlineNotice.objects.create(
            step=two_a, kind=NoticeKind.REMINDER, claim="t", created_at=timezone.now()
        ),
    ]
    recipients = step_notice_recipients(notices=notices, today=D(2026, 6, 1))
    assert recipients[notices[0].pk] == sorted(
        [pos_staff.email, policy_staff.email, "kim@sportschool.example"]
    )
    assert recipients[notices[1].pk] == [pos_staff.email]
    assert recipients[notices[2].pk] == [pos_staff.email]


def test_recipients_take_the_same_queries_for_one_and_for_many_offices(pos_staff):
    def notices_for(codes):
        made = []
        for code in codes:
            office = make_office(code)
            CoreGroupMemberFactory(office=office, email=f"lid@{code}.example")
            for kind in NoticeKind.values:
                made.append(
                    DeadlineNotice.objects.create(
                        step=step(office, "2b"), kind=kind, claim="t", created_at=timezone.now()
                    )
                )
        return made

    def count(notices):
        with CaptureQueriesContext(connection) as ctx:
            step_notice_recipients(notices=notices, today=D(2026, 2, 1))
        return len(ctx.captured_queries)

    one = count(notices_for(["GM0344"]))
    many = count(notices_for(["GM0307", "GM0355", "GM0363", "GM0599"]))
    assert one == many <= 4


# --- The versioned process definition -------------------------------------------------------------


def _version_2(pos_staff, *, weeks_2a=3, hours=Decimal("3")):
    draft = services.process_version_draft(source=ProcessVersion.objects.get(number=1), by=None)
    draft.steps.filter(code="2a").update(amount=weeks_2a)
    ProcessVersion.objects.filter(pk=draft.pk).update(
        professional_hours_per_week=hours, meetings_per_year=4
    )
    draft.refresh_from_db()
    return services.process_version_publish(version=draft, by=pos_staff)


def test_version_1_holds_the_handreikings_values(office):
    """Seed 000 §6.1 "minimaal 2 uur per week ... voor minimaal 2 jaar", "minimaal 2
    ondernemers"; §4 "Bijeenkomsten per jaar 3", "Waarvan met sociaal domein 1"."""
    thresholds = thresholds_for(office)
    assert (
        thresholds.professional_hours_per_week,
        thresholds.commitment_years,
        thresholds.min_enterprises,
        thresholds.enterprise_hours_per_week,
    ) == (Decimal(2), 2, 2, Decimal(2))
    norms = guideline_norms_for(office)
    assert (norms.meetings, norms.social_domain_meetings) == (3, 1)
    assert norms.entrepreneurs == 8


def test_a_published_version_applies_to_offices_registered_after_it(office, pos_staff):
    """Seed 000: "Deze handreiking is dan ook een levend document, waarin we regelmatig
    aanpassingen maken"."""
    version = _version_2(pos_staff)
    assert version.status == VersionStatus.PUBLISHED
    assert version.published_by == pos_staff
    registration = _registration(timezone.now())
    new = services.interest_confirm(registration_id=registration.pk)
    assert new.process_version == version
    assert step(new, "2a").due_date == new.registered_on + dt.timedelta(weeks=3)
    assert thresholds_for(new).professional_hours_per_week == Decimal(3)
    assert guideline_norms_for(new).meetings == 4
    office.refresh_from_db()
    assert office.process_version.number == 1  # the existing office keeps its version
    assert step(office, "2a").due_date == D(2026, 2, 14)


def test_pos_moves_an_office_over_explicitly_with_its_deadlines_recomputed_and_logged(
    office, pos_staff
):
    version = _version_2(pos_staff)
    changed = services.office_move_to_version(office=office, version=version, by=pos_staff)
    assert [(s.code, old) for s, old in changed] == [("2a", D(2026, 2, 14))]
    assert step(office, "2a").due_date == D(2026, 2, 21)
    assert step(office, "2b").due_date == D(2026, 2, 28)
    event = audit_events_for(office).get(action="process_version_changed")
    assert event.changes["process_version"] == ["1", "2"]
    assert event.changes["due_date_2a"] == ["2026-02-14", "2026-02-21"]
    assert event.actor == pos_staff
    with pytest.raises(PosOfficeError, match="werkt al met versie 2"):
        services.office_move_to_version(office=office, version=version, by=pos_staff)


def test_a_draft_cannot_be_applied_and_a_published_version_not_published_again(office):
    draft = services.process_version_draft(source=ProcessVersion.objects.get(number=1), by=None)
    with pytest.raises(PosOfficeError, match="gepubliceerde versie"):
        services.office_move_to_version(office=office, version=draft, by=None)
    services.process_version_publish(version=draft, by=None)
    with pytest.raises(PosOfficeError, match="al gepubliceerd"):
        services.process_version_publish(version=draft, by=None)


def test_a_draft_whose_deadline_counts_from_a_later_step_is_not_published():
    draft = services.process_version_draft(source=ProcessVersion.objects.get(number=1), by=None)
    draft.steps.filter(code="3").update(counts_from="4")
    with pytest.raises(PosOfficeError, match="eerdere stap"):
        services.process_version_publish(version=draft, by=None)
    draft.refresh_from_db()
    assert draft.status == VersionStatus.DRAFT


def test_the_office_page_moves_an_office_for_pos_staff_only(
    client, office, pos_staff, policy_staff
):
    version = _version_2(pos_staff)
    url = reverse("poskantoor:office_version", args=[office.pk])
    client.force_login(policy_staff)
    assert client.post(url, {"version": version.pk}).status_code == 403
    client.force_login(pos_staff)
    assert "Naar deze versie" in client.get(office.get_absolute_url()).content.decode()
    response = client.post(url, {"version": version.pk}, follow=True)
    assert "werkt nu met versie 2" in response.content.decode()
    office.refresh_from_db()
    assert office.process_version == version


def test_a_published_version_is_read_only_in_the_admin(client, django_user_model):
    admin_user = django_user_model.objects.create_superuser("root", "root@example.org", "x")
    client.force_login(admin_user)
    version = ProcessVersion.objects.get(number=1)
    url = reverse("admin:poskantoor_processversion_change", args=[version.pk])
    page = client.get(url).content.decode()
    assert 'name="meetings_per_year"' not in page
    client.post(url, {"meetings_per_year": "9"})
    version.refresh_from_db()
    assert version.meetings_per_year == 3


def test_dashboard_lead_times_use_the_held_dates(office):
    """Step 3 planned 5 days after the call but held 40 days after it: the lead time is 40."""
    from reports.selectors import lead_times

    plan(office, "2a", D(2026, 2, 2))
    hold(office, "2a", D(2026, 2, 10))
    hold(office, "2b", D(2026, 2, 10))
    plan(office, "3", D(2026, 2, 15))
    hold(office, "3", D(2026, 3, 22), decision=Decision.GO)
    rows = {row.code: row for row in lead_times(today=D(2026, 6, 1))}
    assert rows["3"].median_days == 40
    assert rows["3"].norm_days == (D(2026, 4, 10) - D(2026, 2, 10)).days
    assert rows["2b"].median_days == 10  # held 10 days after the registration
