"""The providers' portal: password-less sign-in by e-mail, and what a signed-in contact does
with their own organisation's data. Every change goes through the existing services (the
question form's, the status page's, the digest's, the providers' data-subject rights).

Seed 003, opgave 5: "een online portal waar sportclubs via lokale clubondersteuners aanvragen
kunnen doen voor benodigde ondersteuning".
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import secrets
from functools import partial
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from providers.constants import SAFETY_BASICS, ProviderStatus, SafetyStatus
from providers.models import Provider
from providers.services import (
    provider_erase_personal_data,
    provider_personal_data,
    provider_update,
)
from sportloket.models import OutgoingEmail, QuestionCategory
from sportloket.ratelimit import hit
from sportloket.retention import outbox_key_regex
from sportloket.selectors import user_scope
from sportloket.services import DomainError, audit_record, email_queue, enqueue_on_commit
from sportloket.tokens import InvalidToken, make_token, read_token
from subsidies.services import digest_resubscribe, digest_unsubscribe

from ..models import (
    PortalContact,
    PortalSignInLink,
    SafetyClaim,
    SupportRequest,
    SupportRequestEvent,
)
from ..support.constants import Channel
from ..support.services import (
    desk_for_municipality,
    support_request_create,
    support_request_provider_message,
)
from .constants import EVIDENCE_TYPES, SafetyClaimState

logger = logging.getLogger(__name__)

# A sign-in link works once, within this time after it was sent.
LINK_LIFETIME = dt.timedelta(minutes=15)
# A portal session ends this long after signing in (or at once when access is revoked).
SESSION_LIFETIME = dt.timedelta(hours=8)
# Links sent to one address per hour; more requests are answered the same but send nothing.
LINKS_PER_ADDRESS_PER_HOUR = 5
TOKEN_PURPOSE = "meetings-portal-sign-in"  # noqa: S105 - a salt, not a secret
SESSION_KEY = "portal_contact"


class PortalError(DomainError):
    """A refusal of the portal, with a Dutch message for the contact."""


def address_key(email: str) -> str:
    """A keyed hash of an address (case-insensitive): what a sign-in link and the rate limit
    carry instead of the address itself."""
    return hmac.new(
        settings.SECRET_KEY.encode(), email.strip().lower().encode(), hashlib.sha256
    ).hexdigest()[:32]


def _secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def sign_in_token(link: PortalSignInLink, secret: str) -> str:
    return make_token(TOKEN_PURPOSE, f"{link.pk}:{address_key(link.email)}:{secret}")


# --- Sign-in ---------------------------------------------------------------------------------


@transaction.atomic
def portal_sign_in_request(*, email: str) -> PortalSignInLink:
    """Ask for a sign-in link. Known and unknown addresses take the same path here: one row and
    one queued task; the task decides whether there is anyone to send a link to, so neither
    the answer nor its timing tells whether an address has access."""
    link = PortalSignInLink.objects.create(
        email=email.strip(), expires_at=timezone.now() + LINK_LIFETIME
    )
    from . import tasks

    enqueue_on_commit(tasks.portal_sign_in_send, link.pk)
    return link


def _active_contacts_q():
    return {
        "revoked_at__isnull": True,
        "provider__erased_at__isnull": True,
        "provider__status": ProviderStatus.ACTIVE,
    }


def _ensure_provider_contacts(email: str) -> None:
    """The provider's own (confirmed) contact address gets portal access on first request."""
    for provider in Provider.objects.filter(
        email__iexact=email, status=ProviderStatus.ACTIVE, erased_at__isnull=True
    ).exclude(email=""):
        if not PortalContact.objects.filter(provider=provider, email__iexact=email).exists():
            PortalContact.objects.create(
                provider=provider, email=provider.email, name=provider.contact_name
            )


# A request whose task has not run this long after it was made (the broker was unreachable,
# or its message was lost) is sent by the periodic sweep, while its link can still be valid.
SWEEP_AFTER = dt.timedelta(minutes=1)
SWEEP_BATCH = 500


def portal_sign_in_sweep(*, now: dt.datetime | None = None) -> int:
    """Send the requests whose task never ran: the web request saved them and the answer told
    the person a link was on its way, so one must go. Each is claimed by the same conditional
    update as the task's, so a request is sent once however often both run. Returns e-mails
    queued."""
    now = now or timezone.now()
    ids = list(
        PortalSignInLink.objects.filter(
            processed_at__isnull=True,
            created_at__lte=now - SWEEP_AFTER,
            expires_at__gt=now,
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    return sum(portal_sign_in_send(link_id=pk) for pk in ids)


@transaction.atomic
def portal_sign_in_send(*, link_id: int) -> int:
    """Send the sign-in link(s) for one request: one per organisation the address has access
    to. Idempotent: the request is claimed once (``processed_at``). Returns e-mails queued."""
    now = timezone.now()
    if not PortalSignInLink.objects.filter(pk=link_id, processed_at__isnull=True).update(
        processed_at=now
    ):
        return 0
    request = PortalSignInLink.objects.get(pk=link_id)
    email = request.email
    if not hit(
        "portal-sign-in-address",
        address_key(email),
        limit=LINKS_PER_ADDRESS_PER_HOUR,
        window_seconds=3600,
    ):
        return 0
    _ensure_provider_contacts(email)
    contacts = list(
        PortalContact.objects.filter(email__iexact=email, **_active_contacts_q())
        .select_related("provider")
        .order_by("pk")
    )
    for index, contact in enumerate(contacts):
        link = request if index == 0 else PortalSignInLink(email=email, processed_at=now)
        secret = secrets.token_urlsafe(32)
        link.contact = contact
        link.email = contact.email
        link.secret_hash = _secret_hash(secret)
        link.expires_at = now + LINK_LIFETIME
        link.save()
        url = settings.SPORTLOKET_SITE_URL + reverse(
            "meetings:portal_sign_in", args=[sign_in_token(link, secret)]
        )
        email_queue(
            key=f"portal-sign-in:{link.pk}",
            to=[contact.email],
            template="emails/meetings/portal_sign_in",
            context={
                "provider": contact.provider,
                "url": url,
                "minutes": int(LINK_LIFETIME.total_seconds() // 60),
            },
        )
    return len(contacts)


def _invalid_link() -> PortalError:
    return PortalError(_("This sign-in link is not valid. Ask for a new link below."))


@transaction.atomic
def portal_sign_in(*, token: str) -> PortalContact:
    """Use a sign-in link: the contact it was sent to, once, before it expires, while the
    address is still the contact's and the contact still has access."""
    try:
        value = read_token(TOKEN_PURPOSE, token, max_age=int(LINK_LIFETIME.total_seconds()))
    except InvalidToken as error:
        if error.expired:
            raise PortalError(
                _("This sign-in link has expired. Ask for a new link below.")
            ) from error
        raise _invalid_link() from error
    try:
        link_id, key, secret = value.split(":", 2)
        link_pk = int(link_id)
    except ValueError as error:
        raise _invalid_link() from error
    link = (
        PortalSignInLink.objects.select_for_update(of=("self",))
        .select_related("contact__provider")
        .filter(pk=link_pk, contact__isnull=False)
        .first()
    )
    if link is None or not hmac.compare_digest(link.secret_hash, _secret_hash(secret)):
        raise _invalid_link()
    if link.used_at is not None:
        raise PortalError(_("This sign-in link has been used already. Ask for a new link below."))
    now = timezone.now()
    if link.expires_at <= now:
        raise PortalError(_("This sign-in link has expired. Ask for a new link below."))
    contact = link.contact
    if not (
        hmac.compare_digest(key, address_key(link.email))
        and hmac.compare_digest(key, address_key(contact.email))
    ):
        raise PortalError(
            _("This sign-in link was sent to another e-mail address. Ask for a new link below.")
        )
    provider = contact.provider
    if (
        not contact.is_active
        or provider.erased_at is not None
        or provider.status != ProviderStatus.ACTIVE
    ):
        raise PortalError(
            _("This address no longer has access to the portal. Contact the sport desk.")
        )
    link.used_at = now
    link.save(update_fields=["used_at"])
    contact.last_sign_in_at = now
    contact.save(update_fields=["last_sign_in_at"])
    audit_record(
        subject=provider,
        actor=None,
        action="portal.sign_in",
        changes={"portal_contact": contact.pk},
        summary=_("A contact signed in to the providers' portal."),
    )
    return contact


# --- The organisation's questions -------------------------------------------------------------


def portal_question_create(
    *,
    contact: PortalContact,
    contact_name: str,
    subject: str,
    question: str,
    category: QuestionCategory | None = None,
) -> SupportRequest:
    """A new question of the contact's organisation, through the question form's service, to
    the desk of the organisation's municipality."""
    provider = contact.provider
    desk = desk_for_municipality(provider.municipality)
    if desk is None:
        raise PortalError(
            _("There is no sport and movement desk for %(municipality)s in Sportloket yet.")
            % {"municipality": provider.municipality}
        )
    return support_request_create(
        desk=desk,
        provider=provider,
        subject=subject,
        question=question,
        channel=Channel.FORM,
        category=category,
        requester_name=contact_name,
        requester_email=contact.email,
    )


def portal_question_add_information(
    *, contact: PortalContact, support_request: SupportRequest, text: str
) -> SupportRequest:
    """Information added to a question of the contact's own organisation (the status page's
    service)."""
    if support_request.provider_id != contact.provider_id:
        raise PortalError(_("This question is not one of your organisation's."))
    return support_request_provider_message(request=support_request, text=text)


# --- Digest, export, erasure -------------------------------------------------------------------


def portal_digest_set(*, contact: PortalContact, subscribed: bool) -> None:
    """Subscribe the organisation to the scheme digest, or unsubscribe it (the digest's own
    services; both idempotent)."""
    if subscribed:
        digest_resubscribe(provider=contact.provider)
    else:
        digest_unsubscribe(provider=contact.provider)


def _iso(value) -> str | None:
    return value.isoformat() if value else None


@transaction.atomic
def portal_personal_data(*, contact: PortalContact) -> dict[str, Any]:
    """What is held on the organisation's contact (the providers' export), the portal access
    of its contacts, its questions with their public history, and the social-safety evidence
    it submitted (the files themselves are downloaded in the portal). Audited without the
    data."""
    provider = contact.provider
    questions = list(SupportRequest.objects.filter(provider=provider).order_by("created_at", "pk"))
    events: dict[int, list[dict]] = {q.pk: [] for q in questions}
    for event in SupportRequestEvent.objects.filter(
        support_request__provider=provider, public=True
    ).order_by("at", "pk"):
        events[event.support_request_id].append(
            {"at": _iso(event.at), "kind": str(event.get_kind_display()), "text": event.text}
        )
    data = {
        "exported_at": _iso(timezone.now()),
        **provider_personal_data(provider=provider),
        "portal_contacts": [
            {
                "name": c.name,
                "email": c.email,
                "created_at": _iso(c.created_at),
                "last_sign_in_at": _iso(c.last_sign_in_at),
                "revoked_at": _iso(c.revoked_at),
            }
            for c in PortalContact.objects.filter(provider=provider).order_by("pk")
        ],
        "support_questions": [
            {
                "number": q.pk,
                "received_at": _iso(q.created_at),
                "subject": q.subject,
                "question": q.question,
                "status": str(q.get_status_display()),
                "requester_name": q.requester_name,
                "requester_email": q.requester_email,
                "timeline": events[q.pk],
            }
            for q in questions
        ],
        "social_safety_evidence": [
            {
                "basic": str(claim.get_basic_display()),
                "date": _iso(claim.date),
                "file_name": claim.file_name,
                "submitted_at": _iso(claim.submitted_at),
                "submitted_by": claim.submitted_by.email if claim.submitted_by else None,
                "state": str(claim.get_state_display()),
                "decided_at": _iso(claim.decided_at),
                "reason": claim.reason,
            }
            for claim in SafetyClaim.objects.filter(provider=provider)
            .select_related("submitted_by")
            .order_by("submitted_at", "pk")
        ],
    }
    audit_record(
        subject=provider,
        actor=None,
        action="portal.export",
        changes={"portal_contact": contact.pk},
        summary=_("Personal data exported through the providers' portal (GDPR art. 15)."),
    )
    return data


@transaction.atomic
def portal_erase(*, contact: PortalContact) -> Provider:
    """Erase the organisation's contact data (the providers' erasure), every portal access of
    the organisation with its sign-in links, and its social-safety evidence with the files (the
    basics the desk confirmed stay on the provider): the contact is signed out for good."""
    provider = Provider.objects.select_for_update().get(pk=contact.provider_id)
    if provider.erased_at is not None:
        raise PortalError(_("The contact data of this organisation has been erased already."))
    safety_claims_delete(provider_id=provider.pk)
    PortalSignInLink.objects.filter(contact__provider=provider).delete()
    PortalContact.objects.filter(provider=provider).delete()
    return provider_erase_personal_data(provider=provider, actor=None)


# --- Colleagues and the desk's revocation --------------------------------------------------------


@transaction.atomic
def portal_contact_invite(*, contact: PortalContact, email: str, name: str) -> PortalContact:
    """Give a colleague of the same organisation access; they are told by e-mail and ask for a
    sign-in link themselves (the invitation carries no link that signs in)."""
    provider = contact.provider
    email = email.strip()
    existing = PortalContact.objects.filter(provider=provider, email__iexact=email).first()
    if existing is not None and existing.revoked_at is not None:
        raise PortalError(_("The desk has revoked the access of this address; contact the desk."))
    if existing is not None:
        raise PortalError(_("This address has access to the portal already."))
    colleague = PortalContact.objects.create(
        provider=provider, email=email, name=name, invited_by=contact
    )
    audit_record(
        subject=provider,
        actor=None,
        action="portal.invite",
        changes={"portal_contact": colleague.pk, "invited_by": contact.pk},
        summary=_("A contact invited a colleague to the providers' portal."),
    )
    email_queue(
        key=f"portal-invite:{colleague.pk}",
        to=[colleague.email],
        template="emails/meetings/portal_invite",
        context={
            "provider": provider,
            "inviter": contact.name or contact.email,
            "url": settings.SPORTLOKET_SITE_URL + reverse("meetings:portal_sign_in_request"),
        },
    )
    return colleague


@transaction.atomic
def portal_contact_revoke(*, contact: PortalContact, by) -> PortalContact:
    """The desk revokes a contact's access: its session ends at the next request and its
    unused sign-in links stop working. Only a club supporter of a desk serving the
    organisation's municipality (callers pass a contact from ``desk_portal_contacts``)."""
    scope = user_scope(by)
    contact = (
        PortalContact.objects.select_for_update().select_related("provider").get(pk=contact.pk)
    )
    if (
        scope.desk_id is None
        or not contact.provider.municipality.desks.filter(pk=scope.desk_id).exists()
    ):
        raise PortalError(_("Only the desk of this organisation can revoke its access."))
    if contact.revoked_at is not None:
        raise PortalError(_("The access of this address has been revoked already."))
    contact.revoked_at = timezone.now()
    contact.revoked_by = by
    contact.save(update_fields=["revoked_at", "revoked_by"])
    PortalSignInLink.objects.filter(contact=contact, used_at__isnull=True).delete()
    audit_record(
        subject=contact.provider,
        actor=by,
        action="portal.revoke",
        changes={"portal_contact": contact.pk},
        summary=_("The desk revoked a contact's access to the providers' portal."),
    )
    return contact


# --- Social-safety basics: evidence to be checked by the desk ------------------------------------


def _desk_serves(user, provider: Provider) -> bool:
    scope = user_scope(user)
    return (
        scope.desk_id is not None and provider.municipality.desks.filter(pk=scope.desk_id).exists()
    )


def portal_safety_claim_submit(
    *,
    contact: PortalContact,
    basic: str,
    date: dt.date | None,
    upload: UploadedFile | None,
    content_type: str = "",
) -> SafetyClaim:
    """Submit evidence for one social-safety basic of the contact's organisation, "to be
    checked" by the desk. ``upload`` has been validated by its content
    (``forms.SafetyClaimForm``); ``content_type`` is the type read from it.

    One claim per basic waits at a time: a second one is refused (a database constraint), so
    the desk never decides on evidence that changes under it. The file is written to the
    default storage inside the transaction that saves the row; when anything fails, the file
    is deleted again, so neither a row without its file nor a file without its row stays.
    Call outside an atomic block (the view does): a rollback of an outer transaction after
    this returns would leave the stored file behind.
    """
    if basic not in SAFETY_BASICS:
        raise PortalError(_("Choose one of the social-safety basics."))
    if date is None and upload is None:
        raise PortalError(_("Upload evidence or give a date, or both."))
    if date is not None and date > timezone.localdate():
        raise PortalError(_("The date cannot be in the future."))
    stored = ""
    try:
        with transaction.atomic():
            provider = Provider.objects.select_for_update().get(pk=contact.provider_id)
            if SafetyClaim.objects.filter(
                provider=provider, basic=basic, state=SafetyClaimState.PENDING
            ).exists():
                raise PortalError(_(PENDING_MESSAGE))
            claim = SafetyClaim(provider=provider, basic=basic, date=date, submitted_by=contact)
            if upload is not None:
                suffix = EVIDENCE_SUFFIXES.get(content_type, "")
                claim.file.save(f"evidence{suffix}", upload, save=False)
                stored = claim.file.name
                claim.file_name = Path(upload.name).name[:255]
                claim.content_type = content_type
            with transaction.atomic():
                claim.save()
            audit_record(
                subject=provider,
                actor=None,
                action="portal.safety_claim",
                changes={"portal_contact": contact.pk, "safety_claim": claim.pk},
                summary=_("Evidence for a social-safety basic was submitted through the portal."),
            )
    except IntegrityError as error:
        _delete_stored(stored)
        raise PortalError(_(PENDING_MESSAGE)) from error
    except BaseException:
        _delete_stored(stored)
        raise
    return claim


PENDING_MESSAGE = gettext_noop(
    "Evidence for this basic is waiting for the desk's check already; you can send new "
    "evidence once the desk has decided."
)
EVIDENCE_SUFFIXES = {mime: suffix for _suffixes, suffix, mime in EVIDENCE_TYPES.values()}


def _delete_stored(name: str) -> None:
    if not name:
        return
    try:
        default_storage.delete(name)
    except OSError:
        logger.warning("Portal: could not delete an evidence file after a failed submission")


def _decided(claim: SafetyClaim, by, state: str, reason: str = "") -> SafetyClaim:
    """Claim the pending claim for this decision: a conditional UPDATE, so of two desk staff
    deciding at the same moment (or a second click) one decides and the other is told."""
    now = timezone.now()
    if not _desk_serves(by, claim.provider):
        raise PortalError(_("Only the desk of this organisation can check its evidence."))
    if not SafetyClaim.objects.filter(pk=claim.pk, state=SafetyClaimState.PENDING).update(
        state=state, decided_by=by, decided_at=now, reason=reason
    ):
        raise PortalError(_("This evidence has been checked already."))
    claim.refresh_from_db()
    return claim


def _tell_contact(claim: SafetyClaim) -> None:
    """E-mail the decision to whoever submitted the evidence (or, when their access has ended,
    the organisation's own address), with the way into the portal."""
    contact = claim.submitted_by
    to = contact.email if contact is not None and contact.is_active else claim.provider.email
    if not to:
        return
    email_queue(
        key=f"portal-safety-claim:{claim.pk}:{claim.state}",
        to=[to],
        template="emails/meetings/portal_safety_decided",
        context={
            "provider": claim.provider,
            "basic": claim.get_basic_display(),
            "confirmed": claim.state == SafetyClaimState.CONFIRMED,
            "reason": claim.reason,
            "url": settings.SPORTLOKET_SITE_URL + reverse("meetings:portal_safety"),
        },
    )


@transaction.atomic
def safety_claim_confirm(*, claim: SafetyClaim, by) -> SafetyClaim:
    """The desk confirms a claim: the provider's basic becomes "met", dated with the claim's
    date (the day of the VOG, of the e-learning …) or, without one, today. The change goes
    through the providers' own update (its audit event names the old and new values)."""
    claim = _decided(claim, by, SafetyClaimState.CONFIRMED)
    provider = claim.provider
    provider_update(
        provider=provider,
        data={
            f"{claim.basic}_status": SafetyStatus.MET,
            f"{claim.basic}_date": claim.date or timezone.localdate(),
        },
        actor=by,
        action="portal.safety_confirm",
    )
    audit_record(
        subject=provider,
        actor=by,
        action="portal.safety_claim_confirm",
        changes={"safety_claim": claim.pk},
        summary=_("The desk confirmed evidence for a social-safety basic."),
    )
    _tell_contact(claim)
    return claim


@transaction.atomic
def safety_claim_reject(*, claim: SafetyClaim, by, reason: str) -> SafetyClaim:
    """The desk rejects a claim, with a reason the contact reads in the portal and by e-mail.
    The provider's own status of the basic stays as it was."""
    reason = reason.strip()
    if not reason:
        raise PortalError(_("Give the reason, so the organisation knows what to do."))
    claim = _decided(claim, by, SafetyClaimState.REJECTED, reason)
    audit_record(
        subject=claim.provider,
        actor=by,
        action="portal.safety_claim_reject",
        changes={"safety_claim": claim.pk},
        summary=_("The desk rejected evidence for a social-safety basic."),
    )
    _tell_contact(claim)
    return claim


def safety_claims_delete(*, provider_id: int) -> int:
    """Delete the organisation's claims; their files go once the deletion is committed (a
    rollback keeps rows and files together). Call inside the erasure's transaction."""
    claims = SafetyClaim.objects.filter(provider_id=provider_id)
    names = [name for name in claims.values_list("file", flat=True) if name]
    ids = list(claims.values_list("pk", flat=True))
    regex = outbox_key_regex(["portal-safety-claim"], ids)
    if regex:
        OutgoingEmail.objects.filter(key__regex=regex).delete()
    done = claims.delete()[1].get(SafetyClaim._meta.label, 0)
    for name in names:
        transaction.on_commit(partial(_delete_stored, name))
    return done
