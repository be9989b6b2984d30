"""Read an OpenID Connect provider's discovery document and print the environment variables
that connect Sportloket to it.

    manage.py oidc_discover https://login.gemeente.example/realms/medewerkers

The endpoints are read once, by the operator, and kept in the environment: the web processes
never depend on the provider's discovery document being reachable at start-up, and a changed
document changes nothing until someone looks at it. The document is checked as OpenID Connect
Discovery 1.0 asks (§4.3: its ``issuer`` is exactly the address it was fetched for) and
against what Sportloket needs (the authorization code flow, PKCE with S256, the configured
ID-token signing algorithm).
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

# Discovery field -> the variable Sportloket reads it from.
ENDPOINTS = {
    "authorization_endpoint": "SPORTLOKET_OIDC_AUTHORIZATION_ENDPOINT",
    "token_endpoint": "SPORTLOKET_OIDC_TOKEN_ENDPOINT",
    "userinfo_endpoint": "SPORTLOKET_OIDC_USERINFO_ENDPOINT",
    "jwks_uri": "SPORTLOKET_OIDC_JWKS_ENDPOINT",
}


def discovery_address(issuer: str) -> str:
    """Discovery §4: the issuer with ``/.well-known/openid-configuration`` appended (after any
    trailing slash is removed)."""
    return issuer.rstrip("/") + "/.well-known/openid-configuration"


def secure_endpoint(address: str) -> bool:
    """HTTPS, or plain HTTP to this machine only (a provider run locally for development, as
    RFC 8252 §7.3 allows for loopback). The host is the parsed one, not a prefix of the text:
    ``http://localhost.example.org`` and ``http://localhost@example.org`` go elsewhere."""
    try:
        parts = urlsplit(address)
        host = parts.hostname
    except ValueError:
        return False
    if not host:
        return False
    if parts.scheme == "https":
        return True
    if parts.scheme != "http":
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def read_discovery(issuer: str, *, timeout: float = 10) -> dict:
    """The provider's discovery document, checked; a CommandError that says what is wrong."""
    address = discovery_address(issuer)
    try:
        response = requests.get(address, timeout=timeout, headers={"Accept": "application/json"})
    except requests.RequestException as error:
        raise CommandError(f"Could not reach {address}: {error}") from error
    if response.status_code != 200:
        raise CommandError(f"{address} answered {response.status_code}, not a discovery document.")
    try:
        document = response.json()
    except ValueError as error:
        raise CommandError(f"{address} did not answer JSON.") from error
    if not isinstance(document, dict):
        raise CommandError(f"{address} did not answer a JSON object.")
    if document.get("issuer") != issuer:
        raise CommandError(
            f"The document names the issuer {document.get('issuer')!r}, not {issuer!r}: use "
            "exactly the issuer the provider names (OpenID Connect Discovery 1.0, §4.3)."
        )
    missing = [name for name in ENDPOINTS if not document.get(name)]
    if missing:
        raise CommandError(f"The document has no {', '.join(missing)}.")
    insecure = [name for name in ENDPOINTS if not secure_endpoint(str(document[name]))]
    if insecure:
        raise CommandError(f"Not over HTTPS: {', '.join(insecure)}.")
    response_types = document.get("response_types_supported") or []
    if "code" not in response_types:
        raise CommandError("The provider does not offer the authorization code flow.")
    challenge_methods = document.get("code_challenge_methods_supported")
    if challenge_methods is not None and "S256" not in challenge_methods:
        raise CommandError("The provider does not offer PKCE with S256.")
    algorithms = document.get("id_token_signing_alg_values_supported") or []
    if settings.OIDC_RP_SIGN_ALGO not in algorithms:
        raise CommandError(
            f"The provider does not sign ID tokens with {settings.OIDC_RP_SIGN_ALGO} "
            f"(it offers {', '.join(algorithms) or 'none'}); set SPORTLOKET_OIDC_SIGN_ALGO."
        )
    return document


class Command(BaseCommand):
    help = (
        "Read an OpenID Connect provider's discovery document and print the "
        "SPORTLOKET_OIDC_* variables that connect Sportloket to it."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "issuer",
            nargs="?",
            default=None,
            help="the provider's issuer (default: SPORTLOKET_OIDC_ISSUER)",
        )

    def handle(self, *args, issuer: str | None = None, **options):
        issuer = issuer or settings.SPORTLOKET_OIDC_ISSUER
        if not issuer:
            raise CommandError("Give the provider's issuer, or set SPORTLOKET_OIDC_ISSUER.")
        document = read_discovery(issuer)
        self.stdout.write(f"SPORTLOKET_OIDC_ISSUER={document['issuer']}")
        for field, variable in ENDPOINTS.items():
            self.stdout.write(f"{variable}={document[field]}")
        if settings.OIDC_RP_SIGN_ALGO != "RS256":
            self.stdout.write(f"SPORTLOKET_OIDC_SIGN_ALGO={settings.OIDC_RP_SIGN_ALGO}")
        self.stderr.write(
            "Add SPORTLOKET_OIDC_CLIENT_ID and SPORTLOKET_OIDC_CLIENT_SECRET from the provider's "
            "client registration, and SPORTLOKET_OIDC_SCOPES with the scope of the claim you map."
        )
