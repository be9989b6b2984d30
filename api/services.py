"""Writes of the API app: making, revoking and using API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from sportloket.models import Organisation
from sportloket.services import DomainError, audit_record

from .models import ApiToken

KEY_PREFIX = "slk_"
# "last used" is written at most once per this interval: a busy integration must not turn
# every read into a write.
TOUCH_EVERY = dt.timedelta(minutes=1)


class ApiTokenError(DomainError):
    """A refusal about API tokens, with a message fit for the user."""


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_create(
    *,
    organisation: Organisation,
    user: AbstractBaseUser,
    name: str,
    by: AbstractBaseUser | None,
) -> tuple[ApiToken, str]:
    """Make a token for ``organisation`` acting as ``user``; returns it with its key, the only
    time the key exists in plain text (it is not stored)."""
    profile = getattr(user, "staff_profile", None)
    if profile is None or profile.organisation_id != organisation.pk:
        raise ApiTokenError(
            _("A token acts as a staff account of its own organisation: choose one of theirs.")
        )
    if not user.is_active:
        raise ApiTokenError(_("This account is not active."))
    if not name.strip():
        raise ApiTokenError(_("Give the token a name that says what it is for."))
    prefix = secrets.token_hex(4)
    key = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        organisation=organisation,
        user=user,
        name=name.strip(),
        prefix=f"{KEY_PREFIX}{prefix}",
        key_hash=key_hash(key),
        created_by=by,
    )
    audit_record(subject=token, actor=by, action="api_token.create", summary=token.name)
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken, by: AbstractBaseUser | None) -> bool:
    """Revoke a token at once; idempotent (False when it was already revoked)."""
    revoked = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if revoked:
        audit_record(subject=token, actor=by, action="api_token.revoke", summary=token.name)
    token.refresh_from_db(fields=["revoked_at"])
    return bool(revoked)


def api_token_used(*, token: ApiToken, now: dt.datetime | None = None) -> None:
    """Record that the token was used: one conditional UPDATE, skipped within a minute of the
    last recorded use (so concurrent requests write at most once)."""
    now = now or timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < TOUCH_EVERY:
        return
    ApiToken.objects.filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - TOUCH_EVERY), pk=token.pk
    ).update(last_used_at=now)
