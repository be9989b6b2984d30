"""The gate of two-step login."""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

from .constants import (
    OPEN_URL_NAMES,
    SETUP_URL_NAME,
    VERIFY_URL_NAME,
)
from .selectors import has_app


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
