"""Sign-in through the municipality's identity provider (OpenID Connect, mozilla-django-oidc).

The authorization code flow with PKCE and a nonce: the start view sends the browser to the
provider, the callback view takes the code back, the backend exchanges it for tokens, checks
the ID token (signature from the provider's JWKS, algorithm, nonce, and — which the library
leaves out — issuer and audience) and hands the claims to ``services.identity_login``, which
finds, links or creates the account. A refusal comes back to the login page as a Dutch
message; a forged or replayed callback (unknown state, bad signature) too, and is logged.

When the provider asserts a second factor (``amr``/``acr``, ``selectors.claims_assert_mfa``)
the session counts as verified (``IdentityProviderMfaDevice``); otherwise the product's own
two-step login follows as after a password login.
"""

from __future__ import annotations

import logging

import requests
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.views import LoginView
from django.core.exceptions import SuspiciousOperation
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View
from django_otp import login as otp_login
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from ..services import DomainError
from .selectors import claims_assert_mfa
from .services import identity_login, identity_mfa_device

logger = logging.getLogger(__name__)

REQUIRED_SETTINGS = (
    "OIDC_RP_CLIENT_ID",
    "OIDC_RP_CLIENT_SECRET",
    "OIDC_OP_AUTHORIZATION_ENDPOINT",
    "OIDC_OP_TOKEN_ENDPOINT",
    "OIDC_OP_USER_ENDPOINT",
    "OIDC_OP_JWKS_ENDPOINT",
)


def oidc_enabled() -> bool:
    """Whether this installation has an identity provider configured."""
    return all(getattr(settings, name, "") for name in REQUIRED_SETTINGS)


def provider_name() -> str:
    return settings.SPORTLOKET_OIDC_PROVIDER_NAME or _("your municipality's account")


def not_a_password_attempt(request, credentials: dict | None = None) -> bool:
    """django-axes' whitelist (``AXES_WHITELIST_CALLABLE``): a callback of the identity
    provider (its credentials carry the login's nonce) is no password guess and must not count
    towards the lockout of the empty user name from the client's address, which would lock a
    whole town hall out of single sign-on after a few refusals. The provider throttles its own
    password checks; a callback is good once (state and nonce)."""
    return bool(credentials) and "nonce" in credentials


class IdentityProviderBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend with this product's account rules. Inert (authenticates
    nobody) until the provider is configured, so it can stay in AUTHENTICATION_BACKENDS."""

    def __init__(self, *args, **kwargs):
        self.enabled = oidc_enabled()
        if self.enabled:
            super().__init__(*args, **kwargs)
        else:
            self.UserModel = get_user_model()

    def authenticate(self, request, **kwargs):
        # Only the callback view passes a nonce; a password login never reaches the provider.
        if not self.enabled or request is None or "nonce" not in kwargs:
            return None
        return super().authenticate(request, **kwargs)

    def verify_token(self, token, **kwargs):
        """The library checks signature, algorithm and nonce; the issuer and the audience are
        checked here (a token the provider made for another client is refused)."""
        payload = super().verify_token(token, **kwargs)
        issuer = settings.SPORTLOKET_OIDC_ISSUER
        if issuer and payload.get("iss") != issuer:
            raise SuspiciousOperation("ID token from another issuer")
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("ID token for another client")
        return payload

    def get_userinfo(self, access_token, id_token, payload):
        """The userinfo claims, with what only the ID token says (how the person logged in:
        ``amr``, ``acr``; who issued it). The subjects must agree."""
        claims = dict(super().get_userinfo(access_token, id_token, payload))
        if str(claims.get("sub", payload.get("sub"))) != str(payload.get("sub")):
            raise SuspiciousOperation("userinfo of another subject")
        for name in ("sub", "iss", "amr", "acr"):
            if name in payload:
                claims[name] = payload[name]
        return claims

    def get_or_create_user(self, access_token, id_token, payload):
        claims = self.get_userinfo(access_token, id_token, payload)
        try:
            user = identity_login(
                issuer=str(payload.get("iss") or settings.SPORTLOKET_OIDC_ISSUER), claims=claims
            )
        except DomainError as refusal:
            self.request.oidc_refusal = refusal.message
            logger.info("identity provider login refused: %s", refusal.message)
            return None
        self.request.oidc_mfa = claims_assert_mfa(claims)
        return user


class IdentityProviderStartView(OIDCAuthenticationRequestView):
    """Send the browser to the identity provider (404 while none is configured)."""

    rate_limit = "sso"

    def __init__(self, **kwargs):
        View.__init__(self, **kwargs)

    def get(self, request):
        if not oidc_enabled():
            raise Http404
        self.OIDC_OP_AUTH_ENDPOINT = settings.OIDC_OP_AUTHORIZATION_ENDPOINT
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        return super().get(request)


class IdentityProviderCallbackView(OIDCAuthenticationCallbackView):
    """The provider's answer. Success: logged in, and with the provider's second factor the
    session counts as verified. Anything else: back to the login page with the reason."""

    rate_limit = "sso"

    def get(self, request):
        if not oidc_enabled():
            raise Http404
        if request.GET.get("error"):
            request.oidc_refusal = _("Logging in with %(provider)s was cancelled.") % {
                "provider": provider_name()
            }
        try:
            return super().get(request)
        except (SuspiciousOperation, requests.RequestException, ValueError) as error:
            # A callback that does not belong to a login started here (unknown or replayed
            # state), a token with a bad signature, or a provider that answered nonsense.
            logger.warning("identity provider callback refused: %s", error)
            return self.login_failure()

    def login_failure(self):
        messages.error(
            self.request,
            getattr(self.request, "oidc_refusal", None)
            or _(
                "Logging in with %(provider)s did not succeed. Try again, or log in with your "
                "Sportloket user name and password."
            )
            % {"provider": provider_name()},
        )
        return redirect(settings.LOGIN_URL)

    def login_success(self):
        response = super().login_success()
        if getattr(self.request, "oidc_mfa", False):
            otp_login(self.request, identity_mfa_device(user=self.user))
        return response


class SignInView(LoginView):
    """The login page: the password form, and when the installation has an identity provider,
    the button that signs in through it (partners without one keep the password)."""

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            sso_enabled=oidc_enabled(), sso_provider=provider_name(), **kwargs
        )
