"""Reads of the API app."""

from __future__ import annotations

from .models import ApiToken
from .services import KEY_PREFIX, key_hash

KEY_MAX_LENGTH = 100


def api_token_for_key(*, key: str) -> ApiToken | None:
    """The active token with this key whose account still belongs to the token's organisation
    and is active; None for anything else (no hint which part was wrong)."""
    if not key.startswith(KEY_PREFIX) or len(key) > KEY_MAX_LENGTH:
        return None
    token = (
        ApiToken.objects.filter(key_hash=key_hash(key), revoked_at__isnull=True)
        .select_related("user__staff_profile")
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    profile = getattr(token.user, "staff_profile", None)
    if profile is None or profile.organisation_id != token.organisation_id:
        return None
    return token
