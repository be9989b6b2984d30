"""Pages of two-step login: enrolment, the second step, recovery codes, a new phone."""

from __future__ import annotations

import base64
import io
from base64 import b32encode
from urllib.parse import quote

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View
from django_otp import login as otp_login

from ..models import RecoveryCodeDevice
from ..redirects import safe_next
from ..services import DomainError
from .constants import (
    RECOVERY_CODE_COUNT,
    RECOVERY_CODES_LOW,
    SETUP_URL_NAME,
    VERIFY_URL_NAME,
)
from .forms import RecoveryCodeForm, ReplaceAppForm, TokenForm
from .selectors import has_app, recovery_codes_left
from .services import (
    PendingApp,
    WrongPassword,
    recovery_codes_generate,
    second_factor_check,
    two_factor_enrol,
    two_factor_replace,
)


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

    rate_limit = "login"

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

    rate_limit = "login"

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

    rate_limit = "login"

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

    rate_limit = "login"

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
