"""The founding process: transitions, refusals, both NO-GO paths, start sessions, audit."""

import datetime as dt

import pytest
from django.core import mail

from poskantoor import services
from poskantoor.constants import Decision, OfficeStatus, SessionTopic, StepCode
from poskantoor.models import FoundingStep, InterestRegistration, PosOffice
from poskantoor.selectors import open_step
from poskantoor.services import PosOfficeError
from sportloket.selectors import audit_events_for
from tests.factories import municipality

from .factories import make_office

pytestmark = pytest.mark.django_db

D = dt.date
TODAY = D(2030, 1, 1)


def complete(office, code, on, **kwargs):
    kwargs.setdefault("today", TODAY)
    kwargs.setdefault("by", None)
    return services.step_complete(step=open_step(office=office, code=code), on=on, **kwargs)


def dues(office):
    return {s.code: s.due_date for s in office.steps.filter(completed_on__isnull=True)}


# --- Interest form and confirmation ---------------------------------------------------------


def interest_data(**overrides):
    return {
        "municipality": municipality("GM0307"),
        "organisation_name": "Gemeente Amersfoort, team Sport",
        "contact_name": "Lotte Visser",
        "email": "lotte@amersfoort.example",
        "phone": "033 123 45 67",
        "message": "Wij willen graag starten.",
        **overrides,
    }


def test_registration_waits_for_confirmation_and_mails_a_link(
    pos_staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        registration = services.interest_register(data=interest_data())
    assert not PosOffice.objects.exists()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["lotte@amersfoort.example"]
    assert "/pos-kantoor/aanmelden/bevestigen/" in mail.outbox[0].body
    assert registration.confirmed_at is None


def test_confirmation_starts_the_office_at_step_1_and_tells_pos_staff(
    pos_staff, django_capture_on_commit_callbacks
):
    registration = services.interest_register(data=interest_data())
    with django_capture_on_commit_callbacks(execute=True):
        office = services.interest_confirm(registration_id=registration.pk, today=D(2026, 1, 31))
    assert office.status == OfficeStatus.ORIENTATION
    assert office.current_step == StepCode.INTRO_SCHEDULED
    step1 = office.steps.get(code=StepCode.REGISTRATION)
    assert step1.completed_on == D(2026, 1, 31)
    assert dues(office) == {
        "2a": D(2026, 2, 14),
        "2b": D(2026, 2, 28),
        "3": None,
        "4": None,
        "5": None,
        "6": None,
        "7": None,
    }
    sent = [m for m in mail.outbox if pos_staff.email in m.to]
    assert len(sent) == 1
    assert "Amersfoort" in sent[0].subject
    assert "14-02-2026" in sent[0].body
    assert audit_events_for(office).filter(action="office_started").exists()


def test_confirming_twice_gives_the_same_office(pos_staff):
    registration = services.interest_register(data=interest_data())
    first = services.interest_confirm(registration_id=registration.pk)
    second = services.interest_confirm(registration_id=registration.pk)
    assert first == second
    assert PosOffice.objects.count() == 1


def test_second_registration_of_a_municipality_with_an_office_is_refused():
    make_office("GM0307")
    with pytest.raises(PosOfficeError, match="heeft al een POS-kantoor"):
        services.interest_register(data=interest_data())
    assert not InterestRegistration.objects.exists()


def test_two_pending_registrations_confirmed_give_one_office():
    first = services.interest_register(data=interest_data())
    second = services.interest_register(data=interest_data(email="ander@amersfoort.example"))
    services.interest_confirm(registration_id=first.pk)
    with pytest.raises(PosOfficeError):
        services.interest_confirm(registration_id=second.pk)
    assert PosOffice.objects.count() == 1


def test_a_stopped_office_does_not_block_a_new_one(office):
    PosOffice.objects.filter(pk=office.pk).update(
        status=OfficeStatus.STOPPED, stopped_on=D(2026, 5, 1)
    )
    registration = services.interest_register(data=interest_data(municipality=municipality()))
    new = services.interest_confirm(registration_id=registration.pk)
    assert new.pk != office.pk


# --- Transitions ----------------------------------------------------------------------------


def test_full_happy_path_sets_each_deadline_from_the_completion_it_depends_on(
    office, pos_staff, policy_staff
):
    complete(office, "2a", D(2026, 2, 10), by=pos_staff)
    complete(office, "2b", D(2026, 2, 27), by=pos_staff, evidence_note="Gesprek gevoerd")
    assert dues(office)["3"] == D(2026, 4, 27)
    complete(office, "3", D(2026, 3, 31), by=policy_staff, decision=Decision.GO)
    office.refresh_from_db()
    assert dues(office)["4"] == D(2026, 6, 30)
    assert office.current_step == StepCode.START_MEETING
    assert office.status == OfficeStatus.FOUNDING
    complete(office, "4", D(2026, 9, 30), by=pos_staff)
    assert dues(office)["5"] == D(2027, 2, 28)
    assert dues(office)["6"] == D(2027, 2, 28)
    for number, (topic, day) in enumerate(
        [
            (SessionTopic.SHORT_TERM_GOALS, D(2026, 10, 15)),
            (SessionTopic.STAKEHOLDER_ANALYSIS, D(2026, 11, 15)),
            (SessionTopic.YEAR_PLAN, D(2026, 12, 15)),
        ],
        start=1,
    ):
        services.start_session_record(
            office=office, number=number, topic=topic, held_on=day, by=pos_staff, today=TODAY
        )
    step5 = office.steps.get(code=StepCode.START_SESSIONS)
    assert step5.completed_on == D(2026, 12, 15)
    complete(office, "6", D(2027, 1, 20), by=policy_staff)
    office.refresh_from_db()
    assert office.status == OfficeStatus.ACTIVE
    assert office.current_step == StepCode.FOLLOW_UP
    step2b = office.steps.get(code="2b")
    assert step2b.completed_by == pos_staff
    assert step2b.evidence_note == "Gesprek gevoerd"
    actions = set(audit_events_for(office).values_list("action", flat=True))
    assert {"step_2a_completed", "step_3_completed", "step_6_completed"} <= actions
    assert "start_session_recorded" in actions


def test_evidence_can_be_any_saved_object(office, pos_staff):
    step = complete(office, "2a", D(2026, 2, 10), by=pos_staff, evidence=pos_staff)
    assert step.evidence == pos_staff


def test_step_3_no_go_with_new_kartrekkers_sets_new_deadline(office, advance):
    advance(office, ("2a", D(2026, 2, 2)), ("2b", D(2026, 2, 20)))
    complete(office, "3", D(2027, 12, 31), decision=Decision.NO_GO_NEW_KARTREKKERS)
    rows = list(office.steps.filter(code="3").order_by("attempt"))
    assert [r.attempt for r in rows] == [1, 2]
    assert rows[0].decision == Decision.NO_GO_NEW_KARTREKKERS
    assert rows[1].due_date == D(2028, 2, 29)
    office.refresh_from_db()
    assert office.current_step == StepCode.KARTREKKERS
    assert office.status == OfficeStatus.ORIENTATION
    assert dues(office)["4"] is None
    with pytest.raises(PosOfficeError, match="eerst stap 3"):
        complete(office, "4", D(2028, 1, 5))
    with pytest.raises(PosOfficeError, match="vorige"):
        complete(office, "3", D(2027, 12, 1), decision=Decision.GO)
    complete(office, "3", D(2028, 1, 20), decision=Decision.GO)
    assert dues(office)["4"] == D(2028, 4, 20)


def test_step_3_no_go_end_stops_the_office_with_the_reason(office, advance):
    advance(office, ("2a", D(2026, 2, 2)), ("2b", D(2026, 2, 20)))
    complete(office, "3", D(2026, 4, 1), decision=Decision.NO_GO_STOP, stop_reason="Geen trekkers")
    office.refresh_from_db()
    assert office.status == OfficeStatus.STOPPED
    assert office.stopped_on == D(2026, 4, 1)
    assert office.stop_reason == "Geen trekkers"
    assert audit_events_for(office).filter(changes__status__1="stopped").exists()
    with pytest.raises(PosOfficeError, match="gestopt"):
        complete(office, "4", D(2026, 4, 2))


def test_no_go_end_needs_a_reason(office, advance):
    advance(office, ("2a", D(2026, 2, 2)), ("2b", D(2026, 2, 20)))
    with pytest.raises(PosOfficeError, match="reden"):
        complete(office, "3", D(2026, 4, 1), decision=Decision.NO_GO_STOP, stop_reason="  ")
    assert open_step(office=office, code="3") is not None


@pytest.mark.parametrize("decision", ["", "maybe"])
def test_step_3_needs_a_valid_decision(office, advance, decision):
    advance(office, ("2a", D(2026, 2, 2)), ("2b", D(2026, 2, 20)))
    with pytest.raises(PosOfficeError, match="GO"):
        complete(office, "3", D(2026, 4, 1), decision=decision)


def test_only_step_3_takes_a_decision(office):
    with pytest.raises(PosOfficeError, match="Alleen stap 3"):
        complete(office, "2a", D(2026, 2, 2), decision=Decision.GO)


def test_steps_cannot_be_completed_out_of_order(office):
    with pytest.raises(PosOfficeError, match="eerst stap 2a"):
        complete(office, "2b", D(2026, 2, 10))
    assert office.steps.get(code="2b").completed_on is None


def test_a_step_cannot_be_completed_in_the_future(office):
    with pytest.raises(PosOfficeError, match="toekomst"):
        complete(office, "2a", D(2026, 2, 10), today=D(2026, 2, 9))


def test_a_step_cannot_be_completed_before_the_previous_one(office):
    with pytest.raises(PosOfficeError, match="niet eerder"):
        complete(office, "2a", D(2026, 1, 30))


def test_a_step_cannot_be_completed_twice(office):
    step = complete(office, "2a", D(2026, 2, 10))
    with pytest.raises(PosOfficeError, match="al afgerond"):
        services.step_complete(step=step, on=D(2026, 2, 11), by=None, today=TODAY)


def test_step_5_is_completed_through_the_start_sessions(office, advance):
    advance(
        office,
        ("2a", D(2026, 2, 2)),
        ("2b", D(2026, 2, 20)),
        ("3", D(2026, 3, 1)),
        ("4", D(2026, 4, 1)),
    )
    with pytest.raises(PosOfficeError, match="startsessies"):
        complete(office, "5", D(2026, 5, 1))


def test_step_7_is_ongoing(office):
    step7 = office.steps.get(code="7")
    with pytest.raises(PosOfficeError, match="doorlopend"):
        services.step_complete(step=step7, on=D(2026, 2, 1), by=None, today=TODAY)


def test_start_sessions_count_to_three_in_order(office, advance):
    with pytest.raises(PosOfficeError, match="startbijeenkomst"):
        services.start_session_record(
            office=office,
            number=1,
            topic=SessionTopic.YEAR_PLAN,
            held_on=D(2026, 3, 1),
            by=None,
            today=TODAY,
        )
    advance(
        office,
        ("2a", D(2026, 2, 2)),
        ("2b", D(2026, 2, 20)),
        ("3", D(2026, 3, 1)),
        ("4", D(2026, 4, 1)),
    )
    record = dict(office=office, topic=SessionTopic.COOPERATION_AGREEMENTS, by=None, today=TODAY)
    with pytest.raises(PosOfficeError, match="startsessie 1"):
        services.start_session_record(number=2, held_on=D(2026, 4, 2), **record)
    with pytest.raises(PosOfficeError, match="niet eerder"):
        services.start_session_record(number=1, held_on=D(2026, 3, 31), **record)
    with pytest.raises(PosOfficeError, match="toekomst"):
        services.start_session_record(number=1, held_on=D(2030, 1, 2), **record)
    with pytest.raises(PosOfficeError, match="onderwerp"):
        services.start_session_record(
            office=office, number=1, topic="x", held_on=D(2026, 4, 2), by=None, today=TODAY
        )
    for number in (1, 2):
        services.start_session_record(number=number, held_on=D(2026, 4, number + 1), **record)
        assert office.steps.get(code="5").completed_on is None
    services.start_session_record(number=3, held_on=D(2026, 5, 1), **record)
    assert office.steps.get(code="5").completed_on == D(2026, 5, 1)
    office.refresh_from_db()
    assert office.current_step == StepCode.SECOND_PLENARY
    with pytest.raises(PosOfficeError):
        services.start_session_record(number=4, held_on=D(2026, 5, 2), **record)


def test_step_6_needs_step_5_first(office, advance):
    advance(
        office,
        ("2a", D(2026, 2, 2)),
        ("2b", D(2026, 2, 20)),
        ("3", D(2026, 3, 1)),
        ("4", D(2026, 4, 1)),
    )
    with pytest.raises(PosOfficeError, match="eerst stap 5"):
        complete(office, "6", D(2026, 5, 1))


def test_database_allows_one_active_office_per_municipality(office):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        PosOffice.objects.create(
            municipality=office.municipality, name="Dubbel", registered_on=D(2026, 1, 1)
        )


def test_database_allows_one_open_row_per_step(office):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        FoundingStep.objects.create(office=office, code="3", attempt=2)
