"""Writes of two-step login: codes checked, apps enrolled or replaced, recovery codes made,
a person's second factor reset. Refusals are ``DomainError`` with the Dutch reason."""

from __future__ import annotations

import datetime as dt
import math
import secrets
import time
from dataclasses import asdict, dataclass
from typing import ClassVar

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_otp.models import Device
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from ..models import (
    ClaimRoleMapping,
    IdentityProviderLink,
    IdentityProviderMfaDevice,
    RecoveryCode,
    RecoveryCodeDevice,
    StaffProfile,
)
from ..selectors import user_role
from ..services import DomainError, audit_record, staff_create, staff_sync_groups
from .constants import (
    RECOVERY_CODE_ALPHABET,
    RECOVERY_CODE_COUNT,
    RECOVERY_CODE_LENGTH,
)
from .selectors import claim_mapping_for, has_app


def normalise_recovery_code(text: str) -> str:
    """What people type back from paper: any case, with or without dashes and spaces."""
    return "".join(ch for ch in text.lower() if ch not in "- \t")


def format_recovery_code(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


@transaction.atomic
def recovery_codes_generate(*, user: AbstractBaseUser, by: AbstractBaseUser) -> list[str]:
    """Make a new set of recovery codes, voiding any earlier set. Returns the codes, formatted;
    this is the only moment they exist in clear text. Audited without the codes."""
    device, _created = RecoveryCodeDevice.objects.select_for_update().get_or_create(
        user=user, defaults={"name": "recovery codes", "confirmed": True}
    )
    voided = device.codes.count()
    device.codes.all().delete()
    codes = [
        "".join(secrets.choice(RECOVERY_CODE_ALPHABET) for _position in range(RECOVERY_CODE_LENGTH))
        for _number in range(RECOVERY_CODE_COUNT)
    ]
    RecoveryCode.objects.bulk_create(
        RecoveryCode(device=device, digest=RecoveryCodeDevice.digest(user.pk, code))
        for code in codes
    )
    device.created_at = timezone.now()
    device.save(update_fields=["created_at"])
    audit_record(
        subject=user,
        actor=by,
        action="recovery_codes_generated",
        changes={"codes": [str(voided), str(RECOVERY_CODE_COUNT)]},
        summary=f"{RECOVERY_CODE_COUNT} recovery codes generated, {voided} unused voided",
    )
    return [format_recovery_code(code) for code in codes]


def _wait_seconds(devices: list[Device]) -> int:
    """Seconds until the slowest throttle of these devices allows another try (0: now)."""
    wait = 0.0
    now = timezone.now()
    for device in devices:
        allowed, detail = device.verify_is_allowed()
        if not allowed and detail and detail.get("locked_until"):
            wait = max(wait, (detail["locked_until"] - now).total_seconds())
    return math.ceil(wait)


def _too_many(seconds: int) -> str:
    return ngettext(
        "Too many wrong codes. Wait %(seconds)d second and try again.",
        "Too many wrong codes. Wait %(seconds)d seconds and try again.",
        seconds,
    ) % {"seconds": seconds}


def second_factor_check(*, user: AbstractBaseUser, code: str, recovery: bool) -> Device:
    """Check a code of the app (``recovery=False``) or a recovery code, and return the device
    that accepted it; raise ``DomainError`` with the Dutch reason otherwise.

    One throttle for both kinds: while any device of the user is throttled nothing is checked,
    and a wrong code moves every device's throttle on, so switching kinds gains no attempts.
    A recovery code is consumed by the statement that accepts it (used once, also under
    concurrent requests: the device rows are locked). Commits its own transaction, so that a
    failure counts even though the caller shows an error.
    """
    refusal = _("Two-step login is not set up for this account.")
    with transaction.atomic():
        apps = list(
            TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).order_by("pk")
        )
        backups = list(RecoveryCodeDevice.objects.select_for_update().filter(user=user))
        devices: list[Device] = [*apps, *backups]
        wait = _wait_seconds(devices)
        if apps and wait:
            refusal = _too_many(wait)
        elif apps:
            candidates: list[Device] = backups if recovery else apps
            token = normalise_recovery_code(code) if recovery else code.strip()
            matched = next((d for d in candidates if d.verify_token(token)), None)
            others = [d for d in devices if d not in candidates]
            if matched is not None:
                for device in others:
                    if device.throttling_failure_count:
                        device.throttle_reset()
                if recovery:
                    left = RecoveryCode.objects.filter(device=matched).count()
                    audit_record(
                        subject=user,
                        actor=user,
                        action="recovery_code_used",
                        changes={"codes_left": str(left)},
                        summary=f"logged in with a recovery code, {left} left",
                    )
                return matched
            for device in others:
                device.throttle_increment()
            if not candidates and recovery:
                refusal = _("There are no recovery codes for this account.")
            elif recovery:
                refusal = _("This recovery code is not correct or has already been used.")
            else:
                refusal = _("This code is not correct. Check the time on your phone.")
    raise DomainError(refusal)


def _lock_user(user: AbstractBaseUser) -> None:
    """Serialise the changes of one person's second factor (two tabs confirming at once)."""
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()


@dataclass
class PendingApp:
    """The app being set up in one session: its secret lives in that session only, never in a
    database row, until a code confirms it. Another session (someone else who knows the
    password, or the same person in another browser) gets its own secret, so a key that was
    never confirmed cannot be enrolled from elsewhere; logging out or the session ending
    discards it. Wrong codes are throttled per session with django-otp's back-off."""

    user_id: int
    key: str
    failures: int = 0
    failed_at: str | None = None

    SESSION_KEY: ClassVar[str] = "sportloket_otp_pending_app"

    @classmethod
    def of(cls, session, user: AbstractBaseUser, *, create: bool) -> PendingApp | None:
        """The session's pending app for ``user``; a new secret when there is none and
        ``create`` is set (only the page that shows the QR code creates one)."""
        data = session.get(cls.SESSION_KEY)
        if isinstance(data, dict) and data.get("user_id") == user.pk and data.get("key"):
            return cls(**data)
        if not create:
            return None
        pending = cls(user_id=user.pk, key=random_hex(20))
        pending.store(session)
        return pending

    def store(self, session) -> None:
        session[self.SESSION_KEY] = asdict(self)

    @classmethod
    def discard(cls, session) -> None:
        session.pop(cls.SESSION_KEY, None)

    def device(self, user: AbstractBaseUser) -> TOTPDevice:
        """An unsaved device with this secret and the session's throttle state."""
        device = TOTPDevice(user=user, name="app", key=self.key, confirmed=False)
        device.throttling_failure_count = self.failures
        device.throttling_failure_timestamp = (
            dt.datetime.fromisoformat(self.failed_at) if self.failed_at else None
        )
        return device

    def verify(self, device: TOTPDevice, token: str) -> bool:
        """Check ``token`` against the unsaved device without writing it (django-otp's
        ``verify_token`` saves the row); the throttle state goes back into this object."""
        try:
            value = int(token.strip())
        except ValueError:
            value = None
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        totp.time = time.time()
        verified = value is not None and totp.verify(value, device.tolerance, device.last_t + 1)
        if verified:
            device.last_t = totp.t()
            device.throttle_reset(commit=False)
        else:
            device.throttle_increment(commit=False)
        self.failures = device.throttling_failure_count
        stamp = device.throttling_failure_timestamp
        self.failed_at = stamp.isoformat() if stamp else None
        return verified


def _confirm_pending(
    *, session, user: AbstractBaseUser, token: str, pending: PendingApp
) -> TOTPDevice | None:
    """The confirmed device made from the session's pending app when ``token`` is right, else
    None (the throttle state is kept in the session). Call inside an atomic block."""
    device = pending.device(user)
    ok = pending.verify(device, token)
    if not ok:
        pending.store(session)
        return None
    device.confirmed = True
    device.save()
    PendingApp.discard(session)
    return device


def two_factor_enrol(
    *, session, user: AbstractBaseUser, token: str
) -> tuple[TOTPDevice, list[str]]:
    """Confirm the app being set up in this session with its current code and make the first
    recovery codes. Refused (``DomainError``) for a wrong code (which counts towards the
    session's throttle), when this session shows no QR code, or when an app is already set up."""
    refusal = _("This code is not correct. Check the time on your phone.")
    with transaction.atomic():
        _lock_user(user)
        pending = PendingApp.of(session, user, create=False)
        if has_app(user):
            refusal = _("Two-step login is already set up for this account.")
        elif pending is None:
            refusal = _("The QR code on this page has expired. Scan the new one and try again.")
        elif wait := _wait_seconds([pending.device(user)]):
            refusal = _too_many(wait)
        elif device := _confirm_pending(session=session, user=user, token=token, pending=pending):
            audit_record(
                subject=user,
                actor=user,
                action="two_factor_enrolled",
                summary="authenticator app set up",
            )
            return device, recovery_codes_generate(user=user, by=user)
    raise DomainError(refusal)


class WrongPassword(DomainError):
    """The account password given to confirm a change of the second factor is not correct."""


def two_factor_replace(*, session, user: AbstractBaseUser, password: str, token: str) -> TOTPDevice:
    """Move two-step login to a new app (a new phone) without an administrator: the account
    password shows it is the person, the new app's current code confirms the new app (whose
    secret this session's page showed). The old app stops working at once; the recovery codes
    stay valid. Refused (``DomainError``) for a wrong password or code, nothing changed; a wrong
    code counts towards the session's throttle."""
    refusal = _("This code is not correct. Check the time on the new phone.")
    with transaction.atomic():
        _lock_user(user)
        pending = PendingApp.of(session, user, create=False)
        if not has_app(user):
            refusal = _("Two-step login is not set up for this account.")
        elif pending is None:
            refusal = _("The QR code on this page has expired. Scan the new one and try again.")
        elif wait := _wait_seconds([pending.device(user)]):
            refusal = _too_many(wait)
        elif not user.check_password(password):
            raise WrongPassword(_("Your password is not correct."))
        else:
            old = list(TOTPDevice.objects.filter(user=user).values_list("pk", flat=True))
            device = _confirm_pending(session=session, user=user, token=token, pending=pending)
            if device is not None:
                TOTPDevice.objects.filter(pk__in=old).delete()
                audit_record(
                    subject=user,
                    actor=user,
                    action="two_factor_app_replaced",
                    summary="authenticator app replaced; the old app no longer works",
                )
                return device
    raise DomainError(refusal)


@transaction.atomic
def two_factor_reset(*, user: AbstractBaseUser, by: AbstractBaseUser) -> bool:
    """Remove the user's app and recovery codes (an administrator's decision, e.g. phone and
    codes lost). Their sessions lose the second factor at once; the next login enrols again.
    Returns False when there was nothing to reset (not audited then)."""
    apps, _per_model = TOTPDevice.objects.filter(user=user).delete()
    backups, _per_model = RecoveryCodeDevice.objects.filter(user=user).delete()
    if not apps and not backups:
        return False
    audit_record(
        subject=user,
        actor=by,
        action="two_factor_reset",
        summary=f"two-step login of {user.get_username()} reset; enrols again at next login",
    )
    return True


def _no_role() -> str:
    return _(
        "Your account at the identity provider gives you no role in Sportloket, so no account "
        "was made. Ask your application administrator to give you access."
    )


def _unique_username(email: str) -> str:
    user_model = get_user_model()
    base = email.lower()[:140]
    username, number = base, 1
    while user_model.objects.filter(username__iexact=username).exists():
        number += 1
        username = f"{base}-{number}"
    return username


def _apply_mapping(*, user: AbstractBaseUser, mapping: ClaimRoleMapping) -> None:
    """Give the user the role and scope of the mapping (a profile is made when missing)."""
    profile = StaffProfile.objects.filter(user=user).first() or StaffProfile(user=user)
    wanted = {
        "role": mapping.role,
        "municipality_id": mapping.municipality_id,
        "desk_id": mapping.desk_id,
        "organisation_id": mapping.organisation_id,
    }
    if profile.pk and all(getattr(profile, name) == value for name, value in wanted.items()):
        return
    for name, value in wanted.items():
        setattr(profile, name, value)
    profile.save()
    staff_sync_groups(profile=profile)
    audit_record(
        subject=user,
        actor=None,
        action="role_from_identity_provider",
        changes={"role": str(mapping.role)},
        summary=f"role {mapping.role} from claim {mapping.claim}={mapping.value}",
    )


@transaction.atomic
def identity_login(*, issuer: str, claims: dict) -> AbstractBaseUser:
    """The account a login through the identity provider opens. Found by the provider's
    subject; at the first login linked to the one account with the (verified) e-mail address,
    or created when the claims map to a role (``ClaimRoleMapping``). An account the provider
    created follows the mappings at every login. Refused (``DomainError``, nothing written) for
    claims that map to no role, an e-mail address shared by several accounts, or a blocked
    account."""
    subject = str(claims.get("sub") or "")
    if not issuer or not subject:
        raise DomainError(_("The identity provider did not say who you are. Try again."))
    user_model = get_user_model()
    mapping = claim_mapping_for(claims)
    link = (
        IdentityProviderLink.objects.select_for_update()
        .select_related("user")
        .filter(issuer=issuer, subject=subject)
        .first()
    )
    if link is None:
        email = str(claims.get("email") or "").strip()
        user = None
        if email and claims.get("email_verified", True) is not False:
            matches = list(user_model.objects.filter(email__iexact=email)[:2])
            if len(matches) > 1:
                raise DomainError(
                    _(
                        "More than one Sportloket account uses your e-mail address. Ask your "
                        "application administrator to link your account."
                    )
                )
            user = matches[0] if matches else None
        if (
            user is not None
            and IdentityProviderLink.objects.filter(user=user, issuer=issuer).exists()
        ):
            raise DomainError(
                _(
                    "Your Sportloket account is already linked to another account at the identity "
                    "provider. Ask your application administrator."
                )
            )
        if user is None:
            if mapping is None:
                raise DomainError(_no_role())
            if not email:
                raise DomainError(
                    _(
                        "The identity provider did not give your e-mail address, so no account "
                        "was made. Ask your application administrator."
                    )
                )
            profile = staff_create(
                username=_unique_username(email),
                email=email,
                password=None,
                role=mapping.role,
                first_name=str(claims.get("given_name") or "")[:150],
                last_name=str(claims.get("family_name") or "")[:150],
                municipality=mapping.municipality,
                desk=mapping.desk,
                organisation=mapping.organisation,
            )
            link = IdentityProviderLink.objects.create(
                user=profile.user, issuer=issuer, subject=subject, managed=True
            )
            summary = "account created at the first login through the identity provider"
        else:
            link = IdentityProviderLink.objects.create(user=user, issuer=issuer, subject=subject)
            summary = "account linked to the identity provider by its e-mail address"
        audit_record(
            subject=link.user,
            actor=link.user,
            action="identity_provider_linked",
            changes={"issuer": issuer},
            summary=summary,
        )
    user = link.user
    if not user.is_active:
        raise DomainError(_("This account is blocked. Ask your application administrator."))
    if link.managed:
        if mapping is None:
            raise DomainError(_no_role())
        _apply_mapping(user=user, mapping=mapping)
    elif user_role(user) is None:
        if mapping is None:
            raise DomainError(_no_role())
        _apply_mapping(user=user, mapping=mapping)
    link.last_login_at = timezone.now()
    link.save(update_fields=["last_login_at"])
    return user


def identity_mfa_device(*, user: AbstractBaseUser) -> IdentityProviderMfaDevice:
    """The device that stands for the second factor the identity provider asserted."""
    device, _created = IdentityProviderMfaDevice.objects.get_or_create(
        user=user, defaults={"name": "identity provider", "confirmed": True}
    )
    return device
