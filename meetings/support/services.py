"""Writes of the desk's support questions: intake, workflow, warm handover, deadlines.

Every change appends to the question's timeline (``SupportRequestEvent``) in the same
transaction; the timeline is the question's audit trail and is never rewritten.
"""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.db.models import F, Q
from django.db.models.functions import TruncDate
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from providers.constants import ProviderStatus
from providers.models import Provider
from providers.services import provider_register_from_question
from sportloket.constants import Role
from sportloket.models import Desk, DeskPartner, Municipality, Organisation, QuestionCategory
from sportloket.money import format_euro
from sportloket.services import DomainError, audit_record, email_queue
from subsidies.constants import Decision
from subsidies.models import Allocation, Budget
from subsidies.services import allocation_create

from ..models import (
    ContactMoment,
    Handover,
    QuestionStatMark,
    QuestionWeekStat,
    SupportRequest,
    SupportRequestAllocation,
    SupportRequestEvent,
)
from . import messages
from .constants import (
    CLOCK_RUNNING_STATUSES,
    OPEN_STATUSES,
    TRANSITIONS,
    Channel,
    ContactChannel,
    EventKind,
    HandoverStatus,
    Priority,
    SupportStatus,
)
from .notices import desk_told_of_information
from .workdays import add_working_days, working_days_between

__all__ = ["DomainError"]


def today() -> dt.date:
    return timezone.localdate()


def _event(
    request: SupportRequest,
    kind: EventKind,
    *,
    actor: AbstractBaseUser | None = None,
    text: str = "",
    public: bool = False,
    data: dict[str, Any] | None = None,
) -> SupportRequestEvent:
    desk_work = actor is not None and actor.is_authenticated
    touch = {"last_activity_at": timezone.now(), **({"new_info_at": None} if desk_work else {})}
    SupportRequest.objects.filter(pk=request.pk).update(**touch)
    request.__dict__.update(touch)
    return SupportRequestEvent.objects.create(
        support_request=request,
        kind=kind,
        actor=actor if actor is not None and actor.is_authenticated else None,
        text=text,
        public=public,
        data=data or {},
    )


def _locked(request: SupportRequest) -> SupportRequest:
    """Re-read the question under a row lock; call inside an atomic block."""
    return (
        SupportRequest.objects.select_for_update(of=("self",))
        .select_related("desk", "assignee")
        .get(pk=request.pk)
    )


def desk_for_municipality(municipality: Municipality) -> Desk | None:
    return Desk.objects.filter(municipalities=municipality).order_by("pk").first()


# --- Intake ----------------------------------------------------------------------------------


@transaction.atomic
def support_request_create(
    *,
    desk: Desk,
    provider: Provider,
    subject: str,
    question: str,
    channel: Channel,
    by: AbstractBaseUser | None = None,
    category: QuestionCategory | None = None,
    priority: int = Priority.NORMAL,
    requester_name: str = "",
    requester_email: str = "",
) -> SupportRequest:
    """Register a question and send the requester the private follow-up link."""
    if not desk.municipalities.filter(pk=provider.municipality_id).exists():
        raise DomainError(_("This provider is not in the area of the desk."))
    received = today()
    request = SupportRequest.objects.create(
        desk=desk,
        provider=provider,
        municipality_id=provider.municipality_id,
        subject=subject,
        question=question,
        channel=channel,
        category=category,
        priority=priority,
        requester_name=requester_name or provider.contact_name,
        requester_email=requester_email or provider.email,
        public_token=secrets.token_urlsafe(32),
        deadline=add_working_days(received, desk.first_response_working_days),
        created_by=by if by is not None and by.is_authenticated else None,
    )
    _event(
        request,
        EventKind.CREATED,
        actor=by,
        public=True,
        text=question,
        data={"channel": str(channel), "deadline": request.deadline.isoformat()},
    )
    audit_record(subject=request, actor=by, action="support_request.create", summary=subject)
    if request.requester_email:
        email_queue(
            key=f"support-request-received:{request.pk}",
            to=[request.requester_email],
            template="emails/meetings/request_received",
            context={"request": request, "url": request.get_public_url()},
        )
    return request


@transaction.atomic
def support_request_submit(
    *,
    municipality: Municipality,
    provider_name: str,
    kvk_number: str,
    contact_name: str,
    email: str,
    subject: str,
    question: str,
    category: QuestionCategory | None = None,
) -> SupportRequest:
    """The public question form: recognise or register the provider, then register the question.

    Refused (nothing stored) when no desk serves the municipality.
    """
    desk = desk_for_municipality(municipality)
    if desk is None:
        raise DomainError(
            _("There is no sport and movement desk for %(municipality)s in Sportloket yet.")
            % {"municipality": municipality}
        )
    provider = provider_register_from_question(
        name=provider_name,
        kvk_number=kvk_number,
        email=email,
        contact_name=contact_name,
        municipality=municipality,
    ).provider
    if not desk.municipalities.filter(pk=provider.municipality_id).exists():
        desk = desk_for_municipality(provider.municipality) or desk
    return support_request_create(
        desk=desk,
        provider=provider,
        subject=subject,
        question=question,
        channel=Channel.FORM,
        category=category,
        requester_name=contact_name,
        requester_email=email,
    )


# --- Workflow --------------------------------------------------------------------------------


def _set_status(
    request: SupportRequest,
    to: SupportStatus,
    *,
    by: AbstractBaseUser | None,
    text: str = "",
) -> None:
    """Apply an allowed status change with its clock effects; the caller holds the row lock."""
    old = SupportStatus(request.status)
    if to not in TRANSITIONS[old]:
        raise DomainError(
            _("A question with status “%(old)s” cannot be changed to “%(new)s”.")
            % {"old": old.label, "new": SupportStatus(to).label}
        )
    now_day = today()
    if to == SupportStatus.WAITING_FOR_PROVIDER:
        request.paused_on = now_day
    elif old == SupportStatus.WAITING_FOR_PROVIDER:
        _resume_clock(request, by=by, on=now_day)
    if old in CLOCK_RUNNING_STATUSES and request.first_response_at is None:
        request.first_response_at = timezone.now()
    if to == SupportStatus.TRIAGED:
        request.organisation = None
    request.status = to
    request.is_open = to in OPEN_STATUSES
    request.clock_running = to in CLOCK_RUNNING_STATUSES
    request.save(
        update_fields=[
            "status",
            "is_open",
            "clock_running",
            "paused_on",
            "deadline",
            "first_response_at",
            "organisation",
        ]
    )
    event = _event(
        request,
        EventKind.STATUS,
        actor=by,
        public=True,
        text=text,
        data={"from": str(old), "to": str(to)},
    )
    messages.requester_status_changed(request=request, event=event)
    audit_record(
        subject=request,
        actor=by,
        action="support_request.status",
        changes={"status": [str(old), str(to)]},
    )


def _resume_clock(request: SupportRequest, *, by: AbstractBaseUser | None, on: dt.date) -> None:
    """Move the deadline on by the working days the question waited for the provider."""
    if request.paused_on is None:
        return
    paused = working_days_between(request.paused_on, on)
    old_deadline = request.deadline
    if paused:
        request.deadline = add_working_days(old_deadline, paused)
        _event(
            request,
            EventKind.DEADLINE,
            actor=by,
            data={
                "from": old_deadline.isoformat(),
                "to": request.deadline.isoformat(),
                "paused_working_days": paused,
            },
        )
    request.paused_on = None


@transaction.atomic
def support_request_transition(
    *, request: SupportRequest, to: str, by: AbstractBaseUser | None, text: str = ""
) -> SupportRequest:
    """Change the status along the workflow table; a handover goes through ``handover_create``."""
    try:
        target = SupportStatus(to)
    except ValueError as exc:
        raise DomainError(_("Unknown status.")) from exc
    if target == SupportStatus.HANDED_OVER:
        raise DomainError(
            _("A handover needs a receiving organisation and a note: use the handover form.")
        )
    request = _locked(request)
    if request.handovers.filter(status=HandoverStatus.PENDING).exists():
        raise DomainError(
            _(
                "This question is waiting for the receiving organisation's answer; it returns to "
                "the queue when they decline or do not answer in time."
            )
        )
    _set_status(request, target, by=by, text=text)
    return request


def _is_desk_supporter(user: AbstractBaseUser, desk_id: int) -> bool:
    profile = getattr(user, "staff_profile", None)
    return (
        profile is not None
        and profile.role == Role.CLUB_SUPPORTER
        and profile.desk_id == desk_id
        and user.is_active
    )


@transaction.atomic
def support_request_assign(
    *, request: SupportRequest, assignee: AbstractBaseUser | None, by: AbstractBaseUser
) -> SupportRequest:
    """Assign to a club supporter of the question's desk (or to nobody)."""
    request = _locked(request)
    if assignee is not None and not _is_desk_supporter(assignee, request.desk_id):
        raise DomainError(_("Questions can only be assigned to club supporters of this desk."))
    if not request.is_open:
        raise DomainError(_("A closed question cannot be assigned."))
    if request.assignee_id == (assignee.pk if assignee else None):
        return request
    old = request.assignee
    request.assignee = assignee
    request.save(update_fields=["assignee"])
    _event(
        request,
        EventKind.ASSIGNMENT,
        actor=by,
        data={
            "from": old.get_full_name() or old.username if old else "",
            "to": assignee.get_full_name() or assignee.username if assignee else "",
        },
    )
    audit_record(
        subject=request,
        actor=by,
        action="support_request.assign",
        changes={"assignee": [str(old or ""), str(assignee or "")]},
    )
    if request.status == SupportStatus.NEW:
        _set_status(request, SupportStatus.TRIAGED, by=by)
    return request


@transaction.atomic
def support_request_update(
    *,
    request: SupportRequest,
    by: AbstractBaseUser,
    category: QuestionCategory | None = None,
    priority: int | None = None,
) -> SupportRequest:
    """Change category and/or priority; each change is a timeline event."""
    request = _locked(request)
    if category is not None and category.pk != request.category_id:
        old = request.category
        request.category = category
        request.save(update_fields=["category"])
        _event(
            request,
            EventKind.CATEGORY,
            actor=by,
            data={"from": str(old or ""), "to": str(category)},
        )
        audit_record(
            subject=request,
            actor=by,
            action="support_request.category",
            changes={"category": [str(old or ""), str(category)]},
        )
    if priority is not None and priority != request.priority:
        if priority not in Priority.values:
            raise DomainError(_("Unknown priority."))
        old_priority = Priority(request.priority)
        request.priority = priority
        request.save(update_fields=["priority"])
        _event(
            request,
            EventKind.PRIORITY,
            actor=by,
            data={"from": str(old_priority.label), "to": str(Priority(priority).label)},
        )
        audit_record(
            subject=request,
            actor=by,
            action="support_request.priority",
            changes={"priority": [str(old_priority.value), str(priority)]},
        )
    return request


@transaction.atomic
def support_request_message(
    *, request: SupportRequest, text: str, by: AbstractBaseUser, public: bool
) -> SupportRequestEvent:
    """A public message to the requester (e-mailed) or an internal note (never shown to them)."""
    request = _locked(request)
    if not text.strip():
        raise DomainError(_("Write a message first."))
    event = _event(
        request, EventKind.MESSAGE if public else EventKind.NOTE, actor=by, text=text, public=public
    )
    if public:
        if request.first_response_at is None:
            request.first_response_at = timezone.now()
            request.save(update_fields=["first_response_at"])
        if request.requester_email:
            email_queue(
                key=f"support-request-message:{event.pk}",
                to=[request.requester_email],
                template="emails/meetings/request_message",
                context={"request": request, "text": text, "url": request.get_public_url()},
            )
    return event


@transaction.atomic
def support_request_provider_message(*, request: SupportRequest, text: str) -> SupportRequest:
    """The requester adds information through the private link; a waiting question resumes."""
    request = _locked(request)
    if not request.is_open:
        raise DomainError(_("This question is closed; ask a new question instead."))
    if not text.strip():
        raise DomainError(_("Write a message first."))
    event = _event(request, EventKind.PROVIDER_MESSAGE, text=text, public=True)
    desk_told_of_information(request=request, event=event)
    if request.status == SupportStatus.WAITING_FOR_PROVIDER:
        _set_status(request, SupportStatus.TRIAGED, by=None)
    return request


# --- Warm handover ---------------------------------------------------------------------------


@transaction.atomic
def handover_create(
    *,
    request: SupportRequest,
    organisation: Organisation,
    note: str,
    by: AbstractBaseUser,
) -> Handover:
    """Hand the question to a partner organisation of the desk, with a note for the receiver."""
    request = _locked(request)
    if not note.strip():
        raise DomainError(_("A handover needs a note for the receiving organisation."))
    if not DeskPartner.objects.filter(desk_id=request.desk_id, organisation=organisation).exists():
        raise DomainError(_("You can only hand over to a partner organisation of this desk."))
    if request.handovers.filter(status=HandoverStatus.PENDING).exists():
        raise DomainError(_("This question is already waiting for an organisation's answer."))
    _set_status(request, SupportStatus.HANDED_OVER, by=by)
    request.organisation = organisation
    request.save(update_fields=["organisation"])
    handover = Handover.objects.create(
        support_request=request,
        organisation=organisation,
        note=note,
        respond_by=add_working_days(today(), request.desk.handover_response_working_days),
        created_by=by,
    )
    _event(
        request,
        EventKind.HANDOVER,
        actor=by,
        text=note,
        data={
            "organisation": organisation.name,
            "handover": handover.pk,
            "respond_by": handover.respond_by.isoformat(),
        },
    )
    audit_record(
        subject=request,
        actor=by,
        action="support_request.handover",
        summary=organisation.name,
    )
    messages.handover_created(handover=handover, request=request)
    return handover


def _locked_pending_handover(handover: Handover) -> Handover:
    handover = Handover.objects.select_for_update().get(pk=handover.pk)
    if handover.status != HandoverStatus.PENDING:
        raise DomainError(_("This handover has already been answered."))
    return handover


def _may_answer(handover: Handover, user: AbstractBaseUser) -> bool:
    profile = getattr(user, "staff_profile", None)
    return profile is not None and profile.organisation_id == handover.organisation_id


@transaction.atomic
def handover_accept(
    *,
    handover: Handover,
    by: AbstractBaseUser,
    helper_name: str = "",
    help_by: dt.date | None = None,
) -> Handover:
    """The receiving organisation takes the question on; the requester hears who and by when."""
    handover = _locked_pending_handover(handover)
    if not _may_answer(handover, by):
        raise DomainError(_("Only staff of the receiving organisation can answer a handover."))
    help_by = help_by or add_working_days(
        today(), handover.support_request.desk.first_response_working_days
    )
    if help_by < today():
        raise DomainError(_("The date by which you will help cannot be in the past."))
    handover.status = HandoverStatus.ACCEPTED
    handover.responded_at = timezone.now()
    handover.responded_by = by
    handover.helper_name = helper_name.strip() or by.get_full_name() or by.username
    handover.help_by = help_by
    handover.save()
    request = _locked(handover.support_request)
    text = _("%(organisation)s will help you. Contact: %(helper)s, by %(date)s.") % {
        "organisation": handover.organisation.name,
        "helper": handover.helper_name,
        "date": help_by.strftime("%d-%m-%Y"),
    }
    _event(
        request,
        EventKind.HANDOVER_ACCEPTED,
        actor=by,
        public=True,
        text=text,
        data={"organisation": handover.organisation.name, "handover": handover.pk},
    )
    audit_record(subject=request, actor=by, action="handover.accept", summary=text)
    if request.requester_email:
        email_queue(
            key=f"handover-accepted:{handover.pk}",
            to=[request.requester_email],
            template="emails/meetings/handover_accepted",
            context={"request": request, "handover": handover, "url": request.get_public_url()},
        )
    return handover


def _return_to_desk(
    handover: Handover, *, kind: EventKind, by: AbstractBaseUser | None, reason: str
) -> None:
    """Put the question back in the desk's queue, visibly, after a decline or no answer."""
    request = _locked(handover.support_request)
    _event(
        request,
        kind,
        actor=by,
        text=reason,
        data={"organisation": handover.organisation.name, "handover": handover.pk},
    )
    if request.status == SupportStatus.HANDED_OVER:
        _set_status(request, SupportStatus.TRIAGED, by=by)
        messages.requester_back_at_desk(handover=handover, request=request)
    recipient = request.assignee.email if request.assignee else request.desk.email
    if recipient:
        email_queue(
            key=f"handover-returned:{handover.pk}",
            to=[recipient],
            template="emails/meetings/handover_returned",
            context={"request": request, "handover": handover, "reason": reason},
        )


@transaction.atomic
def handover_decline(*, handover: Handover, by: AbstractBaseUser, reason: str) -> Handover:
    """The receiving organisation declines, with a reason; the question returns to the desk."""
    handover = _locked_pending_handover(handover)
    if not _may_answer(handover, by):
        raise DomainError(_("Only staff of the receiving organisation can answer a handover."))
    if not reason.strip():
        raise DomainError(_("Give a reason for declining."))
    handover.status = HandoverStatus.DECLINED
    handover.responded_at = timezone.now()
    handover.responded_by = by
    handover.decline_reason = reason
    handover.save()
    _return_to_desk(handover, kind=EventKind.HANDOVER_DECLINED, by=by, reason=reason)
    audit_record(subject=handover.support_request, actor=by, action="handover.decline")
    return handover


@transaction.atomic
def handover_outcome_report(*, handover: Handover, by: AbstractBaseUser, outcome: str) -> Handover:
    """The organisation that accepted a question tells the desk how it ended; the desk reads it
    on the question (timeline and handover), the requester does not (it is the partners'
    exchange). Reporting again replaces the text and adds a new timeline entry."""
    handover = (
        Handover.objects.select_for_update().select_related("organisation").get(pk=handover.pk)
    )
    if not _may_answer(handover, by):
        raise DomainError(_("Only staff of the receiving organisation can report the outcome."))
    if handover.status != HandoverStatus.ACCEPTED:
        raise DomainError(_("Only the outcome of an accepted handover can be reported."))
    if not outcome.strip():
        raise DomainError(_("Describe the outcome first."))
    handover.outcome = outcome.strip()
    handover.outcome_at = timezone.now()
    handover.save(update_fields=["outcome", "outcome_at"])
    request = _locked(handover.support_request)
    _event(
        request,
        EventKind.HANDOVER_OUTCOME,
        actor=by,
        text=handover.outcome,
        data={"organisation": handover.organisation.name, "handover": handover.pk},
    )
    audit_record(subject=request, actor=by, action="handover.outcome", summary=handover.outcome)
    recipient = request.assignee.email if request.assignee else request.desk.email
    if recipient:
        email_queue(
            key=f"handover-outcome:{handover.pk}:{handover.outcome_at.isoformat()}",
            to=[recipient],
            template="emails/meetings/handover_outcome",
            context={"request": request, "handover": handover},
        )
    return handover


def handovers_expire(*, on: dt.date | None = None) -> int:
    """Return every handover not answered by its date to the desk's queue. Idempotent: the
    claim is a conditional UPDATE on the pending status, so a concurrent run finds nothing."""
    on = on or today()
    expired = 0
    for pk in Handover.objects.filter(status=HandoverStatus.PENDING, respond_by__lt=on).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            claimed = Handover.objects.filter(pk=pk, status=HandoverStatus.PENDING).update(
                status=HandoverStatus.EXPIRED, responded_at=timezone.now()
            )
            if not claimed:
                continue
            handover = Handover.objects.select_related("organisation").get(pk=pk)
            _return_to_desk(
                handover,
                kind=EventKind.HANDOVER_EXPIRED,
                by=None,
                reason=_("No answer by %(date)s.")
                % {"date": handover.respond_by.strftime("%d-%m-%Y")},
            )
            expired += 1
    return expired


# --- Deadlines -------------------------------------------------------------------------------


def deadline_notices_send(*, on: dt.date | None = None) -> tuple[int, int]:
    """Remind assignees of questions due by the next working day; escalate overdue questions to
    the desk's coordinator. Each at most once per deadline: the claim is a conditional UPDATE
    (``reminded_for``/``escalated_for`` differ from the deadline), and the e-mail key is unique.
    Returns (reminders, escalations)."""
    on = on or today()
    next_working_day = add_working_days(on, 1)
    running = Q(clock_running__in=[True])  # IN: index-usable on SQLite, see filters.py
    reminders = escalations = 0
    due_soon = SupportRequest.objects.filter(
        running,
        assignee__isnull=False,
        deadline__gte=on,
        deadline__lte=next_working_day,
    ).exclude(reminded_for=F("deadline"))
    for pk in due_soon.values_list("pk", flat=True):
        with transaction.atomic():
            request = SupportRequest.objects.select_related("assignee").get(pk=pk)
            claimed = (
                SupportRequest.objects.filter(pk=pk, deadline=request.deadline)
                .exclude(reminded_for=F("deadline"))
                .update(reminded_for=request.deadline)
            )
            if not claimed or not request.assignee.email:
                continue
            _event(request, EventKind.REMINDER, data={"to": request.assignee.username})
            email_queue(
                key=f"support-reminder:{pk}:{request.deadline.isoformat()}",
                to=[request.assignee.email],
                template="emails/meetings/deadline_reminder",
                context={"request": request},
            )
            reminders += 1
    overdue = SupportRequest.objects.filter(
        running, deadline__lt=on, desk__coordinator__isnull=False
    ).exclude(escalated_for=F("deadline"))
    for pk in overdue.values_list("pk", flat=True):
        with transaction.atomic():
            request = SupportRequest.objects.select_related("desk__coordinator").get(pk=pk)
            claimed = (
                SupportRequest.objects.filter(pk=pk, deadline=request.deadline)
                .exclude(escalated_for=F("deadline"))
                .update(escalated_for=request.deadline)
            )
            coordinator = request.desk.coordinator
            if not claimed or not coordinator.email:
                continue
            _event(request, EventKind.ESCALATION, data={"to": coordinator.username})
            email_queue(
                key=f"support-escalation:{pk}:{request.deadline.isoformat()}",
                to=[coordinator.email],
                template="emails/meetings/deadline_escalation",
                context={"request": request},
            )
            escalations += 1
    return reminders, escalations


# --- Bulk actions ----------------------------------------------------------------------------


def support_requests_bulk(
    *,
    requests: list[SupportRequest],
    action: str,
    by: AbstractBaseUser,
    assignee: AbstractBaseUser | None = None,
    priority: int | None = None,
    category: QuestionCategory | None = None,
    status: str | None = None,
) -> tuple[int, list[str]]:
    """Apply one action to each selected question, each in its own transaction, so one refusal
    does not undo the others. Returns (number done, refusal messages)."""
    done, refused = 0, []
    for request in requests:
        try:
            if action == "assign_me":
                support_request_assign(request=request, assignee=by, by=by)
            elif action == "assign":
                support_request_assign(request=request, assignee=assignee, by=by)
            elif action == "priority" and priority is not None:
                support_request_update(request=request, priority=priority, by=by)
            elif action == "category" and category is not None:
                support_request_update(request=request, category=category, by=by)
            elif action == "status" and status:
                support_request_transition(request=request, to=status, by=by)
            else:
                raise DomainError(_("Choose an action and its value."))
            done += 1
        except DomainError as exc:
            refused.append(f"#{request.pk}: {exc.message}")
    return done, refused


# --- Decisions on money for a question -------------------------------------------------------


def _known_provider(request: SupportRequest, desk: Desk) -> Provider | None:
    """The question's provider when it is a confirmed provider of the registry in the desk's
    area, else None: a pending registration from the public form is not named in the
    transparency overview (the question's number is)."""
    provider = request.provider
    if provider.status != ProviderStatus.ACTIVE or provider.erased_at is not None:
        return None
    if not desk.municipalities.filter(pk=provider.municipality_id).exists():
        return None
    return provider


def support_request_reference(request: SupportRequest) -> str:
    """How a question is named as the recipient of a decision ("Hulpvraag #123"): stored with
    the allocation in the site's language, so every reader sees the same words."""
    with translation.override(settings.LANGUAGE_CODE):
        return _("Support question #%(number)d") % {"number": request.pk}


@transaction.atomic
def support_request_allocate(
    *,
    request: SupportRequest,
    budget: Budget,
    amount: Decimal | str,
    decision: Decision,
    rationale: str,
    decided_on: dt.date,
    by: AbstractBaseUser,
) -> Allocation:
    """Record a decision on money from one of the desk's budgets for this question.

    The allocation (``subsidies.services.allocation_create``: row lock on the budget, balance
    check, CHECK ``allocated <= total``, audit trail) and its link to the question are written
    in this one transaction, so either both exist or neither. Refused (nothing stored) for a
    budget of another desk, and for everything ``allocation_create`` refuses."""
    if budget.desk_id != request.desk_id:
        raise DomainError(_("Choose a budget of the desk that handles this question."))
    allocation = allocation_create(
        budget=budget,
        provider=_known_provider(request, budget.desk),
        reference=support_request_reference(request),
        amount=amount,
        decision=decision,
        rationale=rationale,
        decided_on=decided_on,
        by=by,
    )
    SupportRequestAllocation.objects.create(support_request=request, allocation=allocation)
    audit_record(
        subject=request,
        actor=by,
        action="support_request.allocate",
        changes={"allocation": ["", str(allocation.pk)]},
        summary=f"{budget}: {format_euro(allocation.amount)} ({allocation.get_decision_display()})",
    )
    return allocation


# --- Contact moments -------------------------------------------------------------------------


@transaction.atomic
def contact_moment_record(
    *,
    provider: Provider,
    desk: Desk,
    staff: AbstractBaseUser,
    date: dt.date,
    channel: ContactChannel,
    summary: str,
) -> ContactMoment:
    if date > today():
        raise DomainError(_("A contact moment cannot be in the future."))
    if not desk.municipalities.filter(pk=provider.municipality_id).exists():
        raise DomainError(_("This provider is not in the area of the desk."))
    moment = ContactMoment.objects.create(
        provider=provider, desk=desk, staff=staff, date=date, channel=channel, summary=summary
    )
    audit_record(subject=provider, actor=staff, action="contact_moment.create", summary=summary)
    return moment


# --- Desk dashboard rollup --------------------------------------------------------------------

STATS_WINDOW_WEEKS = 53
# How far before the start of the last refresh the next one looks for changed questions: a
# question's ``last_activity_at`` is taken inside its transaction, which may commit after a
# refresh has read the changes. Longer than any transaction that changes a question; an
# overlap only costs re-counting a period that is already right.
STATS_CHANGES_OVERLAP = dt.timedelta(minutes=10)


def stats_period_start(day: dt.date) -> dt.date:
    """The week's Monday, or the quarter's first day when the quarter began within the week."""
    monday = day - dt.timedelta(days=day.weekday())
    quarter_start = dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return max(monday, quarter_start)


def stats_period_end(start: dt.date) -> dt.date:
    """The first day after the period that begins on ``start``: the next Monday, or the next
    quarter's first day when that comes first."""
    monday = start - dt.timedelta(days=start.weekday()) + dt.timedelta(weeks=1)
    month = 3 * ((start.month - 1) // 3) + 4
    quarter_end = dt.date(start.year + (month > 12), (month - 1) % 12 + 1, 1)
    return min(monday, quarter_end)


def stats_window_start(today: dt.date) -> dt.date:
    """The first day the rollup counts: the Monday 52 weeks before this week's (a period's
    first day, since quarters only cut weeks in two)."""
    return today - dt.timedelta(days=today.weekday(), weeks=STATS_WINDOW_WEEKS - 1)


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _window_periods(window: dt.date, today: dt.date) -> list[dt.date]:
    """Every period from ``window`` up to and including the one of ``today``."""
    periods = [window]
    while (end := stats_period_end(periods[-1])) <= today:
        periods.append(end)
    return periods


StatKey = tuple[dt.date, str, int | None]


def _stats_counts(desk: Desk, periods: list[dt.date]) -> dict[StatKey, int]:
    """Questions per (period, status, category) of ``periods``, in one query: the periods'
    ranges of received dates as a VALUES list joined to the desk's questions, grouped by
    period, status and category. PostgreSQL reads each range from the ``(desk, created_at)``
    index alone (it includes status and category) and converts no date; grouping by the day
    received converted every row's time stamp, and a UNION ALL of one part per period took
    longer to plan than to run.

    Written in SQL: the ORM has no join to a VALUES list, and building a statement of one part
    per period took it longer than the database took to answer."""
    meta = SupportRequest._meta
    table, desk_id, created_at, status, category = (
        connection.ops.quote_name(name)
        for name in (
            meta.db_table,
            *(meta.get_field(f).column for f in ("desk", "created_at", "status", "category")),
        )
    )
    # VALUES columns are named column1, column2, … on PostgreSQL and SQLite alike. Names from
    # the model, every value a parameter.
    sql = (
        f"SELECT p.column1, q.{status}, q.{category}, COUNT(*) "  # noqa: S608
        f"FROM (VALUES {', '.join(['(%s, %s, %s)'] * len(periods))}) AS p "
        f"JOIN {table} q ON q.{desk_id} = %s "
        f"AND q.{created_at} >= p.column2 AND q.{created_at} < p.column3 "
        f"GROUP BY p.column1, q.{status}, q.{category}"
    )
    adapt = connection.ops.adapt_datetimefield_value
    params: list[Any] = []
    for i, period in enumerate(periods):
        params += [i, adapt(_day_start(period)), adapt(_day_start(stats_period_end(period)))]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, desk.pk])
        return {
            (periods[i], status, category_id): n for i, status, category_id, n in cursor.fetchall()
        }


def _stats_changed_periods(desk: Desk, *, start: dt.datetime, since: dt.datetime) -> set[dt.date]:
    """The periods (by day received) of the desk's questions in the window that changed at or
    after ``since``. Every service that changes a question's status or category writes a
    timeline event, which sets ``last_activity_at``; a new question starts with it. Written as
    one condition per value of ``is_open`` so that PostgreSQL reads two ranges of the board's
    ``(desk, is_open, last_activity_at)`` index instead of the desk's whole history."""
    changed = (
        SupportRequest.objects.filter(desk=desk, created_at__gte=start)
        .filter(
            Q(is_open=True, last_activity_at__gte=since)
            | Q(is_open=False, last_activity_at__gte=since)
        )
        .annotate(day=TruncDate("created_at"))
        .values_list("day", flat=True)
        .distinct()
        .order_by()
    )
    return {stats_period_start(day) for day in changed}


def _stats_write(
    desk: Desk, counts: dict[StatKey, int], *, periods: list[dt.date] | None, now: dt.datetime
) -> int:
    """Make the desk's rows of ``periods`` (every row of the desk: ``None``) equal ``counts``,
    writing only the rows that differ (one DELETE, one INSERT); returns how many (period,
    status, category) rows it wrote. A
    quarter of an hour changes a few questions, so a few rows: rewriting each re-counted
    period whole (some 500 rows) was most of an incremental refresh's time."""
    rows = QuestionWeekStat.objects.filter(desk=desk)
    if periods is not None:
        rows = rows.filter(period_start__in=periods)
    stale: dict[StatKey, int] = {}
    for pk, period, status, category_id, n in rows.values_list(
        "pk", "period_start", "status", "category_id", "count"
    ):
        key = (period, status, category_id)
        if counts.get(key) == n:
            del counts[key]
        else:
            stale[key] = pk
    if stale:
        QuestionWeekStat.objects.filter(pk__in=stale.values()).delete()
    QuestionWeekStat.objects.bulk_create(
        [
            QuestionWeekStat(
                desk=desk,
                period_start=period,
                status=status,
                category_id=category_id,
                count=n,
                refreshed_at=now,
            )
            for (period, status, category_id), n in counts.items()
        ],
        batch_size=1000,
    )
    return len(stale.keys() | counts.keys())


def _stats_mark_touch(
    mark: QuestionStatMark, *, changes_since: dt.datetime, now: dt.datetime
) -> None:
    """Record a refresh that found nothing changed: one conditional UPDATE, no lock. Updates
    nothing when another refresh moved the mark since it was read (that one then counted)."""
    QuestionStatMark.objects.filter(
        desk_id=mark.desk_id, window_start=mark.window_start, changes_since=mark.changes_since
    ).update(changes_since=max(changes_since, mark.changes_since), refreshed_at=now)


def desk_stats_refresh(*, desk: Desk, now: dt.datetime | None = None, full: bool = False) -> int:
    """Bring the desk's ``QuestionWeekStat`` rows (its questions of the last 53 weeks) up to
    date; returns the number of rows written (inserted, changed or deleted).

    Incremental: only the periods that hold a question changed since the last refresh
    (``QuestionStatMark.changes_since``) are counted again, each period whole, and only the
    rows whose count differs are written, so the rows equal a full rebuild's. A full rebuild
    happens on the first refresh, when the window has moved on to a new week, and with
    ``full=True`` (``manage.py desk_stats_rebuild``, e.g. after loading questions in bulk,
    which do not go through the services).

    With nothing changed it reads the mark and the changed questions and records the refresh
    on the mark, without a lock or a transaction. Otherwise the mark's row is locked first
    (the desk's while there is no mark), so two refreshes of one desk (beat twice, a retry)
    run one after the other; the second one re-counts only what changed after the first. Rows
    and mark are written in that one transaction: a worker that dies mid-run leaves the
    previous state, and the next refresh starts from the previous mark.
    """
    now = now or timezone.now()
    started = timezone.now()
    today = timezone.localtime(now).date()
    window = stats_window_start(today)
    start = _day_start(window)
    changes_since = started - STATS_CHANGES_OVERLAP
    mark = QuestionStatMark.objects.filter(desk=desk).first()
    periods: set[dt.date] | None = None
    if not full and mark is not None and mark.window_start == window:
        periods = _stats_changed_periods(desk, start=start, since=mark.changes_since)
        if not periods:
            _stats_mark_touch(mark, changes_since=changes_since, now=now)
            return 0
    with transaction.atomic():
        # The lock: the mark's row, or the desk's while it has none.
        locked = QuestionStatMark.objects.select_for_update().filter(desk=desk).first()
        if locked is None:
            Desk.objects.select_for_update().filter(pk=desk.pk).first()
            locked = QuestionStatMark.objects.select_for_update().filter(desk=desk).first()
        rebuild = full or locked is None or locked.window_start != window
        if rebuild:
            periods = set(_window_periods(window, today))
        elif periods is None or locked.changes_since != mark.changes_since:
            # Another refresh ran in between: what changed since its mark.
            periods = _stats_changed_periods(desk, start=start, since=locked.changes_since)
        counted = sorted(periods)
        counts = _stats_counts(desk, counted) if counted else {}
        written = _stats_write(desk, counts, periods=None if rebuild else counted, now=now)
        if locked is not None and not rebuild:
            changes_since = max(changes_since, locked.changes_since)
        values = {"window_start": window, "changes_since": changes_since, "refreshed_at": now}
        if rebuild:
            values["rebuilt_at"] = now
        if locked is None:
            QuestionStatMark.objects.create(desk=desk, **values)
        else:
            QuestionStatMark.objects.filter(desk=desk).update(**values)
    return written


def desk_stats_refresh_all(*, now: dt.datetime | None = None, full: bool = False) -> int:
    """Every desk, one transaction each (a slow desk does not hold the others' locks)."""
    return sum(
        desk_stats_refresh(desk=desk, now=now, full=full) for desk in Desk.objects.order_by("pk")
    )
