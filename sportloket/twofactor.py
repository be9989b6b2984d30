"""Two-factor login for staff (TOTP, django-otp), as OWASP ASVS level 2 asks.

With ``SPORTLOKET_REQUIRE_2FA`` on (production default), a logged-in user who has not passed
the second factor in this session can only reach the enrolment page (no device yet: scan a QR
code, confirm with a code), the verification page (enter the code of their app) and log out.
The QR code is drawn on the server as SVG (no external service sees the secret) and shown as a
data: image together with the secret in text, for people who cannot scan.
"""

from __future__ import annotations

import base64
import io
from base64 import b32encode
from urllib.parse import quote

import qrcode
import qrcode.image.svg
from django import forms
from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views import View
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

SETUP_URL_NAME = "otp_setup"
VERIFY_URL_NAME = "otp_verify"
# What an unverified user may still open.
OPEN_URL_NAMES = {SETUP_URL_NAME, VERIFY_URL_NAME, "logout", "set_language"}


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
        target = VERIFY_URL_NAME if user_has_device(user, confirmed=True) else SETUP_URL_NAME
        return redirect(f"{reverse(target)}?next={quote(request.get_full_path())}")


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Code from your authenticator app"),
        min_length=6,
        max_length=6,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_token(self) -> str:
        token = self.cleaned_data["token"].strip()
        if not token.isdigit():
            raise forms.ValidationError(_("Enter the 6 digits shown in your app."))
        return token


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse("home")


def qr_data_uri(text: str) -> str:
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


class SetupView(LoginRequiredMixin, View):
    """Enrol an authenticator app: one unconfirmed device per user until a code confirms it."""

    template_name = "sportloket/otp_setup.html"

    def device(self, user) -> TOTPDevice:
        device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
        return device or TOTPDevice.objects.create(user=user, name="app", confirmed=False)

    def render_page(self, request, form, status=200):
        if user_has_device(request.user, confirmed=True):
            return redirect(reverse(VERIFY_URL_NAME) + f"?next={quote(_next_url(request))}")
        device = self.device(request.user)
        secret = b32encode(device.bin_key).decode()
        context = {
            "form": form,
            "qr": qr_data_uri(device.config_url),
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "next": _next_url(request),
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request):
        return self.render_page(request, TokenForm())

    def post(self, request):
        if user_has_device(request.user, confirmed=True):
            return redirect(reverse(VERIFY_URL_NAME))
        form = TokenForm(request.POST)
        device = self.device(request.user)
        if form.is_valid() and device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            return redirect(_next_url(request))
        if form.is_valid():
            form.add_error("token", _("This code is not correct. Check the time on your phone."))
        return self.render_page(request, form, status=400)


class VerifyView(LoginRequiredMixin, View):
    """The second step of every login: the current code of the user's app."""

    template_name = "sportloket/otp_verify.html"

    def get(self, request):
        if not user_has_device(request.user, confirmed=True):
            return redirect(reverse(SETUP_URL_NAME) + f"?next={quote(_next_url(request))}")
        return render(
            request, self.template_name, {"form": TokenForm(), "next": _next_url(request)}
        )

    def post(self, request):
        form = TokenForm(request.POST)
        if form.is_valid():
            for device in TOTPDevice.objects.filter(user=request.user, confirmed=True):
                if device.verify_token(form.cleaned_data["token"]):
                    otp_login(request, device)
                    return redirect(_next_url(request))
            form.add_error("token", _("This code is not correct. Check the time on your phone."))
        context = {"form": form, "next": _next_url(request)}
        return render(request, self.template_name, context, status=400)
