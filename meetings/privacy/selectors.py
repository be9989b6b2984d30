"""Reads for a requester's data-subject rights (AVG art. 15 access, art. 17 erasure).

A requester is known by the e-mail address on their support questions (a question without an
address stands alone). What a staff member may erase or export is bounded twice: the questions
of *the desk of the question they start from* (the desk is where the person asked), and the
providers in *their own scope* (a club supporter: the desk's municipalities).

Outbox e-mails belong to the desk through what caused them: every ``email_queue`` key names the
row an e-mail is about (``support-request-received:<question>``, ``support-request-message:
<event>``, ``handover-accepted:<handover>``, ``meeting-invite:<meeting>:<sequence>:<attendee>``,
``agreement-overdue:<agreement>``). The desk's e-mails on a requester are those about their
questions, their attendance and their agreements at this desk; an e-mail to the same address
from another desk, a POS office or the provider register is not the desk's to show or erase.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet

from providers.models import Provider
from providers.selectors import visible_providers
from sportloket.models import OutgoingEmail
from sportloket.retention import outbox_key_regex
from sportloket.selectors import outbox_ids_addressed_to

from ..models import (
    Agreement,
    Attendee,
    ContactMoment,
    Handover,
    SupportRequest,
    SupportRequestEvent,
)

# Outbox keys of the e-mails about a question (meetings.support.services), by what the id
# belongs to.
REQUEST_EMAIL_KEYS = ("support-request-received", "support-reminder", "support-escalation")
EVENT_EMAIL_KEYS = ("support-request-message", "support-request-status")
HANDOVER_EMAIL_KEYS = (
    "handover-new",
    "handover-accepted",
    "handover-returned",
    "handover-requester",
    "handover-back-at-desk",
    "handover-reminder",
    "handover-outcome",
)
# meetings.programme.services: the invitation names the attendee last, the notice the agreement.
AGREEMENT_EMAIL_KEYS = ("agreement-overdue",)
INVITE_KEY = "meeting-invite"


@dataclass
class Requester:
    """Everything held on one requester at one desk, as ids (the service locks and changes
    them) plus what the confirmation page shows."""

    email: str
    names: list[str]
    request_ids: list[int]
    requests: list[SupportRequest] = field(default_factory=list)
    providers: list[Provider] = field(default_factory=list)
    # The desk's e-mails to the person (export), and every e-mail of the desk about their
    # questions, attendance and agreements, whoever it went to (erasure).
    email_ids: list[int] = field(default_factory=list)
    desk_email_ids: list[int] = field(default_factory=list)
    attendee_ids: list[int] = field(default_factory=list)
    agreement_ids: list[int] = field(default_factory=list)

    def holds_data(self, *, include_providers: bool = True) -> bool:
        """Anything left to erase (an anonymised question has no question text)."""
        return bool(
            any(r.question for r in self.requests)
            or (include_providers and self.providers)
            or self.desk_email_ids
            or self.attendee_ids
            or self.agreement_ids
        )


def requester_requests(*, support_request: SupportRequest) -> QuerySet[SupportRequest]:
    """The questions of the same requester at the same desk (same address, any case)."""
    questions = SupportRequest.objects.filter(desk_id=support_request.desk_id)
    email = support_request.requester_email.strip()
    if email:
        return questions.filter(requester_email__iexact=email)
    return questions.filter(pk=support_request.pk)


def requester_get(*, user: AbstractBaseUser, support_request: SupportRequest) -> Requester:
    """The requester of ``support_request`` and what is held on them (a constant number of
    queries). Call with a question the user may triage (``selectors.can_triage``)."""
    requests = list(
        requester_requests(support_request=support_request)
        .select_related("category", "provider")
        .order_by("created_at", "pk")
    )
    email = support_request.requester_email.strip()
    names = sorted({r.requester_name.strip() for r in requests if r.requester_name.strip()})
    requester = Requester(
        email=email, names=names, request_ids=[r.pk for r in requests], requests=requests
    )
    if not email:
        return requester
    requester.providers = list(
        visible_providers(user=user)
        .filter(email__iexact=email, erased_at__isnull=True)
        .order_by("name", "pk")
    )
    desk_meeting = Q(meeting__desk_id=support_request.desk_id)
    requester.attendee_ids = list(
        Attendee.objects.filter(desk_meeting, email__iexact=email, user__isnull=True).values_list(
            "pk", flat=True
        )
    )
    requester.agreement_ids = list(
        Agreement.objects.filter(desk_meeting, owner_email__iexact=email).values_list(
            "pk", flat=True
        )
    )
    requester.desk_email_ids = desk_email_ids(
        request_ids=requester.request_ids,
        attendee_ids=requester.attendee_ids,
        agreement_ids=requester.agreement_ids,
    )
    to_them = set(outbox_ids_addressed_to(address=email))
    requester.email_ids = [pk for pk in requester.desk_email_ids if pk in to_them]
    return requester


def desk_email_ids(
    *, request_ids: list[int], attendee_ids: list[int], agreement_ids: list[int]
) -> list[int]:
    """Outbox e-mails about these questions (whoever they went to: the desk's reminders and the
    partner's handover notice quote the subject and the note), about these attendances and
    agreements. Three queries at most, whatever the number of rows."""
    event_ids = list(
        SupportRequestEvent.objects.filter(support_request_id__in=request_ids).values_list(
            "pk", flat=True
        )
    )
    handover_ids = list(
        Handover.objects.filter(support_request_id__in=request_ids).values_list("pk", flat=True)
    )
    patterns = [
        outbox_key_regex(REQUEST_EMAIL_KEYS, request_ids),
        outbox_key_regex(EVENT_EMAIL_KEYS, event_ids),
        outbox_key_regex(HANDOVER_EMAIL_KEYS, handover_ids),
        outbox_key_regex(AGREEMENT_EMAIL_KEYS, agreement_ids),
    ]
    if attendee_ids:
        patterns.append(rf"^{INVITE_KEY}:\d+:\d+:({'|'.join(map(str, attendee_ids))})$")
    patterns = [p for p in patterns if p]
    if not patterns:
        return []
    return list(
        OutgoingEmail.objects.filter(key__regex="|".join(f"(?:{p})" for p in patterns))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def contact_moments_of(*, desk_id: int, provider_ids: list[int]) -> QuerySet[ContactMoment]:
    """The desk's contact moments with the requester's providers: where staff may have
    written the person's name, address or number."""
    return ContactMoment.objects.filter(desk_id=desk_id, provider_id__in=provider_ids)
