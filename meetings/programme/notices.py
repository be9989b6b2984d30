"""Overdue agreements: one notice to the owner of each open agreement past its due date, as a
once-only notice (``sportloket.notices``): claimed by the daily sweep, then sent; a claim whose
send never happened (a worker killed in between) is sent by a later sweep, once."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef
from django.utils import timezone

from sportloket.notices import NoticeEmail, SweepResult, notice_send, notices_send, notices_sweep

from ..models import Agreement, AgreementNotice


def agreements_overdue_sweep(
    *, today: dt.date | None = None, now: dt.datetime | None = None
) -> SweepResult:
    """Claim the notice of every open agreement past its due date that has none yet; return
    the ids to send (this sweep's claims and older unsent ones). Set-based (a fixed number of
    queries whatever the number of agreements); the unique row per agreement makes a second or
    concurrent run claim nothing. Call outside a transaction."""
    today = today or timezone.localdate()

    def claim(run: str, at: dt.datetime) -> None:
        overdue = (
            Agreement.objects.filter(done_on__isnull=True, due_on__lt=today)
            .exclude(owner_email="")
            .exclude(Exists(AgreementNotice.objects.filter(agreement=OuterRef("pk"))))
            .values_list("pk", flat=True)
        )
        AgreementNotice.objects.bulk_create(
            [AgreementNotice(agreement_id=pk, claim=run, created_at=at) for pk in overdue],
            ignore_conflicts=True,
        )

    return notices_sweep(AgreementNotice, claim, now=now)


def _compose(notice: AgreementNotice, today: dt.date) -> NoticeEmail | None:
    """None when the agreement was done, moved to a later date or lost its owner's address
    since the claim: such a claim is closed, not sent."""
    agreement = notice.agreement
    if agreement.done_on is not None or agreement.due_on >= today or not agreement.owner_email:
        return None
    return NoticeEmail(
        key=f"agreement-overdue:{agreement.pk}",
        to=[agreement.owner_email],
        template="meetings/emails/agreement_overdue",
        context={
            "agreement": agreement,
            "meeting": agreement.meeting,
            "days": (today - agreement.due_on).days,
        },
    )


_RELATED = ["agreement__meeting__office", "agreement__meeting__desk"]


def agreement_notice_send(*, notice_id: int, today: dt.date | None = None) -> bool:
    """Queue the e-mail of one claimed notice (outbox key per agreement), or close it when it
    no longer applies. Idempotent; True when this call queued the e-mail."""
    today = today or timezone.localdate()
    return notice_send(
        AgreementNotice,
        notice_id=notice_id,
        compose=lambda notice: _compose(notice, today),
        select_related=_RELATED,
    )


def agreement_notices_send(*, notice_ids: list[int], today: dt.date | None = None) -> int:
    """``agreement_notice_send`` for each id (each its own transaction); returns how many
    e-mails this call queued."""
    today = today or timezone.localdate()
    return notices_send(
        AgreementNotice,
        notice_ids=notice_ids,
        compose=lambda notice: _compose(notice, today),
        select_related=_RELATED,
    )
