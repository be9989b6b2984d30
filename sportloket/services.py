"""Writes of the shared core: audit trail, e-mail outbox, staff accounts."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from datetime import timedelta
from email import encoders
from email.mime.base import MIMEBase
from email.mime.text import MIMEText
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, models, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .constants import ROLE_GROUP_NAMES, EmailStatus, Role
from .models import (
    AuditEvent,
    Desk,
    Municipality,
    Organisation,
    OutgoingEmail,
    StaffProfile,
)

if TYPE_CHECKING:
    from .notices import NoticeEmail

logger = logging.getLogger(__name__)

# A claim older than this is considered abandoned (worker killed mid-send) and may be retried.
# A send claimed by a worker that died may be taken over after this; shorter than the broker's
# visibility timeout, so the redelivered task finds the claim expired. SMTP times out after
# EMAIL_TIMEOUT (10 s), so a live send never holds a claim this long.
EMAIL_CLAIM_TIMEOUT = timedelta(seconds=60)
EMAIL_MAX_ATTEMPTS = 8


class DomainError(Exception):
    """A refusal of a business rule, with a message fit to show to the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def enqueue_on_commit(task: Any, *args: Any) -> None:
    """Publish a Celery task after the current transaction commits.

    ``robust=True``: a broker that is down must not turn a committed change into an error page;
    every task that matters has a periodic sweep that finds its work in the database.
    """

    def publish() -> None:
        if BROKER_BREAKER.is_open():
            logger.warning("Broker marked down; %s left to its sweep", task.name)
            return
        try:
            task.delay(*args)
        except Exception:
            BROKER_BREAKER.trip()
            raise

    publish.__qualname__ = f"publish {task.name}"
    transaction.on_commit(publish, robust=True)


class CircuitBreaker:
    """After a failure, skip the call for ``seconds`` in this process: with Redis hung, only the
    first request waits for the socket timeout, the next ones answer at once (their work is in
    the database and the periodic sweeps pick it up when Redis is back)."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.open_until = 0.0

    def is_open(self) -> bool:
        return time.monotonic() < self.open_until

    def trip(self) -> None:
        self.open_until = time.monotonic() + self.seconds

    def reset(self) -> None:
        self.open_until = 0.0


BROKER_BREAKER = CircuitBreaker(30)


# --- Audit trail -----------------------------------------------------------------------------


def audit_record(
    *,
    subject: models.Model,
    actor: AbstractBaseUser | None,
    action: str,
    changes: dict[str, Any] | None = None,
    summary: str = "",
) -> AuditEvent:
    """Append an audit event. Call inside the transaction of the change it describes."""
    return AuditEvent.objects.create(
        content_type=ContentType.objects.get_for_model(subject),
        object_id=str(subject.pk),
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        changes=changes or {},
        summary=summary[:300],
    )


def model_changes(
    instance: models.Model, data: dict[str, Any], fields: list[str] | None = None
) -> dict[str, list[str]]:
    """Diff ``data`` against ``instance`` as {field: [old, new]} strings, for the audit trail."""
    changes: dict[str, list[str]] = {}
    for name in fields or list(data):
        if name not in data:
            continue
        old, new = getattr(instance, name, None), data[name]
        if hasattr(old, "all") and instance.pk:  # many-to-many manager
            old_set = {str(v) for v in old.all()}
            new_set = {str(v) for v in new}
            if old_set != new_set:
                changes[name] = [", ".join(sorted(old_set)), ", ".join(sorted(new_set))]
        elif old != new:
            changes[name] = ["" if old is None else str(old), "" if new is None else str(new)]
    return changes


# --- E-mail outbox ---------------------------------------------------------------------------


def email_queue(
    *,
    key: str,
    to: list[str],
    template: str,
    context: dict[str, Any],
    reply_to: str = "",
    attachments: list[dict[str, str]] | None = None,
    render_in_worker: bool = False,
    key_is_new: bool = False,
) -> OutgoingEmail:
    """Queue an e-mail in the outbox and send it after commit. Idempotent on ``key``.

    ``template`` names a pair ``<template>_subject.txt`` and ``<template>.txt`` (plus an
    optional ``<template>.html``), rendered in Dutch. Call inside the transaction of the change
    that causes the e-mail, so that the e-mail exists if and only if the change does.

    ``render_in_worker``: store only the template and its context (plain JSON values: no model
    instances) and let the worker render the e-mail, in Dutch, just before it first sends it
    (``email_send``). For the public forms, whose requests should do no more than they must;
    the row exists from the same transaction, so nothing changes in what is guaranteed.

    Nearly every call queues a new e-mail, so the row is inserted straight away (in a
    savepoint); a key that exists already makes the insert fail and returns the existing row.
    ``key_is_new``: the caller knows that no e-mail has this key (it names a row made in the
    same transaction), so the insert needs no savepoint.
    """
    if render_in_worker:
        subject = body = html_body = ""
        stored_template, stored_context = template, context
    else:
        subject, body, html_body = _render_email(template, context)
        stored_template, stored_context = "", {}
    email = OutgoingEmail(
        key=key,
        to=list(to),
        subject=subject,
        body=body,
        html_body=html_body,
        reply_to=reply_to,
        attachments=attachments or [],
        template=stored_template,
        context=stored_context,
    )
    if key_is_new:
        email.save(force_insert=True)
    else:
        try:
            with transaction.atomic():
                email.save(force_insert=True)
        except IntegrityError:  # queued before (a repeated call) or by a simultaneous caller
            existing = OutgoingEmail.objects.filter(key=key).first()
            if existing is None:
                raise
            return existing
    from .tasks import send_outgoing_email

    enqueue_on_commit(send_outgoing_email, email.pk)
    return email


def emails_queue_new(*, emails: Sequence[NoticeEmail]) -> list[OutgoingEmail]:
    """Queue many e-mails rendered here, with one INSERT per 500, each sent after commit.

    Only for keys no e-mail can have yet (as ``email_queue(key_is_new=True)``): each names a
    claim this transaction made. A key that exists fails the INSERT, and with it the caller's
    transaction. Call inside that transaction."""
    rows = []
    for email in emails:
        subject, body, html_body = _render_email(email.template, email.context)
        rows.append(
            OutgoingEmail(
                key=email.key, to=list(email.to), subject=subject, body=body, html_body=html_body
            )
        )
    OutgoingEmail.objects.bulk_create(rows, batch_size=500)
    from .tasks import send_outgoing_email

    for row in rows:
        enqueue_on_commit(send_outgoing_email, row.pk)
    return rows


def _render_email(template: str, context: dict[str, Any]) -> tuple[str, str, str]:
    """Subject (one line, at most 300 characters), text and optional HTML of an outbox
    e-mail, in Dutch."""
    context = {"site_url": settings.SPORTLOKET_SITE_URL, **context}
    with translation.override("nl"):
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        body = render_to_string(f"{template}.txt", context)
        try:
            html_body = render_to_string(f"{template}.html", context)
        except Exception:  # noqa: BLE001 - the HTML part is optional
            html_body = ""
    return subject[:300], body, html_body


def _render_queued(email: OutgoingEmail) -> None:
    """Render an e-mail queued with ``render_in_worker`` and store the text on its row (a
    retry then sends the same text); the template and context are no longer needed."""
    email.subject, email.body, email.html_body = _render_email(email.template, email.context)
    email.template, email.context = "", {}
    OutgoingEmail.objects.filter(pk=email.pk).update(
        subject=email.subject,
        body=email.body,
        html_body=email.html_body,
        template="",
        context={},
    )


def _attachment_part(attachment: dict[str, str]) -> MIMEBase:
    """A MIME part that keeps the parameters of its type ("text/calendar; method=REQUEST"):
    calendars only treat an .ics as an invitation when the part says its method."""
    mimetype, *params = (part.strip() for part in attachment["mimetype"].split(";"))
    maintype, subtype = mimetype.split("/", 1)
    if maintype == "text":
        part: MIMEBase = MIMEText(attachment["content"], subtype, "utf-8")
    else:
        part = MIMEBase(maintype, subtype)
        part.set_payload(attachment["content"])
        encoders.encode_base64(part)
    for param in params:
        name, _sep, value = param.partition("=")
        if name.lower() != "charset":
            part.set_param(name, value.strip('"'))
    part.add_header("Content-Disposition", "attachment", filename=attachment["filename"])
    return part


def email_send(*, email_id: int) -> bool:
    """Send one outbox e-mail. Idempotent: a sent e-mail is never sent again by this function.

    The claim is a conditional UPDATE, so two workers that got the same message race for it and
    only one sends. A claim abandoned by a killed worker expires after EMAIL_CLAIM_TIMEOUT.
    Returns True when this call sent the e-mail.
    """
    now = timezone.now()
    claimable = models.Q(status=EmailStatus.PENDING) | models.Q(
        status=EmailStatus.SENDING, claimed_at__lt=now - EMAIL_CLAIM_TIMEOUT
    )
    claimed = (
        OutgoingEmail.objects.filter(claimable, pk=email_id)
        .filter(attempts__lt=EMAIL_MAX_ATTEMPTS)
        .update(status=EmailStatus.SENDING, claimed_at=now, attempts=models.F("attempts") + 1)
    )
    if not claimed:
        return False
    email = OutgoingEmail.objects.get(pk=email_id)
    if email.template:
        try:
            _render_queued(email)
        except Exception as exc:
            _release_claim(email, exc)
            raise
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body,
        to=email.to,
        reply_to=[email.reply_to] if email.reply_to else None,
        headers={"Message-ID": f"<{email.key.replace(' ', '-')}@sportloket>"},
    )
    if email.html_body:
        message.attach_alternative(email.html_body, "text/html")
    for attachment in email.attachments:
        message.attach(_attachment_part(attachment))
    try:
        message.send()
    except Exception as exc:
        _release_claim(email, exc)
        raise
    OutgoingEmail.objects.filter(pk=email_id).update(
        status=EmailStatus.SENT, sent_at=timezone.now(), last_error=""
    )
    logger.info("Sent outbox e-mail %s to %d recipient(s)", email.pk, len(email.to))
    return True


def _release_claim(email: OutgoingEmail, exc: Exception) -> None:
    """A send that did not happen: pending again for the sweep, or failed after the last
    attempt. Logged by id: keys may hold tokens (password reset) and the error text may quote
    the recipients (SMTPRecipientsRefused), so only its type."""
    logger.warning("Sending outbox e-mail %s failed: %s", email.pk, type(exc).__name__)
    status = EmailStatus.FAILED if email.attempts >= EMAIL_MAX_ATTEMPTS else EmailStatus.PENDING
    OutgoingEmail.objects.filter(pk=email.pk).update(status=status, last_error=str(exc))


def emails_due_for_retry() -> list[int]:
    """Outbox e-mails whose immediate send did not happen: pending for a minute, or stale."""
    now = timezone.now()
    return list(
        OutgoingEmail.objects.filter(
            models.Q(status=EmailStatus.PENDING, created_at__lt=now - timedelta(minutes=1))
            | models.Q(status=EmailStatus.SENDING, claimed_at__lt=now - EMAIL_CLAIM_TIMEOUT),
            attempts__lt=EMAIL_MAX_ATTEMPTS,
        ).values_list("pk", flat=True)[:500]
    )


# --- Staff accounts --------------------------------------------------------------------------


@transaction.atomic
def staff_create(
    *,
    username: str,
    email: str,
    password: str | None,
    role: Role,
    first_name: str = "",
    last_name: str = "",
    municipality: Municipality | None = None,
    desk: Desk | None = None,
    organisation: Organisation | None = None,
) -> StaffProfile:
    """Create a user with a staff profile and the Django group of its role."""
    user_model = get_user_model()
    user = user_model.objects.create_user(
        username=username,
        email=email,
        password=password,
        first_name=first_name,
        last_name=last_name,
        is_staff=role == Role.ADMINISTRATOR,
        is_superuser=role == Role.ADMINISTRATOR,
    )
    profile = StaffProfile.objects.create(
        user=user, role=role, municipality=municipality, desk=desk, organisation=organisation
    )
    staff_sync_groups(profile=profile)
    return profile


def staff_sync_groups(*, profile: StaffProfile) -> None:
    """Make the user a member of exactly the group of its role."""
    groups = {g.name: g for g in Group.objects.filter(name__in=ROLE_GROUP_NAMES.values())}
    wanted = groups.get(ROLE_GROUP_NAMES[Role(profile.role)])
    profile.user.groups.remove(*[g for g in groups.values() if g != wanted])
    if wanted is not None:
        profile.user.groups.add(wanted)
