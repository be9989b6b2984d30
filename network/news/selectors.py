"""Reads of the news update: its recipients (set-based), the archive and the drafts."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet
from django.db.models.functions import Lower

from poskantoor.constants import OfficeStatus
from poskantoor.models import CoreGroupMember, PosOffice
from providers.constants import ProviderKind, ProviderStatus
from providers.models import Provider
from sportloket.constants import Role
from sportloket.selectors import user_scope

from .constants import Audience, UpdateStatus
from .models import NewsSubscription, NewsUpdate


def news_offices() -> QuerySet[PosOffice]:
    """The offices an update can be for: every office that has not stopped."""
    return (
        PosOffice.objects.exclude(status=OfficeStatus.STOPPED)
        .select_related("municipality")
        .order_by("municipality__name")
    )


def audience_addresses(*, office: PosOffice | None) -> tuple[QuerySet, QuerySet]:
    """(core-group addresses, entrepreneur addresses) of ``office``'s network, or of every
    office that has not stopped when ``office`` is None, lower-cased, as subqueries.

    The network of an office: its core group, and the confirmed sport entrepreneurs of its
    municipality (an entrepreneur joins through the interest form of that municipality).
    """
    offices = news_offices() if office is None else PosOffice.objects.filter(pk=office.pk)
    members = (
        CoreGroupMember.objects.filter(office__in=offices.values("pk"))
        .exclude(email="")
        .annotate(address=Lower("email"))
        .values("address")
    )
    entrepreneurs = (
        Provider.objects.filter(
            kind=ProviderKind.ENTREPRENEUR,
            status=ProviderStatus.ACTIVE,
            erased_at__isnull=True,
            municipality__in=offices.values("municipality_id"),
        )
        .exclude(email="")
        .annotate(address=Lower("email"))
        .values("address")
    )
    return members, entrepreneurs


def recipients(*, update: NewsUpdate) -> QuerySet[NewsSubscription]:
    """The opted-in subscriptions an update goes to: one per address (the address is unique),
    whether the person is in a core group, an entrepreneur, or both. One query."""
    members, entrepreneurs = audience_addresses(
        office=update.office if update.audience == Audience.OFFICE else None
    )
    return NewsSubscription.objects.filter(email__isnull=False).filter(
        Q(email__in=members) | Q(email__in=entrepreneurs)
    )


def is_in_a_network(*, email: str) -> bool:
    """Whether ``email`` belongs to a core-group member or network entrepreneur of an office
    that has not stopped (who may opt in)."""
    members, entrepreneurs = audience_addresses(office=None)
    address = email.strip().lower()
    return (
        members.filter(address=address).exists() or entrepreneurs.filter(address=address).exists()
    )


def archive(*, office_id: int | None = None) -> QuerySet[NewsUpdate]:
    """Sent updates, newest first, for the public archive (the office's name with them)."""
    qs = NewsUpdate.objects.filter(status=UpdateStatus.SENT).select_related("office__municipality")
    if office_id is not None:
        qs = qs.filter(Q(office_id=office_id) | Q(audience=Audience.NATIONAL))
    return qs.order_by("-sent_at", "-pk")


def public_update_get(*, pk: int) -> NewsUpdate:
    """A sent update; ``NewsUpdate.DoesNotExist`` (→ 404) for a draft or one being sent."""
    return archive().get(pk=pk)


def may_write(user: AbstractBaseUser) -> bool:
    """POS staff (and administrators) write and send news updates."""
    return user_scope(user).role in (Role.POS_STAFF, Role.ADMINISTRATOR)


def unfinished(*, user: AbstractBaseUser) -> QuerySet[NewsUpdate]:
    """Drafts and updates being sent, for POS staff; nothing for anyone else."""
    if not may_write(user):
        return NewsUpdate.objects.none()
    return (
        NewsUpdate.objects.exclude(status=UpdateStatus.SENT)
        .select_related("office__municipality", "created_by")
        .order_by("-updated_at", "-pk")
    )


def draft_get(*, user: AbstractBaseUser, pk: int) -> NewsUpdate:
    """A draft of a writer (POS staff); DoesNotExist (→ 404) for anyone else, and for an
    update being sent or sent (it can no longer change)."""
    return unfinished(user=user).filter(status=UpdateStatus.DRAFT).get(pk=pk)
