"""Two-factor login for staff (TOTP, django-otp), as OWASP ASVS level 2 asks.

With ``SPORTLOKET_REQUIRE_2FA`` on (production default), a logged-in user who has not passed
the second factor in this session can only reach the enrolment page (no app yet: scan a QR
code, confirm with a code), the verification page (the code of their app, or a recovery code)
and log out. The QR code is drawn on the server as SVG (no external service sees the secret) and
shown as a data: image together with the secret in text, for people who cannot scan.

Recovery codes (``sportloket.models.RecoveryCodeDevice``): ten single-use codes made when the
app is confirmed, shown once, stored only as keyed hashes. A new set (which voids the old one)
needs a current code of the app. One throttle guards both kinds of code: every wrong code, of
either kind, doubles the wait before the next try (django-otp's back-off: 1, 2, 4, … s), and the
verification POSTs share the login rate limit. An administrator can reset a person's second
factor (``two_factor_reset``) so that someone who lost both phone and codes can enrol again.

A new phone needs no administrator: a verified session moves two-step login to a new app with
the account password and the new app's code (``two_factor_replace``); the old app stops working.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import math
import secrets
import time
from base64 import b32encode
from dataclasses import asdict, dataclass
from typing import ClassVar
from urllib.parse import quote

import qrcode
import qrcode.image.svg
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import View
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from .models import RecoveryCode, RecoveryCodeDevice
from .redirects import safe_next
from .services import DomainError, audit_record

SETUP_URL_NAME = "otp_setup"
VERIFY_URL_NAME = "otp_verify"
# What an unverified user may still open.
OPEN_URL_NAMES = {SETUP_URL_NAME, VERIFY_URL_NAME, "logout", "set_language"}

RECOVERY_CODE_COUNT = 10
# At or below this many unused codes, the person is told to make a new set.
RECOVERY_CODES_LOW = 3
# 31 letters and digits without the look-alikes 0/o, 1/l/i: 12 of them are ~59 bits.
RECOVERY_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_CODE_LENGTH = 12


# --- Selectors ---------------------------------------------------------------------------------


def has_app(user: AbstractBaseUser) -> bool:
    """Whether the user has a confirmed authenticator app (recovery codes alone are not an
    enrolment: after a reset the person enrols again)."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user: AbstractBaseUser) -> int | None:
    """Unused recovery codes of the user; None when two-step login is not set up."""
    if not user.is_authenticated or not has_app(user):
        return None
    return RecoveryCode.objects.filter(device__user=user).count()


# --- Services ----------------------------------------------------------------------------------


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


# --- Middleware --------------------------------------------------------------------------------


class TwoFactorMiddleware:
    """After django_otp's OTPMiddleware: send unverified staff to enrolment or verification."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not settings.SPORTLOKET_REQUIRE_2FA:
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or user.is_verified():
            return None
        match = request.resolver_match
        if match is not None and match.url_name in OPEN_URL_NAMES:
            return None
        target = VERIFY_URL_NAME if has_app(user) else SETUP_URL_NAME
        return redirect(f"{reverse(target)}?next={quote(request.get_full_path())}")


# --- Forms and views ---------------------------------------------------------------------------


class TokenForm(forms.Form):
    token = forms.CharField(
        label=gettext_lazy("Code from your authenticator app"),
        min_length=6,
        max_length=6,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_token(self) -> str:
        token = self.cleaned_data["token"].strip()
        if not token.isdigit():
            raise forms.ValidationError(gettext_lazy("Enter the 6 digits shown in your app."))
        return token


class RecoveryCodeForm(forms.Form):
    prefix = "recovery"

    code = forms.CharField(
        label=gettext_lazy("Recovery code"),
        help_text=gettext_lazy("One of the codes you saved, for example abcd-efgh-jkmn."),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "none",
                "spellcheck": "false",
                "maxlength": 40,
            }
        ),
    )

    def clean_code(self) -> str:
        code = normalise_recovery_code(self.cleaned_data["code"])
        if len(code) != RECOVERY_CODE_LENGTH or any(
            ch not in RECOVERY_CODE_ALPHABET for ch in code
        ):
            raise forms.ValidationError(
                gettext_lazy("A recovery code has 12 letters and digits, like abcd-efgh-jkmn.")
            )
        return code


class ReplaceAppForm(TokenForm):
    password = forms.CharField(
        label=gettext_lazy("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )
    field_order = ["password", "token"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["token"].label = gettext_lazy("Code from the app on your new phone")
        self.fields["token"].widget.attrs.pop("autofocus", None)


def _next_url(request) -> str:
    return safe_next(request) or reverse("home")


def qr_data_uri(text: str) -> str:
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def app_key_context(request) -> dict:
    """The QR code and the key in groups of four (for people who cannot scan) of the app being
    set up in this session. Writes nothing but the session."""
    device = PendingApp.of(request.session, request.user, create=True).device(request.user)
    secret = b32encode(device.bin_key).decode()
    return {
        "qr": qr_data_uri(device.config_url),
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
    }


def render_new_codes(request, codes: list[str], *, continue_url: str, enrolled: bool):
    """The one page that shows a new set of codes: never cached, never stored; the download
    is a data: link, so the codes do not pass the server a second time."""
    text = "\n".join(
        [
            _("Sportloket recovery codes for %(user)s") % {"user": request.user.get_username()},
            _("Each code works once. Keep them somewhere safe, away from your phone."),
            "",
            *codes,
            "",
        ]
    )
    context = {
        "codes": codes,
        "download": "data:text/plain;charset=utf-8," + quote(text),
        "continue_url": continue_url,
        "enrolled": enrolled,
    }
    response = render(request, "sportloket/otp_recovery_codes_new.html", context)
    add_never_cache_headers(response)
    return response


def _warn_when_few_left(request) -> None:
    left = recovery_codes_left(request.user)
    if left is None or left > RECOVERY_CODES_LOW:
        return
    if left == 0:
        messages.warning(
            request,
            _("You have no recovery codes left. Make new ones under “Two-step login”."),
        )
        return
    messages.warning(
        request,
        ngettext(
            "Only %(count)d recovery code left. Make new ones under “Two-step login”.",
            "Only %(count)d recovery codes left. Make new ones under “Two-step login”.",
            left,
        )
        % {"count": left},
    )


class SetupView(LoginRequiredMixin, View):
    """Enrol an authenticator app: one unconfirmed device per user until a code confirms it;
    confirming shows the first recovery codes."""

    template_name = "sportloket/otp_setup.html"

    def render_page(self, request, form, status=200):
        if has_app(request.user):
            return redirect(reverse(VERIFY_URL_NAME) + f"?next={quote(_next_url(request))}")
        context = {
            "form": form,
            "next": _next_url(request),
            **app_key_context(request),
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request):
        return self.render_page(request, TokenForm())

    def post(self, request):
        if has_app(request.user):
            return redirect(reverse(VERIFY_URL_NAME))
        form = TokenForm(request.POST)
        if form.is_valid():
            try:
                device, codes = two_factor_enrol(
                    session=request.session, user=request.user, token=form.cleaned_data["token"]
                )
            except DomainError as error:
                form.add_error("token", error.message)
            else:
                otp_login(request, device)
                return render_new_codes(
                    request, codes, continue_url=_next_url(request), enrolled=True
                )
        return self.render_page(request, form, status=400)


class VerifyView(LoginRequiredMixin, View):
    """The second step of every login: the current code of the user's app, or, when the phone
    is not at hand, one of the recovery codes (both POST here: one rate limit for both)."""

    template_name = "sportloket/otp_verify.html"

    def render_page(self, request, form, recovery_form, status=200):
        if recovery_form.is_bound:
            # The recovery form is the one being corrected: focus stays there.
            form.fields["token"].widget.attrs.pop("autofocus", None)
            recovery_form.fields["code"].widget.attrs["autofocus"] = True
        context = {
            "form": form,
            "recovery_form": recovery_form,
            "recovery_open": recovery_form.is_bound,
            "next": _next_url(request),
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request):
        if not has_app(request.user):
            return redirect(reverse(SETUP_URL_NAME) + f"?next={quote(_next_url(request))}")
        return self.render_page(request, TokenForm(), RecoveryCodeForm())

    def post(self, request):
        recovery = "recovery-code" in request.POST
        form = RecoveryCodeForm(request.POST) if recovery else TokenForm(request.POST)
        field = "code" if recovery else "token"
        if form.is_valid():
            try:
                device = second_factor_check(
                    user=request.user, code=form.cleaned_data[field], recovery=recovery
                )
            except DomainError as error:
                form.add_error(field, error.message)
            else:
                otp_login(request, device)
                if recovery:
                    messages.info(request, _("You logged in with a recovery code."))
                _warn_when_few_left(request)
                return redirect(_next_url(request))
        if recovery:
            return self.render_page(request, TokenForm(), form, status=400)
        return self.render_page(request, form, RecoveryCodeForm(), status=400)


class RecoveryCodesView(LoginRequiredMixin, View):
    """How many recovery codes are left, and a new set in exchange for a current app code
    (someone who walked away from an unlocked screen cannot make codes for themselves)."""

    template_name = "sportloket/otp_recovery_codes.html"

    def render_page(self, request, form, status=200):
        form.fields["token"].widget.attrs.pop("autofocus", None)
        device = RecoveryCodeDevice.objects.filter(user=request.user).first()
        left = recovery_codes_left(request.user)
        context = {
            "form": form,
            "enrolled": left is not None,
            "left": left,
            "low": left is not None and left <= RECOVERY_CODES_LOW,
            "generated_at": device.created_at if device else None,
            "total": RECOVERY_CODE_COUNT,
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request):
        return self.render_page(request, TokenForm())

    def post(self, request):
        form = TokenForm(request.POST)
        if form.is_valid():
            try:
                second_factor_check(
                    user=request.user, code=form.cleaned_data["token"], recovery=False
                )
            except DomainError as error:
                form.add_error("token", error.message)
            else:
                codes = recovery_codes_generate(user=request.user, by=request.user)
                return render_new_codes(
                    request, codes, continue_url=reverse("otp_recovery_codes"), enrolled=False
                )
        return self.render_page(request, form, status=400)


class ReplaceAppView(LoginRequiredMixin, View):
    """A new phone: scan a new QR code, confirm with the password and the new app's code. Only
    for a session that passed the second factor (the middleware sees to that)."""

    template_name = "sportloket/otp_replace.html"

    def render_page(self, request, form, status=200):
        if not has_app(request.user):
            return redirect(reverse(SETUP_URL_NAME))
        context = {"form": form, **app_key_context(request)}
        response = render(request, self.template_name, context, status=status)
        add_never_cache_headers(response)
        return response

    def get(self, request):
        return self.render_page(request, ReplaceAppForm())

    def post(self, request):
        form = ReplaceAppForm(request.POST)
        if form.is_valid():
            try:
                device = two_factor_replace(
                    session=request.session,
                    user=request.user,
                    password=form.cleaned_data["password"],
                    token=form.cleaned_data["token"],
                )
            except WrongPassword as error:
                form.add_error("password", error.message)
            except DomainError as error:
                form.add_error("token", error.message)
            else:
                otp_login(request, device)
                messages.success(
                    request,
                    _(
                        "Your new app is set up. The old app no longer works; "
                        "your recovery codes still do."
                    ),
                )
                return redirect("otp_recovery_codes")
        return self.render_page(request, form, status=400)
