"""Writes of calendar feeds: make an owner's address, or replace it (which revokes the old)."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from poskantoor.models import PosOffice
from sportloket.models import Desk
from sportloket.services import audit_record

from ..models import CalendarFeed
from ..models.feeds import new_feed_key


@transaction.atomic
def calendar_feed_renew(
    *,
    by: AbstractBaseUser,
    user: AbstractBaseUser | None = None,
    desk: Desk | None = None,
    office: PosOffice | None = None,
) -> CalendarFeed:
    """The owner's feed with a new address (made at the first call). Every earlier address of
    the owner stops working at once. Exactly one owner; who may ask is the views' concern."""
    owners = {"user": user, "desk": desk, "office": office}
    given = {name: owner for name, owner in owners.items() if owner is not None}
    if len(given) != 1:
        raise ValueError("a calendar feed has exactly one owner")
    feed, created = CalendarFeed.objects.select_for_update().get_or_create(**given)
    if not created:
        feed.key = new_feed_key()
        feed.renewed_at = timezone.now()
        feed.save(update_fields=["key", "renewed_at"])
    ((name, owner),) = given.items()
    audit_record(
        subject=owner,
        actor=by,
        action="calendar_feed_made" if created else "calendar_feed_renewed",
        summary=(
            f"calendar address of the {name} made"
            if created
            else f"calendar address of the {name} renewed; the old address no longer works"
        ),
    )
    return feed
