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
from django.http import HttpRequest, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import View
from django_otp import login as otp_login

from ..formviews import ServiceFormView
from ..middleware import session_extend
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


class SetupView(LoginRequiredMixin, ServiceFormView):
    """Enrol an authenticator app: one unconfirmed device per user until a code confirms it;
    confirming shows the first recovery codes."""

    rate_limit = "login"

    template_name = "sportloket/otp_setup.html"
    form_class = TokenForm
    error_fields = {DomainError: "token"}

    def get(self, request, *args, **kwargs):
        if has_app(request.user):
            return redirect(reverse(VERIFY_URL_NAME) + f"?next={quote(_next_url(request))}")
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if has_app(request.user):
            return redirect(reverse(VERIFY_URL_NAME))
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            next=_next_url(self.request), **app_key_context(self.request), **kwargs
        )

    def perform(self, form):
        request = self.request
        device, codes = two_factor_enrol(
            session=request.session, user=request.user, token=form.cleaned_data["token"]
        )
        otp_login(request, device)
        return render_new_codes(request, codes, continue_url=_next_url(request), enrolled=True)


class VerifyView(LoginRequiredMixin, ServiceFormView):
    """The second step of every login: the current code of the user's app, or, when the phone
    is not at hand, one of the recovery codes (both POST here: one rate limit for both)."""

    rate_limit = "login"

    template_name = "sportloket/otp_verify.html"

    def recovery(self) -> bool:
        return self.request.method == "POST" and "recovery-code" in self.request.POST

    def get_form_class(self):
        return RecoveryCodeForm if self.recovery() else TokenForm

    def error_field(self, error):
        return "code" if self.recovery() else "token"

    def get(self, request, *args, **kwargs):
        if not has_app(request.user):
            return redirect(reverse(SETUP_URL_NAME) + f"?next={quote(_next_url(request))}")
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        form = kwargs.pop("form", None) or self.get_form()
        if self.recovery():
            # The recovery form is the one being corrected: focus stays there.
            token_form, recovery_form = TokenForm(), form
            token_form.fields["token"].widget.attrs.pop("autofocus", None)
            recovery_form.fields["code"].widget.attrs["autofocus"] = True
        else:
            token_form, recovery_form = form, RecoveryCodeForm()
        return super().get_context_data(
            form=token_form,
            recovery_form=recovery_form,
            recovery_open=recovery_form.is_bound,
            next=_next_url(self.request),
            **kwargs,
        )

    def perform(self, form):
        request, recovery = self.request, self.recovery()
        device = second_factor_check(
            user=request.user,
            code=form.cleaned_data["code" if recovery else "token"],
            recovery=recovery,
        )
        otp_login(request, device)
        if recovery:
            messages.info(request, _("You logged in with a recovery code."))
        _warn_when_few_left(request)
        return redirect(_next_url(request))


class RecoveryCodesView(LoginRequiredMixin, ServiceFormView):
    """How many recovery codes are left, and a new set in exchange for a current app code
    (someone who walked away from an unlocked screen cannot make codes for themselves)."""

    rate_limit = "login"

    template_name = "sportloket/otp_recovery_codes.html"
    form_class = TokenForm
    error_fields = {DomainError: "token"}

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        form.fields["token"].widget.attrs.pop("autofocus", None)
        return form

    def get_context_data(self, **kwargs):
        user = self.request.user
        device = RecoveryCodeDevice.objects.filter(user=user).first()
        left = recovery_codes_left(user)
        return super().get_context_data(
            enrolled=left is not None,
            left=left,
            low=left is not None and left <= RECOVERY_CODES_LOW,
            generated_at=device.created_at if device else None,
            total=RECOVERY_CODE_COUNT,
            **kwargs,
        )

    def perform(self, form):
        user = self.request.user
        second_factor_check(user=user, code=form.cleaned_data["token"], recovery=False)
        codes = recovery_codes_generate(user=user, by=user)
        return render_new_codes(
            self.request, codes, continue_url=reverse("otp_recovery_codes"), enrolled=False
        )


class ReplaceAppView(LoginRequiredMixin, ServiceFormView):
    """A new phone: scan a new QR code, confirm with the password and the new app's code. Only
    for a session that passed the second factor (the middleware sees to that)."""

    rate_limit = "login"

    template_name = "sportloket/otp_replace.html"
    form_class = ReplaceAppForm
    error_fields = {WrongPassword: "password", DomainError: "token"}
    success_url = reverse_lazy("otp_recovery_codes")
    success_message = gettext_lazy(
        "Your new app is set up. The old app no longer works; your recovery codes still do."
    )

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not has_app(request.user):
            return redirect(reverse(SETUP_URL_NAME))
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(**app_key_context(self.request), **kwargs)

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        add_never_cache_headers(response)
        return response

    def perform(self, form):
        device = two_factor_replace(
            session=self.request.session,
            user=self.request.user,
            password=form.cleaned_data["password"],
            token=form.cleaned_data["token"],
        )
        otp_login(self.request, device)


class SessionKeepAliveView(LoginRequiredMixin, View):
    """The session warning's "stay logged in" button (static/js/session-timeout.js): a POST
    that counts as activity, so the idle logout starts counting again. A session that has
    already ended is not revived: SessionTimeoutMiddleware logged it out before this view, and
    LoginRequiredMixin sends the request to the login page."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> JsonResponse:
        idle_left, absolute_left = session_extend(request.session)
        response = JsonResponse({"idle_seconds": idle_left, "absolute_seconds": absolute_left})
        add_never_cache_headers(response)
        return response
