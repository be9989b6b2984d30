"""Reads of the providers' portal, always scoped to the signed-in contact's organisation."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from providers.constants import ProviderStatus, SafetyStatus
from providers.models import Provider
from subsidies.models import DigestOptOut
from subsidies.selectors import Match, matches_for_provider

from ..models import PortalContact, SafetyClaim, SupportRequest
from .constants import SafetyClaimState
from .services import SESSION_KEY, SESSION_LIFETIME


def contact_from_session(session) -> PortalContact | None:
    """The signed-in portal contact, or None: no portal session, too old, access revoked, or
    the organisation's data erased. Never a staff user: the staff login is another key."""
    state = session.get(SESSION_KEY)
    if not isinstance(state, dict):
        return None
    try:
        signed_in = dt.datetime.fromisoformat(state["at"])
        pk = int(state["id"])
    except (KeyError, TypeError, ValueError):
        return None
    if timezone.now() - signed_in > SESSION_LIFETIME:
        return None
    return (
        PortalContact.objects.select_related("provider__municipality")
        .filter(
            pk=pk,
            revoked_at__isnull=True,
            provider__erased_at__isnull=True,
            provider__status=ProviderStatus.ACTIVE,
        )
        .first()
    )


def organisation_questions(*, contact: PortalContact) -> QuerySet[SupportRequest]:
    """The questions of the contact's organisation, newest first (one query)."""
    return (
        SupportRequest.objects.filter(provider_id=contact.provider_id)
        .select_related("desk")
        .order_by("-created_at", "-pk")
    )


def organisation_question_get(*, contact: PortalContact, pk: int) -> SupportRequest:
    """A question of the contact's organisation; 404 for any other."""
    question = organisation_questions(contact=contact).filter(pk=pk).first()
    if question is None:
        raise Http404
    return question


def digest_subscribed(*, contact: PortalContact) -> bool:
    return not DigestOptOut.objects.filter(provider_id=contact.provider_id).exists()


def organisation_contacts(*, contact: PortalContact) -> QuerySet[PortalContact]:
    """Who of the contact's organisation has (or had) portal access."""
    return PortalContact.objects.filter(provider_id=contact.provider_id).order_by("email")


def desk_portal_contacts(*, desk_id: int) -> QuerySet[PortalContact]:
    """Portal contacts of the providers in a desk's area (one query)."""
    return (
        PortalContact.objects.filter(provider__municipality__desks=desk_id)
        .select_related("provider")
        .order_by("provider__name", "email")
    )


# --- Social-safety basics -----------------------------------------------------------------------


@dataclass
class BasicRow:
    """One social-safety basic as the portal shows it: what the desk has confirmed (the
    provider's own status and date) and the organisation's latest evidence for it."""

    basic: str
    label: str
    status: str
    status_label: str
    date: dt.date | None
    latest: SafetyClaim | None

    @property
    def pending(self) -> bool:
        return self.latest is not None and self.latest.state == SafetyClaimState.PENDING


def organisation_claims(*, contact: PortalContact) -> QuerySet[SafetyClaim]:
    """The organisation's evidence, newest first (one query)."""
    return SafetyClaim.objects.filter(provider_id=contact.provider_id).select_related(
        "submitted_by"
    )


def organisation_claim_get(*, contact: PortalContact, pk: int) -> SafetyClaim:
    """Evidence of the contact's organisation; 404 for any other."""
    claim = organisation_claims(contact=contact).filter(pk=pk).first()
    if claim is None:
        raise Http404
    return claim


def organisation_safety_basics(
    *, contact: PortalContact, claims: list[SafetyClaim]
) -> list[BasicRow]:
    """Each basic with its confirmed status and the latest of ``claims`` (newest first)."""
    provider = contact.provider
    latest: dict[str, SafetyClaim] = {}
    for claim in claims:
        latest.setdefault(claim.basic, claim)
    return [
        BasicRow(
            basic=basic,
            label=label,
            status=status,
            status_label=str(SafetyStatus(status).label),
            date=date,
            latest=latest.get(basic),
        )
        for basic, label, status, date in provider.safety_basics
    ]


def desk_safety_claims(*, desk_id: int) -> QuerySet[SafetyClaim]:
    """Evidence from providers in a desk's area, pending first then newest (one query; the
    pending ones oldest first, as they wait longest)."""
    return (
        SafetyClaim.objects.filter(provider__municipality__desks=desk_id)
        .select_related("provider__municipality", "submitted_by")
        .order_by("submitted_at", "pk")
    )


def desk_pending_claims(*, desk_id: int) -> QuerySet[SafetyClaim]:
    return desk_safety_claims(desk_id=desk_id).filter(state=SafetyClaimState.PENDING)


def desk_decided_claims(*, desk_id: int) -> QuerySet[SafetyClaim]:
    return (
        desk_safety_claims(desk_id=desk_id)
        .exclude(state=SafetyClaimState.PENDING)
        .select_related("decided_by")
        .order_by("-decided_at", "-pk")
    )


# --- Matching schemes ---------------------------------------------------------------------------


def organisation_matching_schemes(*, contact: PortalContact) -> list[Match]:
    """The open schemes that fit the organisation, best first, each with why (the subsidies
    app's matching; two queries for the provider's target groups and the schemes)."""
    provider = (
        Provider.objects.filter(pk=contact.provider_id).prefetch_related("target_groups").get()
    )
    return matches_for_provider(provider)


def desk_pending_claim_count(*, desk_id: int) -> int:
    return desk_pending_claims(desk_id=desk_id).count()
