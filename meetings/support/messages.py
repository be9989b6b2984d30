"""E-mails about a question to the people outside the desk: the requester (what happened and
what happens next) and the partner organisation's staff (a handover arrived, a reminder before
it expires).

Each function queues through the outbox (``email_queue``: idempotent on its key, sent after
commit) and is called inside the transaction of the change it reports, so the e-mail exists if
and only if the change does.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone

from sportloket.models import Organisation
from sportloket.notices import NoticeEmail, SweepResult, notices_send, notices_sweep
from sportloket.services import email_queue

from ..models import Handover, HandoverReminder, SupportRequest, SupportRequestEvent
from .constants import HandoverStatus, SupportStatus
from .workdays import add_working_days

# The status changes the requester is told about, each with its e-mail template. Triage and
# the return from a partner are the desk's own bookkeeping; the requester reads them on the
# status page.
REQUESTER_STATUS_TEMPLATES: dict[str, str] = {
    SupportStatus.WAITING_FOR_PROVIDER: "emails/meetings/request_waiting",
    SupportStatus.RESOLVED: "emails/meetings/request_resolved",
    SupportStatus.CLOSED: "emails/meetings/request_closed",
    SupportStatus.REJECTED: "emails/meetings/request_rejected",
}


def partner_recipients(organisation: Organisation) -> list[str]:
    """The organisation's active staff with an e-mail address, plus its general address: the
    people who can accept a handover hear about it themselves, the shared inbox keeps a copy."""
    addresses = set(
        get_user_model()
        .objects.filter(staff_profile__organisation=organisation, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    if organisation.email:
        addresses.add(organisation.email)
    return sorted(addresses, key=str.lower)


def requester_status_changed(*, request: SupportRequest, event: SupportRequestEvent) -> None:
    """Tell the requester their question was resolved, closed or rejected, or that the desk
    needs something from them, with the explanation the club supporter wrote."""
    template = REQUESTER_STATUS_TEMPLATES.get(event.data.get("to", ""))
    if template is None or not request.requester_email:
        return
    email_queue(
        key=f"support-request-status:{event.pk}",
        to=[request.requester_email],
        template=template,
        context={"request": request, "text": event.text, "url": request.get_public_url()},
    )


def handover_created(*, handover: Handover, request: SupportRequest) -> None:
    """The partner's staff get the question with the desk's note and the date to answer by; the
    requester hears to whom it went and what happens next."""
    to = partner_recipients(handover.organisation)
    if to:
        email_queue(
            key=f"handover-new:{handover.pk}",
            to=to,
            template="emails/meetings/handover_new",
            context={"handover": handover, "request": request},
        )
    if request.requester_email:
        email_queue(
            key=f"handover-requester:{handover.pk}",
            to=[request.requester_email],
            template="emails/meetings/handover_requester",
            context={"handover": handover, "request": request, "url": request.get_public_url()},
        )


def requester_back_at_desk(*, handover: Handover, request: SupportRequest) -> None:
    """After a decline or an expired handover the requester hears that the desk helps them
    again (the partner's reason stays internal)."""
    if not request.requester_email or not request.is_open:
        return
    email_queue(
        key=f"handover-back-at-desk:{handover.pk}",
        to=[request.requester_email],
        template="emails/meetings/handover_back_at_desk",
        context={"handover": handover, "request": request, "url": request.get_public_url()},
    )


# --- Reminder before a handover expires (once-only notice) ------------------------------------


def _reminder_window(on: dt.date) -> tuple[dt.date, dt.date]:
    """Pending handovers whose answer date is today or the next working day."""
    return on, add_working_days(on, 1)


def handover_reminders_sweep(
    *, on: dt.date | None = None, now: dt.datetime | None = None
) -> SweepResult:
    """Claim a reminder for every pending handover due within a working day that has none
    (handed over before today: one handed over today was just announced).

    Safe to run twice and concurrently: the one row per handover is the claim, inserted with
    ON CONFLICT DO NOTHING. Call outside a transaction."""
    on = on or timezone.localdate()
    first, last = _reminder_window(on)

    def claim(run: str, at: dt.datetime) -> None:
        due = (
            Handover.objects.filter(
                status=HandoverStatus.PENDING,
                respond_by__gte=first,
                respond_by__lte=last,
                reminder__isnull=True,
                created_at__lt=timezone.make_aware(dt.datetime.combine(on, dt.time.min)),
            )
            .values_list("pk", flat=True)
            .order_by("pk")
        )
        HandoverReminder.objects.bulk_create(
            [HandoverReminder(handover_id=pk, claim=run, created_at=at) for pk in due],
            ignore_conflicts=True,
        )

    return notices_sweep(HandoverReminder, claim, now=now)


def _compose_reminder(notice: HandoverReminder, on: dt.date) -> NoticeEmail | None:
    """None (the claim is closed) when the handover was answered since the claim or its date
    passed: a reminder then would ask for something that can no longer be done."""
    handover = notice.handover
    if handover.status != HandoverStatus.PENDING or handover.respond_by < on:
        return None
    return NoticeEmail(
        key=f"handover-reminder:{handover.pk}",
        to=partner_recipients(handover.organisation),
        template="emails/meetings/handover_reminder",
        context={"handover": handover, "request": handover.support_request},
    )


def handover_reminders_send(*, on: dt.date | None = None) -> int:
    """Sweep and send: remind the receiving organisation's staff of a handover they have not
    answered, once per handover, the working day before it expires (outbox key
    ``handover-reminder:<pk>``). Idempotent and safe to run concurrently."""
    on = on or timezone.localdate()
    result = handover_reminders_sweep(on=on)
    return notices_send(
        HandoverReminder,
        notice_ids=result.to_send,
        compose=lambda notice: _compose_reminder(notice, on),
        select_related=["handover__organisation", "handover__support_request__desk"],
    )
