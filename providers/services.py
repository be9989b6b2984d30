"""Writes of sport providers: registration with double opt-in, staff edits, status changes,
import and erasure of personal data. Every change leaves an audit event in the same transaction.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from sportloket.models import AuditEvent, OutgoingEmail
from sportloket.selectors import outbox_ids_addressed_to
from sportloket.services import DomainError, audit_record, email_queue, model_changes
from sportloket.tokens import InvalidToken, make_token, read_token

from .constants import (
    PERSONAL_FIELDS,
    SAFETY_BASICS,
    ProviderKind,
    ProviderSource,
    ProviderStatus,
    StatusAction,
)
from .models import Provider
from .selectors import provider_find

CONFIRM_PURPOSE = "provider-confirm"

# Fields a form or import row may set; many-to-many fields are set after the row is saved.
SCALAR_FIELDS = [
    "kind",
    "name",
    "kvk_number",
    "municipality",
    "street",
    "postcode",
    "city",
    "contact_name",
    "email",
    "phone",
    "website",
    "participants",
    *[f"{prefix}_{part}" for prefix in SAFETY_BASICS for part in ("status", "date")],
]
M2M_FIELDS = ["sports", "target_groups"]


class ProviderError(DomainError):
    """A refusal of the providers app, with a message fit for the user."""


@dataclass
class Registration:
    """The outcome of the public interest form: a new provider, or the one we already knew."""

    provider: Provider
    created: bool


def _email_key(provider: Provider, kind: str) -> str:
    return f"provider:{provider.pk}:{kind}"


def confirmation_token(provider: Provider) -> str:
    """The link token binds the provider to the address it was sent to: changing the e-mail
    address invalidates links sent to the old one. The address enters as a digest, so the
    (signed, not encrypted) link does not carry it."""
    return make_token(CONFIRM_PURPOSE, f"{provider.pk}:{_email_digest(provider.email)}")


def _email_digest(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:20]


def confirmation_valid_for() -> str:
    """How long a confirmation link is valid, in words, from the setting that decides it
    (``SPORTLOKET_CONFIRMATION_MAX_AGE``, read by ``provider_for_token``): whole days, or whole
    hours below a day; rounded down, so the words never promise more than the link does."""
    seconds = settings.SPORTLOKET_CONFIRMATION_MAX_AGE
    days = seconds // 86400
    if days:
        return ngettext("%(count)d day", "%(count)d days", days) % {"count": days}
    hours = max(1, seconds // 3600)
    return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}


def _email_context(provider: Provider) -> dict[str, Any]:
    """What the registration e-mails show of a provider, as plain values: they are rendered
    by the worker (``render_in_worker``), so the public form's request only stores them."""
    return {
        "provider": {
            "pk": provider.pk,
            "name": provider.name,
            "contact_name": provider.contact_name,
        }
    }


def _queue_confirmation(provider: Provider, key: str, *, key_is_new: bool = False) -> None:
    email_queue(
        key=key,
        to=[provider.email],
        template="providers/emails/confirm",
        context={
            **_email_context(provider),
            "token": confirmation_token(provider),
            "valid_days": max(1, settings.SPORTLOKET_CONFIRMATION_MAX_AGE // 86400),
        },
        render_in_worker=True,
        key_is_new=key_is_new,
    )


def _split(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    scalars = {k: v for k, v in data.items() if k in SCALAR_FIELDS}
    m2m = {k: list(v) for k, v in data.items() if k in M2M_FIELDS}
    return scalars, m2m


def _save_new(
    *,
    data: dict[str, Any],
    source: str,
    status: str,
    actor: AbstractBaseUser | None,
    savepoint: bool = True,
) -> Provider:
    """Insert a provider with its sports and target groups. A taken KvK number is a
    ``ProviderError``; without ``savepoint`` (a caller that rolls its whole transaction back
    instead) it is the ``IntegrityError`` itself."""
    scalars, m2m = _split(data)
    provider = Provider(source=source, status=status, **scalars)
    if actor is not None and actor.is_authenticated:
        provider.created_by = actor
    if data.get("privacy_consent"):
        provider.privacy_consent_at = timezone.now()
    if status == ProviderStatus.ACTIVE:
        provider.confirmed_at = timezone.now()
    if savepoint:
        try:
            with transaction.atomic():
                provider.save()
        except IntegrityError as exc:
            raise ProviderError(_("A provider with this KvK number already exists.")) from exc
    else:
        provider.save()
    for name, values in m2m.items():
        if values:  # a new row has no links yet: add() inserts them in one statement
            getattr(provider, name).add(*values)
    return provider


def provider_register(
    *, data: dict[str, Any], source: str = ProviderSource.INTEREST_FORM
) -> Registration:
    """Register a provider from the public interest form (double opt-in).

    A new provider stays ``pending`` until its e-mail address is confirmed through the link
    that is e-mailed after commit. A provider we already know (same KvK number, or same e-mail
    address and name) is not created twice and nothing of it changes: the address we know
    (never the one typed in) gets the confirmation link again while it is pending, else the
    news that it is registered already — at most once a day. The caller answers both alike,
    so the form does not reveal whether a club or an address is known. Returns a
    ``Registration``.

    The same KvK number registered by a simultaneous submission is answered as a known
    provider too. Called on its own (the public form) the whole transaction is rolled back
    and the provider read again; inside a caller's transaction only a savepoint is.
    """
    if transaction.get_connection().in_atomic_block:
        return _register(data=data, source=source, nested=True)
    try:
        return _register(data=data, source=source, nested=False)
    except IntegrityError:
        existing = provider_find(kvk_number=data.get("kvk_number", ""))
        if existing is None:
            raise
        return Registration(provider=existing, created=False)


@transaction.atomic
def _register(*, data: dict[str, Any], source: str, nested: bool) -> Registration:
    existing = provider_find(
        kvk_number=data.get("kvk_number", ""), email=data.get("email", ""), name=data["name"]
    )
    if existing is not None:
        _tell_known_provider(existing)
        return Registration(provider=existing, created=False)
    try:
        provider = _save_new(
            data=data, source=source, status=ProviderStatus.PENDING, actor=None, savepoint=nested
        )
    except ProviderError:
        existing = provider_find(kvk_number=data.get("kvk_number", ""))
        if existing is None:
            raise
        return Registration(provider=existing, created=False)
    audit_record(
        subject=provider,
        actor=None,
        action="register",
        summary=_("Registered through the interest form."),
    )
    # The provider was made in this transaction: no e-mail has its key yet.
    _queue_confirmation(provider, _email_key(provider, "confirm"), key_is_new=True)
    return Registration(provider=provider, created=True)


def _tell_known_provider(provider: Provider) -> None:
    """E-mail a provider that registered again, at its own address, once a day."""
    if not provider.email or provider.erased_at is not None:
        return
    day = timezone.localdate().isoformat()
    if provider.status == ProviderStatus.PENDING:
        _queue_confirmation(provider, _email_key(provider, f"confirm-again:{day}"))
        return
    email_queue(
        key=_email_key(provider, f"registered-again:{day}"),
        to=[provider.email],
        template="providers/emails/already_registered",
        context=_email_context(provider),
        render_in_worker=True,
    )


def provider_register_from_question(
    *, name: str, kvk_number: str, email: str, contact_name: str, municipality
) -> Registration:
    """The organisation named on the desk's public question form: the provider we know (same
    rules as the interest form), else a new pending one under the same double opt-in, so the
    registry holds only confirmed addresses while the desk handles the question either way.
    The form asks for privacy consent, so it is recorded."""
    return provider_register(
        data={
            "kind": ProviderKind.OTHER,
            "name": name,
            "kvk_number": kvk_number,
            "email": email,
            "contact_name": contact_name,
            "municipality": municipality,
            "privacy_consent": True,
        },
        source=ProviderSource.QUESTION_FORM,
    )


def provider_for_token(*, token: str) -> Provider:
    """The provider a confirmation link belongs to; raises ProviderError for a forged, expired
    or outdated link (e.g. after the e-mail address changed or the data was erased)."""
    try:
        value = read_token(CONFIRM_PURPOSE, token)
    except InvalidToken as exc:
        if exc.expired:
            raise ProviderError(
                _(
                    "This confirmation link has expired. Please fill in the form again; "
                    "we will send you a new link."
                )
            ) from exc
        raise ProviderError(_("This confirmation link is not valid.")) from exc
    pk, _sep, digest = value.partition(":")
    provider = Provider.objects.filter(pk=pk).first() if pk.isdigit() else None
    if provider is None or not provider.email or _email_digest(provider.email) != digest:
        raise ProviderError(_("This confirmation link is not valid."))
    return provider


@transaction.atomic
def provider_confirm_email(*, token: str) -> Provider:
    """Confirm the e-mail address of a registration. Idempotent: confirming twice is fine.

    Only a pending provider becomes active; the conditional UPDATE makes two simultaneous
    clicks record one confirmation.
    """
    provider = provider_for_token(token=token)
    if provider.status == ProviderStatus.INACTIVE:
        raise ProviderError(
            _("This registration has been closed. Please contact the desk if this is a mistake.")
        )
    now = timezone.now()
    claimed = Provider.objects.filter(pk=provider.pk, status=ProviderStatus.PENDING).update(
        status=ProviderStatus.ACTIVE, confirmed_at=now, updated_at=now
    )
    if claimed:
        provider.refresh_from_db()
        audit_record(
            subject=provider,
            actor=None,
            action="confirm_email",
            changes={
                "status": [str(ProviderStatus.PENDING.label), str(ProviderStatus.ACTIVE.label)]
            },
            summary=_("E-mail address confirmed through the link."),
        )
    return provider


@transaction.atomic
def provider_create(*, data: dict[str, Any], actor: AbstractBaseUser) -> Provider:
    """Create a provider entered by staff; it is active at once (staff vouch for it)."""
    provider = _save_new(
        data=data, source=ProviderSource.STAFF, status=ProviderStatus.ACTIVE, actor=actor
    )
    audit_record(subject=provider, actor=actor, action="create", summary=_("Created by staff."))
    return provider


@transaction.atomic
def provider_update(
    *, provider: Provider, data: dict[str, Any], actor: AbstractBaseUser | None, action="update"
) -> dict[str, list[str]]:
    """Apply ``data`` and record what changed. Returns the changes ({} when nothing changed,
    in which case nothing is written).

    The diff is taken against the row as stored, locked for the transaction (a ModelForm has
    already copied its data onto ``provider``, and two editors must not lose each other's
    audit entries)."""
    stored = Provider.objects.select_for_update().get(pk=provider.pk)
    fields = [f for f in SCALAR_FIELDS + M2M_FIELDS if f in data]
    changes = model_changes(stored, data, fields)
    if not changes:
        provider.refresh_from_db()
        return {}
    scalars, m2m = _split(data)
    for name, value in scalars.items():
        setattr(stored, name, value)
    try:
        with transaction.atomic():
            stored.save()
    except IntegrityError as exc:
        raise ProviderError(_("A provider with this KvK number already exists.")) from exc
    for name, values in m2m.items():
        getattr(stored, name).set(values)
    audit_record(subject=stored, actor=actor, action=action, changes=changes)
    provider.refresh_from_db()
    return changes


STATUS_TRANSITIONS = {
    StatusAction.CONFIRM: ({ProviderStatus.PENDING}, ProviderStatus.ACTIVE),
    StatusAction.DEACTIVATE: (
        {ProviderStatus.PENDING, ProviderStatus.ACTIVE},
        ProviderStatus.INACTIVE,
    ),
    StatusAction.REACTIVATE: ({ProviderStatus.INACTIVE}, ProviderStatus.ACTIVE),
}


@transaction.atomic
def provider_set_status(*, provider: Provider, action: str, actor: AbstractBaseUser) -> Provider:
    """Confirm, deactivate or reactivate. A conditional UPDATE guards against a stale page:
    the transition only happens from the status it is meant for."""
    if action not in STATUS_TRANSITIONS:
        raise ProviderError(_("Unknown action."))
    sources, target = STATUS_TRANSITIONS[StatusAction(action)]
    now = timezone.now()
    values: dict[str, Any] = {"status": target, "updated_at": now}
    if action == StatusAction.CONFIRM:
        values["confirmed_at"] = now
    old = provider.get_status_display()
    if not Provider.objects.filter(pk=provider.pk, status__in=sources).update(**values):
        raise ProviderError(
            _("This is not possible while the provider is “%(status)s”.") % {"status": old}
        )
    provider.refresh_from_db()
    audit_record(
        subject=provider,
        actor=actor,
        action=str(action),
        changes={"status": [str(old), str(provider.get_status_display())]},
    )
    return provider


def provider_personal_data(*, provider: Provider) -> dict[str, Any]:
    """Everything personal we hold on the provider's contact, for a data-subject request."""
    emails = OutgoingEmail.objects.filter(key__startswith=f"provider:{provider.pk}:")
    return {
        "provider": provider.name,
        "kvk_number": provider.kvk_number,
        "contact": {
            "contact_name": provider.contact_name,
            "email": provider.email,
            "phone": str(provider.phone or ""),
            "street": provider.street,
            "postcode": provider.postcode,
            "city": provider.city,
        },
        "privacy_consent_at": _iso(provider.privacy_consent_at),
        "confirmed_at": _iso(provider.confirmed_at),
        "created_at": _iso(provider.created_at),
        "emails_sent": [
            {"subject": e.subject, "to": e.to, "created_at": _iso(e.created_at)}
            for e in emails.order_by("created_at")
        ],
    }


def _iso(value) -> str | None:
    return value.isoformat() if value else None


@transaction.atomic
def provider_erase_personal_data(*, provider: Provider, actor: AbstractBaseUser) -> Provider:
    """Erase the contact's personal data (AVG/GDPR art. 17); the provider record stays,
    anonymised. Old values are also removed from its audit trail, and its outbox e-mails (those
    about it and any other to its address, e.g. shared schemes) are deleted, so no copy
    survives. Idempotent."""
    addressed = outbox_ids_addressed_to(address=provider.email)
    Provider.objects.filter(pk=provider.pk).update(
        contact_name="",
        email="",
        phone="",
        street="",
        erased_at=timezone.now(),
        updated_at=timezone.now(),
    )
    for event in audit_events_with_personal_data(provider):
        event.changes = {k: v for k, v in event.changes.items() if k not in PERSONAL_FIELDS}
        event.save(update_fields=["changes"])
    OutgoingEmail.objects.filter(
        Q(key__startswith=f"provider:{provider.pk}:") | Q(pk__in=addressed)
    ).delete()
    provider.refresh_from_db()
    audit_record(
        subject=provider,
        actor=actor,
        action="erase",
        changes={name: ["…", ""] for name in PERSONAL_FIELDS},
        summary=_("Personal data of the contact erased on request."),
    )
    return provider


def audit_events_with_personal_data(provider: Provider) -> list[AuditEvent]:
    from sportloket.selectors import audit_events_for

    personal = Q()
    for name in PERSONAL_FIELDS:
        personal |= Q(changes__has_key=name)
    return list(audit_events_for(provider).filter(personal))
