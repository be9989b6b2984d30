"""Writes of the POS-office founding process.

The API the meetings app uses to record steps from its meetings:

- ``step_plan(*, step, on, by, evidence_note="", evidence=None)`` when a founding meeting is
  planned (the day it was scheduled);
- ``step_complete(*, step, on, by, evidence_note="", evidence=None, decision="",
  stop_reason="", planned_on=None)`` when it was held, for steps 2a, 2b, 3 (with
  ``decision``), 4 and 6;
- ``start_session_record(*, office, number, topic, held_on, by, evidence_note="",
  evidence=None)`` for the three sessions of step 5 (the third one completes step 5);
- ``open_step(office=, code=)`` and ``step_plannable(step=)`` (selectors) find the row.

The rules (owners, deadlines, what a deadline applies to) come from the office's process
version (``process``). ``evidence`` is any saved model instance (a meeting); it is stored as a
generic relation. Every function is atomic, refuses with ``PosOfficeError`` (a DomainError with
a Dutch message) and writes an audit event.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from providers.models import Provider
from sportloket.constants import Role
from sportloket.models import Municipality
from sportloket.selectors import user_role
from sportloket.services import (
    DomainError,
    audit_record,
    email_queue,
    enqueue_on_commit,
    model_changes,
)
from sportloket.tokens import make_token

from .constants import (
    MUNICIPALITY_SIDE,
    START_SESSIONS_REQUIRED,
    STEP_SEQUENCE,
    Decision,
    MemberKind,
    Moment,
    OfficeStatus,
    SessionTopic,
    StepCode,
    VersionStatus,
)
from .deadlines import ProcessRules, StepRule, deadline_base
from .models import (
    CoreGroupMember,
    FoundingStep,
    InterestRegistration,
    PosOffice,
    ProcessStepRule,
    ProcessVersion,
    StartSession,
    YearPlan,
)
from .process import office_rules, version_in_force, version_rules

logger = logging.getLogger(__name__)

CONFIRM_PURPOSE = "pos-interest-confirm"


class PosOfficeError(DomainError):
    """A refusal of the founding process, with a message fit for the user."""


# --- Interest form (step 1) -----------------------------------------------------------------


def active_office_exists(municipality: Municipality) -> bool:
    return (
        PosOffice.objects.filter(municipality=municipality)
        .exclude(status=OfficeStatus.STOPPED)
        .exists()
    )


@transaction.atomic
def interest_register(*, data: dict[str, Any]) -> InterestRegistration:
    """Store an unconfirmed registration and queue the confirmation e-mail.

    ``data`` holds the cleaned fields of the interest form. Nothing starts before the contact
    confirms the e-mail address.
    """
    municipality = data["municipality"]
    if active_office_exists(municipality):
        raise PosOfficeError(
            _("%(municipality)s already has a POS office. Contact POS for more information.")
            % {"municipality": municipality}
        )
    registration = InterestRegistration.objects.create(
        municipality=municipality,
        organisation_name=data["organisation_name"],
        contact_name=data["contact_name"],
        email=data["email"],
        phone=data.get("phone", ""),
        message=data.get("message", ""),
        privacy_consent_at=timezone.now(),
    )
    token = make_token(CONFIRM_PURPOSE, registration.pk)
    email_queue(
        key=f"pos-interest-confirm:{registration.pk}",
        to=[registration.email],
        template="poskantoor/emails/interest_confirm",
        context={
            "registration": registration,
            "confirm_path": reverse("poskantoor:interest_confirm", args=[token]),
        },
    )
    return registration


@transaction.atomic
def interest_confirm(*, registration_id: int, today: dt.date | None = None) -> PosOffice:
    """Confirm a registration: the office starts under the process version in force when the
    form was submitted, with step 1 held on the submission day, and POS staff are told.

    Seed 000 §6: "dit vindt binnen 1 maand na aanmelding plaats": the deadlines of 2a and 2b
    count from the day the interest form was submitted, not from the confirmation; before the
    confirmation there is no office and no live deadline.

    Idempotent: confirming twice returns the same office.
    """
    registration = (
        InterestRegistration.objects.select_for_update(of=("self",))
        .select_related("municipality", "office")
        .get(pk=registration_id)
    )
    if registration.office is not None:
        return registration.office
    submitted_on = timezone.localdate(registration.created_at)
    if today is not None:
        submitted_on = min(submitted_on, today)
    municipality = registration.municipality
    if active_office_exists(municipality):
        raise PosOfficeError(
            _("%(municipality)s already has a POS office. Contact POS for more information.")
            % {"municipality": municipality}
        )
    version = version_in_force(registration.created_at)
    if version is None:
        raise PosOfficeError(_("No founding process has been published yet. Contact POS."))
    try:
        with transaction.atomic():
            office = PosOffice.objects.create(
                municipality=municipality,
                name=_("POS office %(municipality)s") % {"municipality": municipality.name},
                registered_on=submitted_on,
                process_version=version,
                contact_name=registration.contact_name,
                contact_email=registration.email,
            )
    except IntegrityError as exc:  # a second registration confirmed at the same moment
        raise PosOfficeError(
            _("%(municipality)s already has a POS office. Contact POS for more information.")
            % {"municipality": municipality}
        ) from exc
    _create_steps(office=office, registered_on=submitted_on, evidence_note=registration.message)
    registration.confirmed_at = timezone.now()
    registration.office = office
    registration.save(update_fields=["confirmed_at", "office"])
    _refresh_office(office)
    audit_record(
        subject=office,
        actor=None,
        action="office_started",
        summary=_("Interest registered by %(name)s (%(organisation)s)")
        % {"name": registration.contact_name, "organisation": registration.organisation_name},
    )
    pos_emails = pos_staff_emails()
    if pos_emails:
        email_queue(
            key=f"pos-office-started:{office.pk}",
            to=pos_emails,
            template="poskantoor/emails/office_started",
            context={"office": office, "registration": registration},
        )
    return office


def _create_steps(*, office: PosOffice, registered_on: dt.date, evidence_note: str = "") -> None:
    """The step rows of a new office from its process version; step 1 (the interest form) is
    planned, held and completed on ``registered_on``, which starts the deadlines counting from
    it."""
    rules = office_rules(office)
    rows = []
    for rule in rules.steps:
        row = FoundingStep(
            office=office,
            code=rule.code,
            position=rule.position,
            attempt=1,
            owner=rule.owner,
            applies_to=rule.applies_to,
        )
        if rule.code == StepCode.REGISTRATION:
            row.planned_on = row.held_on = row.completed_on = registered_on
            row.evidence_note = evidence_note or _("Interest form confirmed.")
        rows.append(row)
    FoundingStep.objects.bulk_create(rows)
    _recompute_deadlines(office=office, rules=rules)


# --- Steps ----------------------------------------------------------------------------------


def _evidence_fields(evidence: models.Model | None) -> dict[str, Any]:
    if evidence is None:
        return {"evidence_type": None, "evidence_id": ""}
    if evidence.pk is None:
        raise PosOfficeError(_("Save the evidence before linking it to a step."))
    return {
        "evidence_type": ContentType.objects.get_for_model(evidence),
        "evidence_id": str(evidence.pk),
    }


def _fmt(day: dt.date) -> str:
    return day.strftime("%d-%m-%Y")


def _recompute_deadlines(
    *, office: PosOffice, rules: ProcessRules
) -> list[tuple[FoundingStep, dt.date | None]]:
    """Set the deadline of every open step from the rules and the dates recorded so far.

    Returns the steps whose deadline changed with their old deadline. Call inside the atomic
    block that changed a step (or the office's version).
    """
    rows = list(FoundingStep.objects.filter(office=office).order_by("position", "attempt"))
    changed = []
    for row in rows:
        if row.completed_on is not None:
            continue
        rule = rules[row.code]
        base = deadline_base(rule=rule, step=row, rows=rows)
        if row.code == StepCode.KARTREKKERS and row.attempt > 1:
            due = rules.retry_due_date(base) if base else None
        else:
            due = rules.due_date(row.code, base)
        if due != row.due_date:
            changed.append((row, row.due_date))
            FoundingStep.objects.filter(pk=row.pk).update(due_date=due)
            row.due_date = due
    return changed


def _check_may_complete(*, step: FoundingStep, by: AbstractBaseUser | None) -> None:
    """Seed 000 §6 names an owner for every step: policy staff complete the steps of their
    side (municipality, core group); POS staff may complete any step. Work without a user
    (the system, a management command) is not limited."""
    if by is None or not by.is_authenticated:
        return
    role = user_role(by)
    if role in (Role.POS_STAFF, Role.ADMINISTRATOR):
        return
    if role == Role.POLICY_STAFF and step.owner in MUNICIPALITY_SIDE:
        return
    raise PosOfficeError(
        _("Step %(code)s belongs to %(owner)s: only POS staff can record it.")
        % {"code": step.code, "owner": step.get_owner_display()}
    )


def _check_open(*, step: FoundingStep) -> None:
    office = step.office
    if not office.is_open:
        raise PosOfficeError(
            _("This POS office is %(status)s; its steps can no longer be changed.")
            % {"status": office.get_status_display().lower()}
        )
    if step.held_on is not None:
        raise PosOfficeError(_("This step has already been completed."))
    if step.code == StepCode.FOLLOW_UP:
        raise PosOfficeError(_("Step 7 (follow-up meetings) is ongoing and is not completed."))


def _check_planned_date(
    *, step: FoundingStep, rule: StepRule, on: dt.date, today: dt.date, rows: list[FoundingStep]
) -> None:
    """A step is planned after the moment its deadline counts from (seed 000: "plant binnen
    2 maanden na kennismaking"), on a day that has come."""
    if on > today:
        raise PosOfficeError(_("A step cannot be planned on a date in the future."))
    if not rule.counts_from and not (step.code == StepCode.KARTREKKERS and step.attempt > 1):
        return
    base = deadline_base(rule=rule, step=step, rows=rows)
    source = rule.counts_from or step.code
    moment = Moment(rule.counts_from_moment).label if rule.counts_from else Moment.HELD.label
    if base is None:
        raise PosOfficeError(
            _("Step %(code)s can be planned once step %(source)s has been %(moment)s.")
            % {"code": step.code, "source": source, "moment": moment}
        )
    if on < base:
        raise PosOfficeError(
            _("Step %(code)s cannot be planned before step %(source)s was %(moment)s (%(date)s).")
            % {"code": step.code, "source": source, "moment": moment, "date": _fmt(base)}
        )


def _check_held_date(
    *,
    step: FoundingStep,
    rules: ProcessRules,
    on: dt.date,
    today: dt.date,
    rows: list[FoundingStep],
) -> None:
    """Held on a day that has come, after its planning, after the previous step."""
    if on > today:
        raise PosOfficeError(_("A step cannot be completed on a date in the future."))
    if step.planned_on is not None and on < step.planned_on:
        raise PosOfficeError(
            _("Step %(code)s cannot be held before it was planned (%(date)s).")
            % {"code": step.code, "date": _fmt(step.planned_on)}
        )
    previous = rules.previous_step(step.code)
    if previous is None:
        return
    done = [r for r in rows if r.code == previous and r.is_done]
    if not done:
        raise PosOfficeError(_("Complete step %(previous)s first.") % {"previous": previous})
    previous_on = done[-1].held_on or done[-1].completed_on
    if on < previous_on:
        raise PosOfficeError(
            _("Step %(code)s cannot be completed before step %(previous)s (%(date)s).")
            % {"code": step.code, "previous": previous, "date": _fmt(previous_on)}
        )
    if step.code == StepCode.KARTREKKERS and step.attempt > 1:
        earlier = max(r.held_on for r in rows if r.code == step.code and r.held_on)
        if on < earlier:
            raise PosOfficeError(
                _("This kartrekkers meeting cannot be before the previous one (%(date)s).")
                % {"date": _fmt(earlier)}
            )


def _locked_step(step: FoundingStep) -> FoundingStep:
    return (
        FoundingStep.objects.select_for_update(of=("self",))
        .select_related("office__municipality")
        .get(pk=step.pk)
    )


@transaction.atomic
def step_plan(
    *,
    step: FoundingStep,
    on: dt.date,
    by: AbstractBaseUser | None,
    evidence_note: str = "",
    evidence: models.Model | None = None,
    today: dt.date | None = None,
) -> FoundingStep:
    """Record the day ``step`` was planned (scheduled). For a step whose deadline applies to
    the planning (seed 000: "POS plant binnen 2 weken een digitaal kennismakingsgesprek in")
    this meets the deadline; deadlines counting from the planning start.

    Refuses a step of a closed office, a step already planned or held, step 7, a day in the
    future or before the moment the step's deadline counts from, and a step of the other side.
    """
    today = today or timezone.localdate()
    step = _locked_step(step)
    office = step.office
    _check_open(step=step)
    _check_may_complete(step=step, by=by)
    if step.planned_on is not None:
        raise PosOfficeError(
            _("Step %(code)s was already planned on %(date)s.")
            % {"code": step.code, "date": _fmt(step.planned_on)}
        )
    rules = office_rules(office)
    rows = list(office.steps.all())
    _check_planned_date(step=step, rule=rules[step.code], on=on, today=today, rows=rows)
    values: dict[str, Any] = {"planned_on": on}
    if step.applies_to == Moment.PLANNED:
        values["completed_on"] = on
        values["completed_by"] = by if by is not None and by.is_authenticated else None
    if evidence is not None:
        values.update(_evidence_fields(evidence))
    if evidence_note.strip() and not step.evidence_note:
        values["evidence_note"] = evidence_note.strip()
    if not FoundingStep.objects.filter(pk=step.pk, planned_on__isnull=True).update(**values):
        raise PosOfficeError(_("This step has already been planned."))
    step.refresh_from_db()
    _recompute_deadlines(office=office, rules=rules)
    _refresh_office(office)
    audit_record(
        subject=office,
        actor=by,
        action=f"step_{step.code}_planned",
        changes={"planned_on": ["", on.isoformat()]},
        summary=_("Step %(code)s planned on %(date)s") % {"code": step.code, "date": _fmt(on)},
    )
    return step


@transaction.atomic
def step_complete(
    *,
    step: FoundingStep,
    on: dt.date,
    by: AbstractBaseUser | None,
    evidence_note: str = "",
    evidence: models.Model | None = None,
    decision: str = "",
    stop_reason: str = "",
    planned_on: dt.date | None = None,
    today: dt.date | None = None,
) -> FoundingStep:
    """Record that ``step`` was held on ``on`` (its real date, also when entered afterwards)
    and start the deadlines that count from it.

    ``planned_on`` records the planning at the same time (for a step not planned yet); a step
    held without a recorded planning counts as planned on the day it was held. Refuses
    (``PosOfficeError``) a step of a stopped or finished office, a step already held, steps
    out of order (1 → 2a → 2b → 3 → 4 → 5 → 6), a day in the future, before the planning or
    before the previous step, step 5 (recorded through ``start_session_record``), step 7
    (ongoing) and a step of the other side (``_check_may_complete``). Step 3 needs
    ``decision``: GO opens step 4; NO-GO with new kartrekkers opens step 3 again, its deadline
    counted from ``on``; NO-GO stop ends the office with ``stop_reason``. Safe against a
    concurrent completion: the row is locked and the update is conditional.
    """
    today = today or timezone.localdate()
    step = _locked_step(step)
    office = step.office
    _check_open(step=step)
    if step.code == StepCode.START_SESSIONS:
        raise PosOfficeError(
            _("Step 5 is completed by recording the three start sessions of the core group.")
        )
    _check_may_complete(step=step, by=by)
    decision = decision or ""
    if step.code == StepCode.KARTREKKERS:
        if decision not in Decision.values:
            raise PosOfficeError(_("Choose GO or one of the NO-GO outcomes for step 3."))
        if decision == Decision.NO_GO_STOP and not stop_reason.strip():
            raise PosOfficeError(_("Give the reason for ending the founding process."))
    elif decision:
        raise PosOfficeError(_("Only step 3 has a GO / NO-GO decision."))
    rules = office_rules(office)
    rows = list(office.steps.all())
    if planned_on is not None and step.planned_on is None:
        _check_planned_date(step=step, rule=rules[step.code], on=planned_on, today=today, rows=rows)
        step.planned_on = planned_on
    _check_held_date(step=step, rules=rules, on=on, today=today, rows=rows)
    return _hold(
        step=step,
        rules=rules,
        on=on,
        by=by,
        evidence_note=evidence_note,
        evidence=evidence,
        decision=decision,
        stop_reason=stop_reason.strip(),
    )


def _hold(
    *,
    step: FoundingStep,
    rules: ProcessRules,
    on: dt.date,
    by: AbstractBaseUser | None,
    evidence_note: str,
    evidence: models.Model | None,
    decision: str = "",
    stop_reason: str = "",
) -> FoundingStep:
    office = step.office
    planned_on = step.planned_on or on
    completed_on = planned_on if step.applies_to == Moment.PLANNED else on
    values: dict[str, Any] = {
        "planned_on": planned_on,
        "held_on": on,
        "completed_on": step.completed_on or completed_on,
        "decision": decision,
    }
    if step.completed_on is None or step.completed_by_id is None:
        values["completed_by"] = by if by is not None and by.is_authenticated else None
    if evidence is not None or step.evidence_id == "":
        values.update(_evidence_fields(evidence))
    if evidence_note.strip() or not step.evidence_note:
        values["evidence_note"] = evidence_note.strip()
    if not FoundingStep.objects.filter(pk=step.pk, held_on__isnull=True).update(**values):
        raise PosOfficeError(_("This step has already been completed."))
    step.refresh_from_db()
    changes: dict[str, list[str]] = {"held_on": ["", on.isoformat()]}
    if decision:
        changes["decision"] = ["", decision]
    summary = _("Step %(code)s completed on %(date)s") % {"code": step.code, "date": _fmt(on)}
    if decision == Decision.NO_GO_NEW_KARTREKKERS:
        FoundingStep.objects.create(
            office=office,
            code=StepCode.KARTREKKERS,
            position=step.position,
            attempt=step.attempt + 1,
            owner=step.owner,
            applies_to=step.applies_to,
        )
        _recompute_deadlines(office=office, rules=rules)
        new_due = rules.retry_due_date(on)
        summary = _("NO-GO at step 3: new kartrekkers, new deadline %(date)s") % {
            "date": _fmt(new_due) if new_due else "-"
        }
    elif decision == Decision.NO_GO_STOP:
        changes["status"] = [office.status, OfficeStatus.STOPPED]
        PosOffice.objects.filter(pk=office.pk).update(
            status=OfficeStatus.STOPPED, stopped_on=on, stop_reason=stop_reason
        )
        office.refresh_from_db()
        summary = _("NO-GO at step 3: founding process ended. Reason: %(reason)s") % {
            "reason": stop_reason
        }
    else:
        _recompute_deadlines(office=office, rules=rules)
    _refresh_office(office)
    audit_record(
        subject=office,
        actor=by,
        action=f"step_{step.code}_completed",
        changes=changes,
        summary=summary,
    )
    return step


def _refresh_office(office: PosOffice) -> None:
    """Derive ``current_step`` and ``status`` from the step rows (call after every change).

    The current step is the first one not held (for step 3: not held with GO)."""
    if office.status == OfficeStatus.STOPPED:
        return
    held = {
        s.code
        for s in office.steps.all()
        if s.is_held and (s.code != StepCode.KARTREKKERS or s.decision == Decision.GO)
    }
    sequence = [code for code in STEP_SEQUENCE if code != StepCode.FOLLOW_UP]
    current = next((code for code in sequence if code not in held), StepCode.FOLLOW_UP)
    position = STEP_SEQUENCE.index(current)
    if current == StepCode.FOLLOW_UP:
        status = OfficeStatus.ACTIVE
    elif position >= STEP_SEQUENCE.index(StepCode.START_MEETING):
        status = OfficeStatus.FOUNDING
    else:
        status = OfficeStatus.ORIENTATION
    if (office.current_step, office.status) != (current, status):
        office.current_step, office.status = current, status
        office.save(update_fields=["current_step", "status"])


@transaction.atomic
def start_session_record(
    *,
    office: PosOffice,
    number: int,
    topic: str,
    held_on: dt.date,
    by: AbstractBaseUser | None,
    evidence_note: str = "",
    evidence: models.Model | None = None,
    today: dt.date | None = None,
) -> StartSession:
    """Record start session ``number`` (1–3) of step 5; the third one completes step 5 on its
    date. Sessions are recorded in order, after the start meeting (step 4), not in the future.
    """
    today = today or timezone.localdate()
    office = PosOffice.objects.select_for_update().get(pk=office.pk)
    if not office.is_open:
        raise PosOfficeError(_("This POS office is no longer being founded."))
    step5 = office.steps.filter(code=StepCode.START_SESSIONS, held_on__isnull=True).first()
    step4 = office.steps.filter(code=StepCode.START_MEETING, held_on__isnull=False).first()
    if step5 is None or step4 is None:
        raise PosOfficeError(_("Start sessions follow the start meeting (step 4)."))
    step5.office = office
    _check_may_complete(step=step5, by=by)
    if topic not in SessionTopic.values:
        raise PosOfficeError(_("Choose the topic of the start session."))
    sessions = list(office.start_sessions.order_by("number"))
    expected = len(sessions) + 1
    if number != expected:
        raise PosOfficeError(_("Record start session %(expected)d next.") % {"expected": expected})
    if held_on > today:
        raise PosOfficeError(_("A start session cannot be recorded on a date in the future."))
    earliest = sessions[-1].held_on if sessions else step4.held_on
    if held_on < earliest:
        raise PosOfficeError(
            _("This session cannot be before %(date)s.") % {"date": _fmt(earliest)}
        )
    session = StartSession.objects.create(
        office=office,
        number=number,
        topic=topic,
        held_on=held_on,
        evidence_note=evidence_note.strip(),
        recorded_by=by if by is not None and by.is_authenticated else None,
        **_evidence_fields(evidence),
    )
    audit_record(
        subject=office,
        actor=by,
        action="start_session_recorded",
        changes={"start_session": ["", f"{number}: {topic}"]},
        summary=_("Start session %(number)d held on %(date)s")
        % {"number": number, "date": _fmt(held_on)},
    )
    if number == START_SESSIONS_REQUIRED:
        if step5.planned_on is None:
            step5.planned_on = sessions[0].held_on if sessions else held_on
        _hold(
            step=step5,
            rules=office_rules(office),
            on=held_on,
            by=by,
            evidence_note=_("Three start sessions held."),
            evidence=evidence,
        )
    return session


# --- Core group -----------------------------------------------------------------------------


def _validate_member(data: dict[str, Any]) -> None:
    kind = data["kind"]
    provider: Provider | None = data.get("provider")
    if kind == MemberKind.ENTREPRENEUR and provider is None:
        raise PosOfficeError(_("An entrepreneur must be linked to a sport provider."))
    if kind != MemberKind.ENTREPRENEUR and provider is not None:
        raise PosOfficeError(_("Only entrepreneurs are linked to a sport provider."))
    if data["committed_until"] < data["committed_from"]:
        raise PosOfficeError(_("The commitment cannot end before it starts."))
    hours = Decimal(data["hours_per_week"])
    if hours < 0 or hours > 40:
        raise PosOfficeError(_("Hours per week must be between 0 and 40."))


MEMBER_FIELDS = [
    "name",
    "kind",
    "provider",
    "email",
    "hours_per_week",
    "committed_from",
    "committed_until",
]


@transaction.atomic
def core_member_add(
    *, office: PosOffice, data: dict[str, Any], by: AbstractBaseUser | None
) -> CoreGroupMember:
    """Add a core group member. Refused for a stopped office."""
    if office.status == OfficeStatus.STOPPED:
        raise PosOfficeError(_("This POS office has stopped."))
    _validate_member(data)
    member = CoreGroupMember.objects.create(
        office=office,
        **{name: data.get(name) or "" for name in ("name", "kind", "email")},
        provider=data.get("provider"),
        hours_per_week=data["hours_per_week"],
        committed_from=data["committed_from"],
        committed_until=data["committed_until"],
    )
    audit_record(
        subject=office,
        actor=by,
        action="core_member_added",
        changes={"core_member": ["", f"{member.name} ({member.get_kind_display()})"]},
        summary=_("%(name)s joined the core group") % {"name": member.name},
    )
    return member


@transaction.atomic
def core_member_remove(*, member: CoreGroupMember, by: AbstractBaseUser | None) -> None:
    office = member.office
    label = f"{member.name} ({member.get_kind_display()})"
    member.delete()
    audit_record(
        subject=office,
        actor=by,
        action="core_member_removed",
        changes={"core_member": [label, ""]},
        summary=_("%(name)s left the core group") % {"name": label},
    )


# --- Recipients of the founding process's e-mails (deadline notices: poskantoor/notices.py)


def pos_staff_emails() -> list[str]:
    users = (
        get_user_model()
        .objects.filter(is_active=True, staff_profile__role=Role.POS_STAFF)
        .exclude(email="")
    )
    return sorted(set(users.values_list("email", flat=True)))


def municipality_emails(office: PosOffice) -> list[str]:
    """Policy staff of the office's municipality; the registration contact when there are
    none."""
    emails = set(
        get_user_model()
        .objects.filter(
            is_active=True,
            staff_profile__role=Role.POLICY_STAFF,
            staff_profile__municipality_id=office.municipality_id,
        )
        .exclude(email="")
        .values_list("email", flat=True)
    )
    if not emails and office.contact_email:
        emails.add(office.contact_email)
    return sorted(emails)


# --- Year plans ------------------------------------------------------------------------------

YEAR_PLAN_TEXT_FIELDS = [
    "short_term_goals",
    "long_term_vision",
    "stakeholder_analysis",
    "cooperation_agreements",
    "target_groups_note",
    "budget_lines",
]


@transaction.atomic
def year_plan_save(
    *, office: PosOffice, year: int, data: dict[str, Any], by: AbstractBaseUser
) -> YearPlan:
    """Create or update the plan of ``office`` for ``year``.

    Every real change raises ``content_version`` (so the stored PDF stops being served) and
    enqueues the PDF rendering after commit. Saving without a change does nothing.
    """
    if not office.is_open and office.status != OfficeStatus.ACTIVE:
        raise PosOfficeError(_("A stopped POS office has no year plan."))
    plan, created = YearPlan.objects.select_for_update().get_or_create(office=office, year=year)
    changes = model_changes(plan, data, YEAR_PLAN_TEXT_FIELDS)
    for relation in ("target_groups", "themes"):
        if relation in data:
            old = {obj.pk for obj in getattr(plan, relation).all()}
            new = {obj.pk for obj in data[relation]}
            if old != new:
                changes[relation] = [str(sorted(old)), str(sorted(new))]
                getattr(plan, relation).set(data[relation])
    if not created and not changes:
        return plan
    for name in YEAR_PLAN_TEXT_FIELDS:
        if name in data:
            setattr(plan, name, data[name])
    plan.updated_by = by
    if not created:
        plan.content_version = models.F("content_version") + 1
    plan.save()
    plan.refresh_from_db()
    audit_record(
        subject=office,
        actor=by,
        action="year_plan_created" if created else "year_plan_changed",
        changes=changes,
        summary=_("Year plan %(year)s saved") % {"year": year},
    )
    _year_plan_enqueue(plan.pk)
    return plan


def year_plan_mark_stale(*, office: PosOffice, year: int) -> bool:
    """The meetings of ``office`` in ``year`` changed: the PDF is out of date.

    Called by the meetings app inside the transaction that changes a meeting; the new PDF is
    rendered after commit. Returns whether the office has a plan for that year.
    """
    plans = YearPlan.objects.filter(office=office, year=year)
    pks = list(plans.values_list("pk", flat=True))
    if not pks:
        return False
    plans.update(content_version=models.F("content_version") + 1)
    for pk in pks:
        _year_plan_enqueue(pk)
    return True


def _year_plan_enqueue(plan_id: int) -> None:
    from .tasks import year_plan_render

    enqueue_on_commit(year_plan_render, plan_id)


def year_plan_request_render(*, plan: YearPlan) -> None:
    """Ask for the PDF again (the page that says "being generated" does, in case the broker
    was down when the plan changed). Idempotent: the task renders only when behind."""
    if not plan.pdf_is_current:
        _year_plan_enqueue(plan.pk)


def year_plan_render_pdf(*, plan_id: int, today: dt.date | None = None) -> bool:
    """Render and store the PDF of the plan's current version; idempotent.

    Renders only when the stored PDF is behind. The version read together with the content
    is the version the file is stored under; if the plan (or a meeting) changes meanwhile, the
    change raised the version and queued another rendering, so the file is never served as
    current for content it does not show.
    """
    from sportloket.pdf import render_pdf

    from .selectors import year_plan_pdf_context

    plan = (
        YearPlan.objects.select_related("office__municipality")
        .prefetch_related("target_groups", "themes")
        .filter(pk=plan_id)
        .first()
    )
    if plan is None or plan.pdf_version >= plan.content_version:
        return False
    version = plan.content_version
    _html, pdf = render_pdf(
        "poskantoor/pdf/year_plan.html", year_plan_pdf_context(plan=plan, now=timezone.now())
    )
    with transaction.atomic():
        locked = YearPlan.objects.select_for_update().filter(pk=plan_id).first()
        if locked is None or locked.pdf_version >= version:
            return False
        old_name = locked.pdf.name
        name = f"jaarplan-{slugify(plan.office.municipality.name)}-{plan.year}-v{version}.pdf"
        locked.pdf.save(name, ContentFile(pdf), save=False)
        locked.pdf_version = version
        locked.pdf_generated_at = timezone.now()
        locked.save(update_fields=["pdf", "pdf_version", "pdf_generated_at"])
        if old_name and old_name != locked.pdf.name:
            storage = locked.pdf.storage
            transaction.on_commit(lambda: storage.delete(old_name), robust=True)
    logger.info("Year plan PDF %s rendered (version %s)", plan, version)
    return True


# --- Process definition ----------------------------------------------------------------------

VERSION_NUMBER_FIELDS = [
    "professional_hours_per_week",
    "commitment_years",
    "entrepreneurs",
    "hours_per_enterprise",
    "meetings_per_year",
    "social_domain_meetings_per_year",
    "network_size",
]
STEP_RULE_FIELDS = [
    "code",
    "position",
    "owner",
    "amount",
    "unit",
    "counts_from",
    "counts_from_moment",
    "applies_to",
]


@transaction.atomic
def process_version_draft(*, source: ProcessVersion, by: AbstractBaseUser | None) -> ProcessVersion:
    """A new draft version, a copy of ``source``, for POS staff to edit in the admin."""
    number = (ProcessVersion.objects.aggregate(n=models.Max("number"))["n"] or 0) + 1
    draft = ProcessVersion.objects.create(
        number=number,
        note=_("Copy of version %(number)d.") % {"number": source.number},
        **{name: getattr(source, name) for name in VERSION_NUMBER_FIELDS},
    )
    ProcessStepRule.objects.bulk_create(
        ProcessStepRule(version=draft, **{name: getattr(rule, name) for name in STEP_RULE_FIELDS})
        for rule in source.steps.all()
    )
    audit_record(
        subject=draft,
        actor=by,
        action="process_version_drafted",
        summary=_("Draft process version %(number)d from version %(source)d")
        % {"number": number, "source": source.number},
    )
    return draft


def process_version_problems(version: ProcessVersion) -> list[str]:
    """What keeps a draft from being published: every step once, step 1 first and step 7 last,
    each deadline counting from an earlier step, the social-domain meetings within the
    meetings per year."""
    rules = version_rules(version.pk)
    problems = []
    if sorted(rules.sequence) != sorted(STEP_SEQUENCE):
        problems.append(_("The version must have every founding step exactly once."))
        return problems
    if rules.sequence[0] != StepCode.REGISTRATION or rules.sequence[-1] != StepCode.FOLLOW_UP:
        problems.append(_("Step 1 comes first and step 7 last."))
    for rule in rules.steps:
        if rule.amount and (not rule.unit or not rule.counts_from):
            problems.append(
                _("Step %(code)s: a deadline needs its unit and the step it counts from.")
                % {"code": rule.code}
            )
        elif rule.counts_from and (
            rules.sequence.index(rule.counts_from) >= rules.sequence.index(rule.code)
        ):
            problems.append(
                _("Step %(code)s: its deadline must count from an earlier step.")
                % {"code": rule.code}
            )
    if version.social_domain_meetings_per_year > version.meetings_per_year:
        problems.append(_("The meetings with the social domain are part of the meetings per year."))
    return problems


@transaction.atomic
def process_version_publish(
    *, version: ProcessVersion, by: AbstractBaseUser | None
) -> ProcessVersion:
    """Publish a draft: offices registered from now on start under it; existing offices keep
    their version. A published version is never changed again. Refuses a version already
    published or one with problems (``process_version_problems``)."""
    version = ProcessVersion.objects.select_for_update().get(pk=version.pk)
    if version.is_published:
        raise PosOfficeError(_("This version has already been published."))
    problems = process_version_problems(version)
    if problems:
        raise PosOfficeError(" ".join(problems))
    version.status = VersionStatus.PUBLISHED
    version.published_at = timezone.now()
    version.published_by = by if by is not None and by.is_authenticated else None
    version.save(update_fields=["status", "published_at", "published_by"])
    audit_record(
        subject=version,
        actor=by,
        action="process_version_published",
        changes={"status": [VersionStatus.DRAFT, VersionStatus.PUBLISHED]},
        summary=_("Process version %(number)d published") % {"number": version.number},
    )
    return version


@transaction.atomic
def office_move_to_version(
    *, office: PosOffice, version: ProcessVersion, by: AbstractBaseUser | None
) -> list[tuple[FoundingStep, dt.date | None]]:
    """Move an office onto another published version: its steps take the version's owners and
    moments, its open deadlines are recomputed, and the audit trail lists every changed
    deadline. Held and planned dates stay. Refuses a draft, the office's own version and a
    stopped office. Returns the steps whose deadline changed with their old deadline."""
    office = (
        PosOffice.objects.select_for_update().select_related("process_version").get(pk=office.pk)
    )
    if not version.is_published:
        raise PosOfficeError(_("Only a published version can be applied to an office."))
    if office.process_version_id == version.pk:
        raise PosOfficeError(
            _("This office already works with version %(number)d.") % {"number": version.number}
        )
    if office.status == OfficeStatus.STOPPED:
        raise PosOfficeError(_("This POS office has stopped."))
    old_number = office.process_version.number
    rules = version_rules(version.pk)
    for rule in rules.steps:
        FoundingStep.objects.filter(office=office, code=rule.code).update(
            owner=rule.owner, applies_to=rule.applies_to, position=rule.position
        )
    # A step whose deadline now applies to its planning and that was planned is met; one that
    # now applies to its holding and is not held yet is open again.
    FoundingStep.objects.filter(
        office=office,
        applies_to=Moment.PLANNED,
        completed_on__isnull=True,
        planned_on__isnull=False,
    ).update(completed_on=models.F("planned_on"))
    FoundingStep.objects.filter(
        office=office, applies_to=Moment.HELD, held_on__isnull=True, completed_on__isnull=False
    ).update(completed_on=None)
    office.process_version = version
    office.save(update_fields=["process_version"])
    changed = _recompute_deadlines(office=office, rules=rules)
    changes: dict[str, list[str]] = {"process_version": [str(old_number), str(version.number)]}
    for step, old_due in changed:
        changes[f"due_date_{step.code}"] = [
            old_due.isoformat() if old_due else "",
            step.due_date.isoformat() if step.due_date else "",
        ]
    audit_record(
        subject=office,
        actor=by,
        action="process_version_changed",
        changes=changes,
        summary=_("Moved from process version %(old)d to %(new)d; %(n)d deadlines recomputed")
        % {"old": old_number, "new": version.number, "n": len(changed)},
    )
    _refresh_office(office)
    return changed


# --- The office's public face (seed 000 §4 "Communicatiemiddelen") ------------------------------

PUBLIC_CONTACT_FIELDS = ("public_contact_name", "public_contact_email", "public_contact_phone")
# Who switches the public page on or off and names its contact: the municipality's policy
# officer (and administrators, who may do everything).
PUBLIC_FACE_ROLES = (Role.POLICY_STAFF, Role.ADMINISTRATOR)


@transaction.atomic
def office_public_face_update(
    *,
    office: PosOffice,
    data: dict[str, Any],
    by: AbstractBaseUser | None,
    now: dt.datetime | None = None,
) -> PosOffice:
    """Switch the office's public page on or off and set its public contact person.

    ``data``: ``is_public``, the three ``public_contact_*`` fields and ``contact_consent``
    (the contact person agreed to be shown: seed 000 §4 "Agenda en contactpersoon op de website
    van POS" names a person, whose details are personal data). A contact is kept only with
    consent: without it the change is refused and nothing is saved. A new person, address or
    number needs consent again and records it anew (when and by whom); emptying the contact
    withdraws it. A stopped office cannot go public.
    """
    if by is None or user_role(by) not in PUBLIC_FACE_ROLES:
        raise PosOfficeError(
            _("Only the municipality's policy officer decides whether the office is public.")
        )
    office = PosOffice.objects.select_for_update().get(pk=office.pk)
    is_public = bool(data.get("is_public"))
    if is_public and office.status == OfficeStatus.STOPPED:
        raise PosOfficeError(_("A stopped POS office cannot be shown in public."))
    contact = {name: (data.get(name) or "").strip() for name in PUBLIC_CONTACT_FIELDS}
    has_contact = any(contact.values())
    if has_contact and not contact["public_contact_name"]:
        raise PosOfficeError(_("Fill in the name of the public contact person."))
    if has_contact and not data.get("contact_consent"):
        raise PosOfficeError(
            _(
                "The contact person is shown only with their consent. Ask them first, then "
                "tick that they agreed; or leave the contact person empty."
            )
        )
    before = {name: getattr(office, name) for name in ("is_public", *PUBLIC_CONTACT_FIELDS)}
    same_person = all(getattr(office, name) == value for name, value in contact.items())
    office.is_public = is_public
    for name, value in contact.items():
        setattr(office, name, value)
    if not has_contact:
        office.public_contact_consent_at, office.public_contact_consent_by = None, None
    elif not same_person or office.public_contact_consent_at is None:
        office.public_contact_consent_at = now or timezone.now()
        office.public_contact_consent_by = by
    office.save(
        update_fields=[
            "is_public",
            *PUBLIC_CONTACT_FIELDS,
            "public_contact_consent_at",
            "public_contact_consent_by",
        ]
    )
    changes = {
        name: [str(old), str(getattr(office, name))]
        for name, old in before.items()
        if old != getattr(office, name)
    }
    if changes:
        audit_record(
            subject=office,
            actor=by,
            action="public_face_changed",
            changes=changes,
            summary=_("Public page switched on")
            if office.is_public and not before["is_public"]
            else _("Public page switched off")
            if before["is_public"] and not office.is_public
            else _("Public page's contact person changed"),
        )
    return office
