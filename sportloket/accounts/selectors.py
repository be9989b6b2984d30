"""Reads about a person's second factor."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django_otp.plugins.otp_totp.models import TOTPDevice

from ..models import RecoveryCode


def has_app(user: AbstractBaseUser) -> bool:
    """Whether the user has a confirmed authenticator app (recovery codes alone are not an
    enrolment: after a reset the person enrols again)."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user: AbstractBaseUser) -> int | None:
    """Unused recovery codes of the user; None when two-step login is not set up."""
    if not user.is_authenticated or not has_app(user):
        return None
    return RecoveryCode.objects.filter(device__user=user).count()
