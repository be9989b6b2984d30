"""Reads about a person's second factor."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django_otp.plugins.otp_totp.models import TOTPDevice

from ..models import ClaimRoleMapping, RecoveryCode


def has_app(user: AbstractBaseUser) -> bool:
    """Whether the user has a confirmed authenticator app (recovery codes alone are not an
    enrolment: after a reset the person enrols again)."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user: AbstractBaseUser) -> int | None:
    """Unused recovery codes of the user; None when two-step login is not set up."""
    if not user.is_authenticated or not has_app(user):
        return None
    return RecoveryCode.objects.filter(device__user=user).count()


def claim_mapping_for(claims: dict) -> ClaimRoleMapping | None:
    """The first mapping (by order) whose claim value the identity provider's claims carry."""
    mappings = ClaimRoleMapping.objects.select_related("municipality", "desk", "organisation")
    return next((mapping for mapping in mappings if mapping.matches(claims)), None)


def claims_assert_mfa(claims: dict) -> bool:
    """Whether the identity provider says the person used a second factor: one of the
    configured ``amr`` values (RFC 8176: "mfa", …) or the configured ``acr`` value."""
    if not settings.SPORTLOKET_OIDC_TRUST_MFA:
        return False
    amr = claims.get("amr") or []
    if isinstance(amr, str):
        amr = [amr]
    if set(map(str, amr)) & set(settings.SPORTLOKET_OIDC_MFA_AMR):
        return True
    acr = claims.get("acr")
    return acr is not None and str(acr) in settings.SPORTLOKET_OIDC_MFA_ACR
