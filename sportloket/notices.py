"""Once-only notices: claim in a sweep, send afterwards, each exactly once.

Every kind of notice (POS deadline notices, overdue agreements, SMART goal flags, the scheme
digest) is a concrete ``OnceOnlyNotice`` with its own unique constraint and follows one
contract, modelled on the outbox's conditional-UPDATE claim:

1. ``notices_sweep`` runs the kind's set-based claim (an INSERT that skips rows another sweep
   inserted) in one transaction, then returns the ids to send: the rows this sweep inserted
   plus older claims that were never sent (a worker killed between claim and send) or whose
   send failed.
2. ``notice_send`` marks one notice sent with ``UPDATE … WHERE emailed_at IS NULL AND
   closed_at IS NULL`` and queues its e-mail in the same transaction: whoever updates the row
   sends, a second or concurrent call finds nothing. The kind's ``compose`` checks at send
   time that the notice still applies; when it does not, the claim is closed (``closed_at``)
   instead of being handed out again by every sweep.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, TypeVar

from django.db import transaction
from django.db.models import QuerySet
from django.dispatch import Signal
from django.utils import timezone

from .models import OnceOnlyNotice
from .services import email_queue

N = TypeVar("N", bound=OnceOnlyNotice)

# A claim not sent this long after it was written is handed out again by the next sweep. Long
# enough that the send of a healthy sweep has happened by then (a second hand-out would be
# harmless, only wasted work), short next to the quarter-hour and daily beat schedules.
RESEND_AFTER = timedelta(minutes=5)

# Sent after a sweep's claim transaction ended and before any of its notices is sent, with
# ``claimed`` and ``resend`` (lists of ids). Tests use it to stop a real worker at exactly that
# point; it is also the place to hook metrics.
notices_claimed = Signal()


@dataclass
class SweepResult:
    """The ids a sweep must send: its own claims, then older claims that were never sent."""

    claimed: list[int] = field(default_factory=list)
    resend: list[int] = field(default_factory=list)

    @property
    def to_send(self) -> list[int]:
        return [*self.claimed, *self.resend]


@dataclass(frozen=True)
class NoticeEmail:
    """What ``compose`` returns for a notice that still applies; ``to`` may be empty (then the
    notice counts as sent to nobody, which the kind logs or stores)."""

    key: str
    to: list[str]
    template: str
    context: dict[str, Any]


def new_claim() -> str:
    """A fresh claim id for one sweep (32 hex characters)."""
    return uuid.uuid4().hex


def unsent(model: type[N]) -> QuerySet[N]:
    """Claims that were neither sent nor closed."""
    return model.objects.filter(emailed_at__isnull=True, closed_at__isnull=True)


def due_for_resend(model: type[N], *, now: dt.datetime) -> QuerySet[N]:
    """Claims a sweep must hand out again: unsent and older than ``RESEND_AFTER``."""
    return unsent(model).filter(created_at__lt=now - RESEND_AFTER)


def notices_sweep(
    model: type[N],
    claim: Callable[[str, dt.datetime], None],
    *,
    now: dt.datetime | None = None,
) -> SweepResult:
    """Run ``claim(run, now)`` (it inserts the rows it claims with ``claim=run`` and
    ``created_at=now``) in one transaction and return what to send.

    Call outside a transaction: the claims must be committed before anything is sent, so that a
    crash after this point leaves claims a later sweep finds. Safe to run twice and
    concurrently, as long as ``claim`` skips rows that exist (ON CONFLICT DO NOTHING).
    """
    now = now or timezone.now()
    run = new_claim()
    with transaction.atomic():
        claim(run, now)
        claimed = list(model.objects.filter(claim=run).order_by("pk").values_list("pk", flat=True))
        resend = list(
            due_for_resend(model, now=now)
            .exclude(claim=run)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    notices_claimed.send(sender=model, claimed=claimed, resend=resend)
    return SweepResult(claimed=claimed, resend=resend)


def notice_mark_sent(model: type[OnceOnlyNotice], *, notice_id: int, now: dt.datetime) -> bool:
    """The send claim: True for exactly one caller per notice. Call inside the transaction that
    queues the e-mail, so a crash before its commit leaves the notice unsent."""
    return bool(unsent(model).filter(pk=notice_id).update(emailed_at=now))


def notice_send(
    model: type[N],
    *,
    notice_id: int,
    compose: Callable[[N], NoticeEmail | None],
    select_related: Iterable[str] = (),
) -> bool:
    """Send one claimed notice: mark it sent and queue its e-mail (outbox key from
    ``compose``), or close it when ``compose`` finds it obsolete (returns None).

    Idempotent and atomic: a second call, concurrent or later, returns False and changes
    nothing. Returns True when this call queued the e-mail (or sent it to nobody).
    """
    with transaction.atomic():
        now = timezone.now()
        if not notice_mark_sent(model, notice_id=notice_id, now=now):
            return False
        notice = model.objects.select_related(*select_related).get(pk=notice_id)
        email = compose(notice)
        if email is None:
            model.objects.filter(pk=notice_id).update(emailed_at=None, closed_at=now)
            return False
        if email.to:
            email_queue(key=email.key, to=email.to, template=email.template, context=email.context)
        return True


def notices_send(
    model: type[N],
    *,
    notice_ids: Iterable[int],
    compose: Callable[[N], NoticeEmail | None],
    select_related: Iterable[str] = (),
) -> int:
    """``notice_send`` for each id, each in its own transaction; returns how many were sent."""
    return sum(
        notice_send(model, notice_id=pk, compose=compose, select_related=select_related)
        for pk in notice_ids
    )
