"""Reads of the providers' portal, always scoped to the signed-in contact's organisation."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from providers.constants import ProviderStatus
from subsidies.models import DigestOptOut

from ..models import PortalContact, SupportRequest
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
