"""Who is calling: an organisation's API token, or a logged-in browser session (with CSRF)."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import (
    BaseAuthentication,
    SessionAuthentication,
    get_authorization_header,
)

from . import selectors, services


class ApiTokenAuthentication(BaseAuthentication):
    """``Authorization: Bearer slk_…``. The request then runs as the token's staff account,
    with its role and scope, exactly as that person would on the pages."""

    keyword = b"bearer"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                _("Send the token as: Authorization: Bearer <token>.")
            )
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed(
                _("This API token is unknown or revoked.")
            ) from exc
        token = selectors.api_token_for_key(key=key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("This API token is unknown or revoked."))
        services.api_token_used(token=token)
        return token.user, token

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


class VerifiedSessionAuthentication(SessionAuthentication):
    """The browser session, with Django's CSRF check on writes. Where two-step login is
    required, a session that has not passed it gets no API access (the pages send that user
    to the verification first; the API refuses)."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        user = result[0]
        if settings.SPORTLOKET_REQUIRE_2FA and not getattr(user, "is_verified", lambda: False)():
            raise exceptions.AuthenticationFailed(
                _("Complete the two-step login first, then try again.")
            )
        return result
