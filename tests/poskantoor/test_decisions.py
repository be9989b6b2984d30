"""The joint GO / NO-GO of step 3: "Deze lokale kerngroep en POS besluiten gezamenlijk of er een
startbijeenkomst met ondernemers komt" (seed 000 §6 stap 3)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from poskantoor.constants import Decision, OfficeStatus, StepCode
from poskantoor.decisions import services as decisions
from poskantoor.decisions.constants import DecisionSide, ProposalStatus
from poskantoor.decisions.models import DecisionProposal
from poskantoor.selectors import open_step
from poskantoor.services import PosOfficeError
from sportloket.models import AuditEvent, OutgoingEmail
from tests.factories import ProviderFactory, StaffProfileFactory, municipality

from .factories import CoreGroupMemberFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 20)
MEETING = dt.date(2026, 3, 5)


@pytest.fixture
def at_step_3(office, advance):
    return advance(office, ("2a", dt.date(2026, 2, 2)), ("2b", dt.date(2026, 2, 10)))


@pytest.fixture
def pos():
    return StaffProfileFactory(pos_staff=True, user__email="pos@pos.example").user


@pytest.fixture
def policy():
    return StaffProfileFactory(policy_staff=True, user__email="beleid@utrecht.example").user


def conditions_met(office):
    """Every basic condition met: a professional and two enterprises committed for two years,
    and the municipality's mapping statement."""
    long = {"committed_from": dt.date(2026, 1, 1), "committed_until": dt.date(2027, 12, 31)}
    CoreGroupMemberFactory(office=office, professional=True, hours_per_week=2, **long)
    for _ in range(2):
        CoreGroupMemberFactory(
            office=office, provider=ProviderFactory(municipality=office.municipality), **long
        )
    office.mapping_statements.create(stated_on=TODAY, registered_count=2)


def propose(office, by, decision=Decision.GO, **extra):
    return decisions.decision_propose(
        office=office, by=by, decision=decision, decided_on=MEETING, today=TODAY, **extra
    )


def test_go_recorded_by_pos_takes_effect_only_when_the_municipality_confirms(
    at_step_3, pos, policy
):
    office = at_step_3
    conditions_met(office)
    proposal = propose(office, pos)
    assert proposal.side == DecisionSide.POS
    assert open_step(office=office, code=StepCode.KARTREKKERS).completed_on is None
    office.refresh_from_db()
    assert office.current_step == StepCode.KARTREKKERS
    mail = OutgoingEmail.objects.get(key=f"pos-decision-proposed:{proposal.pk}")
    assert mail.to == ["beleid@utrecht.example"]
    assert "bevestiging" in mail.subject

    decisions.decision_confirm(proposal=proposal, by=policy, today=TODAY)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.CONFIRMED
    assert (proposal.taken_by(DecisionSide.POS), proposal.taken_by(DecisionSide.MUNICIPALITY)) == (
        pos,
        policy,
    )
    three = office.steps.get(code=StepCode.KARTREKKERS)
    assert (three.completed_on, three.decision) == (MEETING, Decision.GO)
    office.refresh_from_db()
    assert office.current_step == StepCode.START_MEETING
    assert office.steps.get(code=StepCode.START_MEETING).due_date is not None
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"decision_proposed", "decision_confirmed", "step_3_completed"} <= actions
    assert OutgoingEmail.objects.get(key=f"pos-decision-confirmed:{proposal.pk}").to == [
        "pos@pos.example"
    ]


def test_the_municipality_may_record_first_and_pos_confirms(at_step_3, pos, policy):
    office = at_step_3
    proposal = propose(office, policy, Decision.NO_GO_NEW_KARTREKKERS)
    assert proposal.side == DecisionSide.MUNICIPALITY
    assert OutgoingEmail.objects.get(key=f"pos-decision-proposed:{proposal.pk}").to == [
        "pos@pos.example"
    ]
    decisions.decision_confirm(proposal=proposal, by=pos, today=TODAY)
    attempts = list(office.steps.filter(code=StepCode.KARTREKKERS).order_by("attempt"))
    assert [a.attempt for a in attempts] == [1, 2]
    assert attempts[1].completed_on is None
    assert attempts[1].due_date is not None


def test_no_go_stop_ends_the_office_only_after_confirmation_and_needs_a_reason(
    at_step_3, pos, policy
):
    """Today policy staff alone could end the whole founding process; now POS must agree."""
    office = at_step_3
    with pytest.raises(PosOfficeError, match="Geef de reden"):
        propose(office, policy, Decision.NO_GO_STOP)
    proposal = propose(office, policy, Decision.NO_GO_STOP, reason="Geen kartrekkers gevonden")
    office.refresh_from_db()
    assert office.status == OfficeStatus.ORIENTATION
    decisions.decision_confirm(proposal=proposal, by=pos, today=TODAY)
    office.refresh_from_db()
    assert (office.status, office.stopped_on, office.stop_reason) == (
        OfficeStatus.STOPPED,
        MEETING,
        "Geen kartrekkers gevonden",
    )


def test_the_proposing_side_cannot_confirm_its_own_decision(at_step_3, pos, policy):
    office = at_step_3
    proposal = propose(office, policy, Decision.NO_GO_STOP, reason="Geen draagvlak")
    colleague = StaffProfileFactory(policy_staff=True).user
    for user in (policy, colleague):
        with pytest.raises(PosOfficeError, match="De andere kant \\(POS\\)"):
            decisions.decision_confirm(proposal=proposal, by=user, today=TODAY)
        with pytest.raises(PosOfficeError, match="De andere kant"):
            decisions.decision_object(proposal=proposal, by=user, reason="Nee")
    proposal.refresh_from_db()
    office.refresh_from_db()
    assert proposal.status == ProposalStatus.OPEN
    assert office.status != OfficeStatus.STOPPED


def test_an_objection_closes_the_proposal_with_its_reason_and_nothing_takes_effect(
    at_step_3, pos, policy
):
    office = at_step_3
    proposal = propose(office, policy, Decision.NO_GO_STOP, reason="Geen draagvlak")
    with pytest.raises(PosOfficeError, match="reden van uw bezwaar"):
        decisions.decision_object(proposal=proposal, by=pos, reason="  ")
    decisions.decision_object(proposal=proposal, by=pos, reason="Eerst nieuwe kartrekkers")
    proposal.refresh_from_db()
    assert (proposal.status, proposal.objection_reason, proposal.responded_by) == (
        ProposalStatus.OBJECTED,
        "Eerst nieuwe kartrekkers",
        pos,
    )
    office.refresh_from_db()
    assert office.status == OfficeStatus.ORIENTATION
    assert open_step(office=office, code=StepCode.KARTREKKERS).completed_on is None
    assert OutgoingEmail.objects.get(key=f"pos-decision-objected:{proposal.pk}").to == [
        "beleid@utrecht.example"
    ]
    with pytest.raises(PosOfficeError, match="al geantwoord"):
        decisions.decision_confirm(proposal=proposal, by=pos, today=TODAY)
    # Either side may record a new decision after an objection.
    propose(office, pos, Decision.NO_GO_NEW_KARTREKKERS)


def test_at_most_one_open_proposal_per_attempt_service_and_constraint(at_step_3, pos, policy):
    office = at_step_3
    first = propose(office, pos, Decision.NO_GO_NEW_KARTREKKERS)
    with pytest.raises(PosOfficeError, match="wacht al een besluit"):
        propose(office, policy, Decision.NO_GO_NEW_KARTREKKERS)
    with pytest.raises(IntegrityError), transaction.atomic():
        DecisionProposal.objects.create(
            office=office,
            step=first.step,
            decision=Decision.GO,
            decided_on=MEETING,
            side=DecisionSide.MUNICIPALITY,
            proposed_at=first.proposed_at,
        )
    assert office.decision_proposals.count() == 1


def test_people_outside_both_sides_and_other_municipalities_take_no_part(at_step_3, pos):
    office = at_step_3
    other = StaffProfileFactory(policy_staff=True, municipality=municipality("GM0363")).user
    supporter = StaffProfileFactory(club_supporter=True).user
    admin = StaffProfileFactory(administrator=True).user
    for user in (other, supporter, admin, None):
        with pytest.raises(PosOfficeError, match="nemen het GO / NO-GO-besluit"):
            propose(office, user, Decision.NO_GO_NEW_KARTREKKERS)
    proposal = propose(office, pos, Decision.NO_GO_NEW_KARTREKKERS)
    with pytest.raises(PosOfficeError, match="nemen het GO / NO-GO-besluit"):
        decisions.decision_confirm(proposal=proposal, by=other, today=TODAY)
    assert office.decision_proposals.count() == 1


def test_a_decision_is_refused_before_step_3_in_the_future_or_before_the_intro_call(
    office, pos, policy, advance
):
    with pytest.raises(PosOfficeError, match="stap 3"):
        propose(office, pos, Decision.NO_GO_NEW_KARTREKKERS)
    advance(office, ("2a", dt.date(2026, 2, 2)), ("2b", dt.date(2026, 2, 10)))
    with pytest.raises(PosOfficeError, match="toekomst"):
        decisions.decision_propose(
            office=office,
            by=pos,
            decision=Decision.NO_GO_NEW_KARTREKKERS,
            decided_on=TODAY + dt.timedelta(days=1),
            today=TODAY,
        )
    with pytest.raises(PosOfficeError, match="kennismakingsgesprek \\(10-02-2026\\)"):
        decisions.decision_propose(
            office=office,
            by=pos,
            decision=Decision.NO_GO_NEW_KARTREKKERS,
            decided_on=dt.date(2026, 2, 9),
            today=TODAY,
        )
    assert not office.decision_proposals.exists()


# --- Basic conditions before a GO (seed 000 §6.1) -------------------------------------------


def test_go_with_unmet_conditions_needs_a_written_reason_and_keeps_which_are_unmet(
    at_step_3, pos, policy
):
    """§6.1: the conditions are what is needed "om een POS-kantoor op te richten met
    ondersteuning van POS"."""
    office = at_step_3
    unmet = "draagvlak, sportondernemers in beeld, professionele inzet, investering ondernemers"
    with pytest.raises(
        PosOfficeError, match=f"Niet aan alle basisvoorwaarden is voldaan \\({unmet}\\)"
    ):
        propose(office, pos)
    assert not office.decision_proposals.exists()
    proposal = propose(office, pos, conditions_reason="Kerngroep volgt uit de startbijeenkomst")
    assert set(proposal.unmet_conditions) == {"support", "mapped", "professional", "entrepreneurs"}
    decisions.decision_confirm(proposal=proposal, by=policy, today=TODAY)
    proposal.refresh_from_db()
    assert proposal.conditions_reason == "Kerngroep volgt uit de startbijeenkomst"
    three = office.steps.get(code=StepCode.KARTREKKERS)
    assert "Kerngroep volgt uit de startbijeenkomst" in three.evidence_note


def test_go_with_all_conditions_met_needs_no_reason(at_step_3, pos, policy):
    office = at_step_3
    conditions_met(office)
    proposal = propose(office, policy)
    assert proposal.unmet_conditions == []
    decisions.decision_confirm(proposal=proposal, by=pos, today=TODAY)
    proposal.refresh_from_db()
    assert proposal.unmet_conditions == []
    assert proposal.conditions_reason == ""


def test_a_condition_that_became_unmet_before_confirmation_needs_the_confirmers_reason(
    at_step_3, pos, policy
):
    office = at_step_3
    conditions_met(office)
    proposal = propose(office, pos)
    office.core_members.filter(kind="municipality").delete()
    with pytest.raises(PosOfficeError, match="voldaan \\(draagvlak, professionele inzet\\)"):
        decisions.decision_confirm(proposal=proposal, by=policy, today=TODAY)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.OPEN
    assert office.steps.get(code=StepCode.KARTREKKERS).completed_on is None
    decisions.decision_confirm(
        proposal=proposal, by=policy, conditions_reason="Nieuwe ambtenaar per 1 mei", today=TODAY
    )
    proposal.refresh_from_db()
    assert set(proposal.unmet_conditions) == {"support", "professional"}
    assert proposal.conditions_reason == "Nieuwe ambtenaar per 1 mei"


def test_confirmation_of_a_stopped_office_is_refused_and_saves_nothing(at_step_3, pos, policy):
    office = at_step_3
    proposal = propose(office, pos, Decision.NO_GO_NEW_KARTREKKERS)
    office.status, office.stopped_on = OfficeStatus.STOPPED, TODAY
    office.save()
    with pytest.raises(PosOfficeError, match="gestopt"):
        decisions.decision_confirm(proposal=proposal, by=policy, today=TODAY)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.OPEN
