"""Reads of the shared core, above all: what a user may see (their scope)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet, TextField
from django.db.models.functions import Cast

from .constants import Role
from .models import (
    AuditEvent,
    Desk,
    Municipality,
    OutgoingEmail,
    StaffProfile,
)


@dataclass(frozen=True)
class Scope:
    """What a staff user may see. ``municipality_ids is None`` means every municipality."""

    role: Role | None
    municipality_ids: frozenset[int] | None = field(default=frozenset())
    desk_id: int | None = None
    organisation_id: int | None = None

    @property
    def sees_everything(self) -> bool:
        return self.municipality_ids is None

    def municipality_filter(self, lookup: str = "municipality") -> Q:
        """A Q object restricting ``lookup`` (a FK to Municipality) to this scope."""
        if self.municipality_ids is None:
            return Q()
        return Q(**{f"{lookup}__in": self.municipality_ids})


NO_SCOPE = Scope(role=None)


def staff_profile(user: AbstractBaseUser) -> StaffProfile | None:
    if not user.is_authenticated:
        return None
    try:
        return user.staff_profile
    except StaffProfile.DoesNotExist:
        return None


def user_role(user: AbstractBaseUser) -> Role | None:
    profile = staff_profile(user)
    if profile is not None:
        return Role(profile.role)
    if user.is_authenticated and user.is_superuser:
        return Role.ADMINISTRATOR
    return None


def user_scope(user: AbstractBaseUser) -> Scope:
    """The scope of a user, cached on the user object for the length of a request."""
    cached = getattr(user, "_sportloket_scope", None)
    if cached is not None:
        return cached
    scope = _compute_scope(user)
    if user.is_authenticated:
        user._sportloket_scope = scope
    return scope


def _compute_scope(user: AbstractBaseUser) -> Scope:
    role = user_role(user)
    if role is None:
        return NO_SCOPE
    profile = staff_profile(user)
    if role in (Role.POS_STAFF, Role.ADMINISTRATOR):
        return Scope(
            role=role,
            municipality_ids=None,
            desk_id=profile.desk_id if profile else None,
            organisation_id=profile.organisation_id if profile else None,
        )
    if role == Role.POLICY_STAFF:
        return Scope(
            role=role,
            municipality_ids=frozenset([profile.municipality_id]),
            organisation_id=profile.organisation_id,
        )
    desk_municipalities = frozenset(
        Desk.municipalities.through.objects.filter(desk_id=profile.desk_id).values_list(
            "municipality_id", flat=True
        )
    )
    return Scope(
        role=role,
        municipality_ids=desk_municipalities,
        desk_id=profile.desk_id,
        organisation_id=profile.organisation_id,
    )


def municipality_list(*, user: AbstractBaseUser) -> QuerySet[Municipality]:
    scope = user_scope(user)
    qs = Municipality.objects.filter(active=True)
    if scope.municipality_ids is not None:
        qs = qs.filter(pk__in=scope.municipality_ids)
    return qs


def audit_events_for(subject) -> QuerySet[AuditEvent]:
    from django.contrib.contenttypes.models import ContentType

    return AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(subject), object_id=str(subject.pk)
    ).select_related("actor")


# --- Desks in scope, neighbourhood sport coaches -------------------------------------------------


def desk_list(*, user: AbstractBaseUser) -> QuerySet[Desk]:
    """Desks a user may read: a club supporter their own, policy staff the desks that serve
    their municipality, POS staff and administrators all."""
    scope = user_scope(user)
    qs = Desk.objects.all()
    if scope.role == Role.CLUB_SUPPORTER:
        return qs.filter(pk=scope.desk_id)
    if scope.municipality_ids is None:
        return qs
    return qs.filter(municipalities__in=scope.municipality_ids).distinct()


def desk_get(*, user: AbstractBaseUser, pk: int) -> Desk:
    """A desk in the user's scope; ``Desk.DoesNotExist`` (→ 404) otherwise."""
    return desk_list(user=user).get(pk=pk)


def policy_staff_emails(*, municipality_id: int) -> list[str]:
    return sorted(
        StaffProfile.objects.filter(role=Role.POLICY_STAFF, municipality_id=municipality_id)
        .exclude(user__email="")
        .filter(user__is_active=True)
        .values_list("user__email", flat=True)
    )


def outbox_ids_addressed_to(*, address: str) -> list[int]:
    """Outbox e-mails with ``address`` (any case) among their recipients, whatever they are
    about: the erasures delete them so no copy of a person's address or mail survives. A
    pre-filter on the JSON text, then the recipient list itself."""
    address = (address or "").strip().lower()
    if not address:
        return []
    candidates = (
        OutgoingEmail.objects.alias(to_text=Cast("to", TextField()))
        .filter(to_text__icontains=address)
        .only("pk", "to")
    )
    return [e.pk for e in candidates if address in (str(to).strip().lower() for to in e.to)]


def desk_club_supporters(*, desk_id: int) -> QuerySet:
    """The desk's active club supporters, by name: who its questions can be assigned to."""
    return (
        get_user_model()
        .objects.filter(
            staff_profile__desk_id=desk_id,
            staff_profile__role=Role.CLUB_SUPPORTER,
            is_active=True,
        )
        .order_by("first_name", "last_name", "username")
    )
