"""Writes of the POS-office founding process.

The API the meetings app uses to complete steps from meetings it records as held:

- ``step_complete(*, step, on, by, evidence_note="", evidence=None, decision="", stop_reason="")``
  for steps 2a, 2b, 3 (with ``decision``), 4 and 6;
- ``start_session_record(*, office, number, topic, held_on, by, evidence_note="", evidence=None)``
  for the three sessions of step 5 (the third one completes step 5);
- ``open_step(office=, code=)`` (selectors) finds the row to complete.

``evidence`` is any saved model instance (a meeting); it is stored as a generic relation.
Every function is atomic, refuses with ``PosOfficeError`` (a DomainError with a Dutch message)
and writes an audit event on the office.
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
from sportloket.services import (
    DomainError,
    audit_record,
    email_queue,
    enqueue_on_commit,
    model_changes,
)
from sportloket.tokens import make_token

from .constants import (
    START_SESSIONS_REQUIRED,
    Decision,
    MemberKind,
    OfficeStatus,
    SessionTopic,
    StepCode,
)
from .deadlines import (
    RULES,
    STEP_SEQUENCE,
    dependants,
    due_date,
    previous_step,
    retry_due_date,
)
from .models import (
    CoreGroupMember,
    FoundingStep,
    InterestRegistration,
    PosOffice,
    StartSession,
    YearPlan,
)

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
    """Confirm a registration: the office starts with step 1 completed on the confirmation
    day, the deadlines of 2a and 2b run from it, and POS staff are told.

    Idempotent: confirming twice returns the same office.
    """
    registration = (
        InterestRegistration.objects.select_for_update(of=("self",))
        .select_related("municipality", "office")
        .get(pk=registration_id)
    )
    if registration.office is not None:
        return registration.office
    today = today or timezone.localdate()
    municipality = registration.municipality
    if active_office_exists(municipality):
        raise PosOfficeError(
            _("%(municipality)s already has a POS office. Contact POS for more information.")
            % {"municipality": municipality}
        )
    try:
        with transaction.atomic():
            office = PosOffice.objects.create(
                municipality=municipality,
                name=_("POS office %(municipality)s") % {"municipality": municipality.name},
                registered_on=today,
                contact_name=registration.contact_name,
                contact_email=registration.email,
            )
    except IntegrityError as exc:  # a second registration confirmed at the same moment
        raise PosOfficeError(
            _("%(municipality)s already has a POS office. Contact POS for more information.")
            % {"municipality": municipality}
        ) from exc
    _create_steps(office=office, registered_on=today, evidence_note=registration.message)
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
    rows = []
    for code in STEP_SEQUENCE:
        row = FoundingStep(office=office, code=code, position=STEP_SEQUENCE.index(code), attempt=1)
        if code == StepCode.REGISTRATION:
            row.completed_on = registered_on
            row.evidence_note = evidence_note or _("Interest form confirmed.")
        elif RULES[code].depends_on == StepCode.REGISTRATION:
            row.due_date = due_date(code, registered_on)
        rows.append(row)
    FoundingStep.objects.bulk_create(rows)


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


def _check_completion_date(*, step: FoundingStep, on: dt.date, today: dt.date) -> None:
    if on > today:
        raise PosOfficeError(_("A step cannot be completed on a date in the future."))
    previous = previous_step(step.code)
    if previous is None:
        return
    done = [s for s in step.office.steps.all() if s.code == previous and s.is_done]
    if not done:
        raise PosOfficeError(_("Complete step %(previous)s first.") % {"previous": previous})
    previous_on = done[0].completed_on
    if on < previous_on:
        raise PosOfficeError(
            _("Step %(code)s cannot be completed before step %(previous)s (%(date)s).")
            % {"code": step.code, "previous": previous, "date": previous_on.strftime("%d-%m-%Y")}
        )
    if step.code == StepCode.KARTREKKERS and step.attempt > 1:
        earlier = max(
            s.completed_on
            for s in step.office.steps.all()
            if s.code == StepCode.KARTREKKERS and s.completed_on
        )
        if on < earlier:
            raise PosOfficeError(
                _("This kartrekkers meeting cannot be before the previous one (%(date)s).")
                % {"date": earlier.strftime("%d-%m-%Y")}
            )


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
    today: dt.date | None = None,
) -> FoundingStep:
    """Complete a founding step on ``on`` and start the deadlines that count from it.

    Refuses (``PosOfficeError``) a step of a stopped or finished office, a step already
    completed, steps out of order (1 → 2a → 2b → 3 → 4 → 5 → 6), a date in the future or before
    the previous step, step 5 (recorded through ``start_session_record``) and step 7 (ongoing).
    Step 3 needs ``decision``: GO opens step 4; NO-GO with new kartrekkers opens step 3 again
    with a new deadline 2 months after ``on``; NO-GO stop ends the office with ``stop_reason``.
    ``evidence`` is any saved object (e.g. a meeting). Safe against a concurrent completion of
    the same step: the row is locked and the update is conditional.
    """
    today = today or timezone.localdate()
    step = (
        FoundingStep.objects.select_for_update(of=("self",))
        .select_related("office__municipality")
        .get(pk=step.pk)
    )
    office = step.office
    if not office.is_open:
        raise PosOfficeError(
            _("This POS office is %(status)s; its steps can no longer be changed.")
            % {"status": office.get_status_display().lower()}
        )
    if step.completed_on is not None:
        raise PosOfficeError(_("This step has already been completed."))
    if step.code == StepCode.FOLLOW_UP:
        raise PosOfficeError(_("Step 7 (follow-up meetings) is ongoing and is not completed."))
    if step.code == StepCode.START_SESSIONS:
        raise PosOfficeError(
            _("Step 5 is completed by recording the three start sessions of the core group.")
        )
    decision = decision or ""
    if step.code == StepCode.KARTREKKERS:
        if decision not in Decision.values:
            raise PosOfficeError(_("Choose GO or one of the NO-GO outcomes for step 3."))
        if decision == Decision.NO_GO_STOP and not stop_reason.strip():
            raise PosOfficeError(_("Give the reason for ending the founding process."))
    elif decision:
        raise PosOfficeError(_("Only step 3 has a GO / NO-GO decision."))
    _check_completion_date(step=step, on=on, today=today)
    return _complete(
        step=step,
        on=on,
        by=by,
        evidence_note=evidence_note,
        evidence=evidence,
        decision=decision,
        stop_reason=stop_reason.strip(),
    )


def _complete(
    *,
    step: FoundingStep,
    on: dt.date,
    by: AbstractBaseUser | None,
    evidence_note: str,
    evidence: models.Model | None,
    decision: str = "",
    stop_reason: str = "",
) -> FoundingStep:
    office = step.office
    updated = FoundingStep.objects.filter(pk=step.pk, completed_on__isnull=True).update(
        completed_on=on,
        completed_by=by if by is not None and by.is_authenticated else None,
        evidence_note=evidence_note.strip(),
        decision=decision,
        **_evidence_fields(evidence),
    )
    if not updated:
        raise PosOfficeError(_("This step has already been completed."))
    step.refresh_from_db()
    changes: dict[str, list[str]] = {"completed_on": ["", on.isoformat()]}
    if decision:
        changes["decision"] = ["", decision]
    summary = _("Step %(code)s completed on %(date)s") % {
        "code": step.code,
        "date": on.strftime("%d-%m-%Y"),
    }
    if decision == Decision.NO_GO_NEW_KARTREKKERS:
        new_due = retry_due_date(on)
        FoundingStep.objects.create(
            office=office,
            code=StepCode.KARTREKKERS,
            position=step.position,
            attempt=step.attempt + 1,
            due_date=new_due,
        )
        summary = _("NO-GO at step 3: new kartrekkers, new deadline %(date)s") % {
            "date": new_due.strftime("%d-%m-%Y")
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
        for code in dependants(step.code):
            FoundingStep.objects.filter(office=office, code=code, completed_on__isnull=True).update(
                due_date=due_date(code, on)
            )
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
    """Derive ``current_step`` and ``status`` from the step rows (call after every change)."""
    if office.status == OfficeStatus.STOPPED:
        return
    done = {s.code for s in office.steps.all() if s.is_done}
    current = next((code for code in STEP_SEQUENCE if code not in done), StepCode.FOLLOW_UP)
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
    step5 = office.steps.filter(code=StepCode.START_SESSIONS, completed_on__isnull=True).first()
    step4 = office.steps.filter(code=StepCode.START_MEETING, completed_on__isnull=False).first()
    if step5 is None or step4 is None:
        raise PosOfficeError(_("Start sessions follow the start meeting (step 4)."))
    if topic not in SessionTopic.values:
        raise PosOfficeError(_("Choose the topic of the start session."))
    sessions = list(office.start_sessions.order_by("number"))
    expected = len(sessions) + 1
    if number != expected:
        raise PosOfficeError(_("Record start session %(expected)d next.") % {"expected": expected})
    if held_on > today:
        raise PosOfficeError(_("A start session cannot be recorded on a date in the future."))
    earliest = sessions[-1].held_on if sessions else step4.completed_on
    if held_on < earliest:
        raise PosOfficeError(
            _("This session cannot be before %(date)s.") % {"date": earliest.strftime("%d-%m-%Y")}
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
        % {"number": number, "date": held_on.strftime("%d-%m-%Y")},
    )
    if number == START_SESSIONS_REQUIRED:
        step5.office = office
        _complete(
            step=step5,
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
