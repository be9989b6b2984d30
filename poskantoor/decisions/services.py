"""Writes of the joint GO / NO-GO decision of step 3 (seed 000 §6 stap 3: "Deze lokale
kerngroep en POS besluiten gezamenlijk of er een startbijeenkomst met ondersteuning komt") and
of the municipality's mapping statement (§6.1).

Either side records the decision first (``decision_propose``); the other side is e-mailed and
confirms (``decision_confirm``) or objects (``decision_object``). Only a confirmation applies
the effect, through ``services.step_complete`` of step 3: GO opens step 4, NO-GO with new
kartrekkers opens a new attempt of step 3, NO-GO stop ends the office. Every function is atomic
and refuses with ``PosOfficeError`` (a Dutch message), saving nothing.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from providers.constants import ProviderKind, ProviderStatus
from providers.models import Provider
from sportloket.constants import Role
from sportloket.selectors import user_scope
from sportloket.services import audit_record, email_queue

from .. import services
from ..conditions import thresholds_for
from ..constants import Decision, OfficeStatus, StepCode
from ..models import FoundingStep, PosOffice
from ..services import PosOfficeError
from .constants import CONDITION_NAMES, DecisionSide, ProposalStatus, condition_names
from .models import DecisionProposal, MappingStatement, person_name


def side_of(*, user: AbstractBaseUser | None, office: PosOffice) -> str | None:
    """The side ``user`` decides for at ``office``: POS staff for POS, policy staff of the
    office's own municipality for the municipality; anyone else takes no part."""
    if user is None or not user.is_authenticated:
        return None
    scope = user_scope(user)
    if scope.role == Role.POS_STAFF:
        return DecisionSide.POS
    if scope.role == Role.POLICY_STAFF and office.municipality_id in (scope.municipality_ids or ()):
        return DecisionSide.MUNICIPALITY
    return None


def _require_side(*, user: AbstractBaseUser | None, office: PosOffice) -> str:
    side = side_of(user=user, office=office)
    if side is None:
        raise PosOfficeError(
            _(
                "Only POS staff and policy staff of %(municipality)s take the GO / NO-GO "
                "decision of this POS office."
            )
            % {"municipality": office.municipality.name}
        )
    return side


def _side_emails(*, office: PosOffice, side: str) -> list[str]:
    if side == DecisionSide.POS:
        return services.pos_staff_emails()
    return services.municipality_emails(office)


def _locked_office(office: PosOffice) -> PosOffice:
    """Lock the office: proposals and answers about one office run one at a time."""
    return (
        PosOffice.objects.select_for_update(of=("self",))
        .select_related("municipality")
        .get(pk=office.pk)
    )


def _open_step_3(office: PosOffice) -> FoundingStep:
    if not office.is_open:
        raise PosOfficeError(
            _("This POS office is %(status)s; its steps can no longer be changed.")
            % {"status": office.get_status_display().lower()}
        )
    # Step 3 stays open until it is held with its decision (planning it reaches its deadline).
    step = office.steps.filter(code=StepCode.KARTREKKERS, held_on__isnull=True).first()
    if step is None or office.current_step != StepCode.KARTREKKERS:
        raise PosOfficeError(
            _("A GO / NO-GO decision is taken at step 3, after the introduction call.")
        )
    return step


def _evidence_fields(evidence: models.Model | None) -> dict:
    if evidence is None or evidence.pk is None:
        return {}
    return {
        "evidence_type": ContentType.objects.get_for_model(evidence),
        "evidence_id": str(evidence.pk),
    }


def _unmet_refusal(unmet: list[str]) -> PosOfficeError:
    return PosOfficeError(
        _(
            "Not all basic conditions are met (%(names)s). Write down why the POS office starts "
            "with POS support anyway."
        )
        % {"names": condition_names(unmet)}
    )


def _unmet_keys(office: PosOffice, today: dt.date) -> list[str]:
    from ..selectors import unmet_conditions

    return [condition.key for condition in unmet_conditions(office, today=today)]


@transaction.atomic
def decision_propose(
    *,
    office: PosOffice,
    by: AbstractBaseUser | None,
    decision: str,
    decided_on: dt.date,
    reason: str = "",
    conditions_reason: str = "",
    evidence: models.Model | None = None,
    today: dt.date | None = None,
) -> DecisionProposal:
    """Record one side's GO / NO-GO for the current kartrekkers meeting; it does not take
    effect yet. The other side is e-mailed through the outbox.

    Refused: a user of neither side, an office not at step 3, a second open proposal for the
    same attempt (also a database constraint), a date in the future or before the introduction
    call, NO-GO stop without a reason, and a GO while basic conditions are unmet without a
    written ``conditions_reason`` (seed 000 §6.1: the conditions are what is needed "om een
    POS-kantoor op te richten met ondersteuning van POS").
    """
    today = today or timezone.localdate()
    office = _locked_office(office)
    side = _require_side(user=by, office=office)
    step = _open_step_3(office)
    if decision not in Decision.values:
        raise PosOfficeError(_("Choose GO or one of the NO-GO outcomes for step 3."))
    reason, conditions_reason = reason.strip(), conditions_reason.strip()
    if decision == Decision.NO_GO_STOP and not reason:
        raise PosOfficeError(_("Give the reason for ending the founding process."))
    if decided_on > today:
        raise PosOfficeError(_("A decision cannot be dated in the future."))
    intro = office.steps.filter(code=StepCode.INTRO_HELD, held_on__isnull=False).first()
    if intro is not None and decided_on < intro.held_on:
        raise PosOfficeError(
            _("The decision cannot be before the introduction call (%(date)s).")
            % {"date": intro.held_on.strftime("%d-%m-%Y")}
        )
    unmet = _unmet_keys(office, today) if decision == Decision.GO else []
    if unmet and not conditions_reason:
        raise _unmet_refusal(unmet)
    if DecisionProposal.objects.filter(step=step, status=ProposalStatus.OPEN).exists():
        raise PosOfficeError(
            _("A decision about this kartrekkers meeting is already awaiting an answer.")
        )
    try:
        with transaction.atomic():
            proposal = DecisionProposal.objects.create(
                office=office,
                step=step,
                decision=decision,
                decided_on=decided_on,
                reason=reason,
                unmet_conditions=unmet,
                conditions_reason=conditions_reason if unmet else "",
                side=side,
                proposed_by=by,
                proposed_at=timezone.now(),
                **_evidence_fields(evidence),
            )
    except IntegrityError as exc:  # another proposal committed between the check and here
        raise PosOfficeError(
            _("A decision about this kartrekkers meeting is already awaiting an answer.")
        ) from exc
    audit_record(
        subject=office,
        actor=by,
        action="decision_proposed",
        changes={"decision": ["", decision], "side": ["", side]},
        summary=_("%(decision)s recorded by %(side)s; waits for confirmation by %(other)s")
        % {
            "decision": proposal.get_decision_display(),
            "side": proposal.get_side_display(),
            "other": DecisionSide(proposal.other_side).label,
        },
    )
    _notify(proposal, event="proposed", to_side=proposal.other_side)
    return proposal


def _open_proposal(proposal: DecisionProposal) -> DecisionProposal:
    locked = (
        DecisionProposal.objects.select_for_update(of=("self",))
        .select_related("office__municipality", "step")
        .get(pk=proposal.pk)
    )
    if locked.status != ProposalStatus.OPEN:
        raise PosOfficeError(_("This decision has already been answered."))
    return locked


def _require_other_side(*, proposal: DecisionProposal, by: AbstractBaseUser) -> str:
    side = _require_side(user=by, office=proposal.office)
    if side == proposal.side:
        raise PosOfficeError(
            _("The other side (%(other)s) confirms or objects to this decision.")
            % {"other": DecisionSide(proposal.other_side).label}
        )
    return side


@transaction.atomic
def decision_confirm(
    *,
    proposal: DecisionProposal,
    by: AbstractBaseUser,
    conditions_reason: str = "",
    today: dt.date | None = None,
) -> DecisionProposal:
    """The other side confirms: the decision takes effect through the step-3 completion on
    the decision's date. A GO whose basic conditions are unmet now (also ones that became unmet
    after it was recorded) needs a written reason, from the proposal or from this answer.
    Refused for the proposing side itself and anyone outside both sides."""
    today = today or timezone.localdate()
    _locked_office(proposal.office)
    proposal = _open_proposal(proposal)
    office = proposal.office
    _require_other_side(proposal=proposal, by=by)
    if proposal.decision == Decision.GO:
        now_unmet = set(proposal.unmet_conditions) | set(_unmet_keys(office, today))
        unmet = [key for key in CONDITION_NAMES if key in now_unmet]
        reason = "\n".join(
            part for part in (proposal.conditions_reason, conditions_reason.strip()) if part
        )
        if unmet and not reason:
            raise _unmet_refusal(unmet)
        proposal.unmet_conditions, proposal.conditions_reason = unmet, reason
    proposal.status = ProposalStatus.CONFIRMED
    proposal.responded_by = by
    proposal.responded_at = timezone.now()
    proposal.save(
        update_fields=[
            "status",
            "responded_by",
            "responded_at",
            "unmet_conditions",
            "conditions_reason",
        ]
    )
    audit_record(
        subject=office,
        actor=by,
        action="decision_confirmed",
        changes={"decision": ["", proposal.decision]},
        summary=_("%(decision)s confirmed by %(side)s: taken jointly by %(pos)s (POS) and %(mun)s")
        % {
            "decision": proposal.get_decision_display(),
            "side": DecisionSide(proposal.other_side).label,
            "pos": _name(proposal.taken_by(DecisionSide.POS)),
            "mun": _name(proposal.taken_by(DecisionSide.MUNICIPALITY)),
        },
    )
    services.step_complete(
        step=proposal.step,
        on=proposal.decided_on,
        by=by,
        evidence_note=_joint_note(proposal),
        evidence=proposal.evidence,
        decision=proposal.decision,
        stop_reason=proposal.reason,
        today=today,
    )
    _notify(proposal, event="confirmed", to_side=proposal.side)
    return proposal


@transaction.atomic
def decision_object(
    *, proposal: DecisionProposal, by: AbstractBaseUser, reason: str
) -> DecisionProposal:
    """The other side objects: the proposal closes with the reason and nothing takes effect;
    either side may record a new decision."""
    _locked_office(proposal.office)
    proposal = _open_proposal(proposal)
    _require_other_side(proposal=proposal, by=by)
    reason = reason.strip()
    if not reason:
        raise PosOfficeError(_("Give the reason for your objection."))
    proposal.status = ProposalStatus.OBJECTED
    proposal.responded_by = by
    proposal.responded_at = timezone.now()
    proposal.objection_reason = reason
    proposal.save(update_fields=["status", "responded_by", "responded_at", "objection_reason"])
    audit_record(
        subject=proposal.office,
        actor=by,
        action="decision_objected",
        changes={"decision": [proposal.decision, ""]},
        summary=_("%(decision)s objected to by %(side)s: %(reason)s")
        % {
            "decision": proposal.get_decision_display(),
            "side": DecisionSide(proposal.other_side).label,
            "reason": reason,
        },
    )
    _notify(proposal, event="objected", to_side=proposal.side)
    return proposal


def _name(user: AbstractBaseUser | None) -> str:
    return person_name(user)


def _joint_note(proposal: DecisionProposal) -> str:
    lines = [
        _("Joint decision: %(pos)s (POS) and %(mun)s (municipality/sportbedrijf).")
        % {
            "pos": _name(proposal.taken_by(DecisionSide.POS)),
            "mun": _name(proposal.taken_by(DecisionSide.MUNICIPALITY)),
        }
    ]
    if proposal.reason:
        lines.append(proposal.reason)
    if proposal.unmet_conditions:
        lines.append(
            _("Basic conditions not met; reason: %(reason)s")
            % {"reason": proposal.conditions_reason}
        )
    return "\n".join(lines)


def _notify(proposal: DecisionProposal, *, event: str, to_side: str) -> None:
    """E-mail ``to_side`` through the outbox (sent after commit; key: proposal + event)."""
    to = _side_emails(office=proposal.office, side=to_side)
    if not to:
        return
    email_queue(
        key=f"pos-decision-{event}:{proposal.pk}",
        to=to,
        template="poskantoor/emails/decision",
        context={
            "proposal": proposal,
            "office": proposal.office,
            "event": event,
            "office_path": proposal.office.get_absolute_url(),
        },
    )


# --- Mapping statement (seed 000 §6.1 "Sportondernemers in beeld") --------------------------


@transaction.atomic
def mapping_state(
    *,
    office: PosOffice,
    by: AbstractBaseUser,
    stated_on: dt.date,
    note: str = "",
    today: dt.date | None = None,
) -> MappingStatement:
    """The municipality states "De sportondernemers in de gemeente zijn in kaart gebracht";
    the registry's count of active sport entrepreneurs is kept as evidence. Only policy staff of
    the office's municipality make this statement, dated today or earlier, with at least one
    active sport entrepreneur registered."""
    today = today or timezone.localdate()
    if side_of(user=by, office=office) != DecisionSide.MUNICIPALITY:
        raise PosOfficeError(
            _("Only policy staff of %(municipality)s state that its entrepreneurs are mapped.")
            % {"municipality": office.municipality.name}
        )
    if office.status == OfficeStatus.STOPPED:
        raise PosOfficeError(_("This POS office has stopped."))
    if stated_on > today:
        raise PosOfficeError(_("The date cannot be in the future."))
    count = Provider.objects.filter(
        municipality_id=office.municipality_id,
        kind=ProviderKind.ENTREPRENEUR,
        status=ProviderStatus.ACTIVE,
    ).count()
    minimum = thresholds_for(office).min_mapped_entrepreneurs
    if count < minimum:
        raise PosOfficeError(
            _(
                "Register the sport entrepreneurs of %(municipality)s in the registry first: "
                "it has no active sport entrepreneur yet."
            )
            % {"municipality": office.municipality.name}
        )
    statement = MappingStatement.objects.create(
        office=office, stated_on=stated_on, registered_count=count, note=note.strip(), stated_by=by
    )
    audit_record(
        subject=office,
        actor=by,
        action="entrepreneurs_mapped",
        changes={"registered_count": ["", str(count)]},
        summary=_("Sport entrepreneurs mapped on %(date)s (%(n)d registered)")
        % {"date": stated_on.strftime("%d-%m-%Y"), "n": count},
    )
    return statement
