"""The test identity provider (tests/sso/provider), started once per test session in its own
process on a free port, and the settings that point Sportloket at it."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.test import override_settings

from tests.conftest import BASE_DIR, wait_until

IDP_PASSWORD = "idp-wachtwoord-123"  # noqa: S105
CLIENT_ID = "sportloket"
CLIENT_SECRET = "sportloket-client-secret"  # noqa: S105
CALLBACK = "/account/sso/terug/"

# People at the municipality's provider. Groups named amr:<value> become the amr claim.
PEOPLE = [
    {
        "username": "anna",
        "email": "anna.jansen@utrecht.example",
        "first_name": "Anna",
        "last_name": "Jansen",
        "groups": ["sportloket-beleid-utrecht", "amr:mfa", "amr:pwd", "amr:otp"],
    },
    {
        "username": "bram",
        "email": "bram.visser@utrecht.example",
        "first_name": "Bram",
        "last_name": "Visser",
        "groups": ["sportloket-beleid-utrecht"],
    },
    {
        "username": "carla",
        "email": "carla.smit@utrecht.example",
        "groups": ["facilitair-bedrijf", "amr:mfa"],
    },
    {
        "username": "dirk",
        "email": "Dirk.Bos@Utrecht.example",
        "groups": ["amr:mfa"],
    },
]


@dataclass(frozen=True)
class IdentityProvider:
    url: str
    workdir: Path

    @property
    def issuer(self) -> str:
        return f"{self.url}/o"

    def settings(self, **extra) -> dict:
        return {
            "SPORTLOKET_OIDC_PROVIDER_NAME": "Gemeente-account",
            "SPORTLOKET_OIDC_ISSUER": self.issuer,
            "OIDC_OP_AUTHORIZATION_ENDPOINT": f"{self.issuer}/authorize/",
            "OIDC_OP_TOKEN_ENDPOINT": f"{self.issuer}/token/",
            "OIDC_OP_USER_ENDPOINT": f"{self.issuer}/userinfo/",
            "OIDC_OP_JWKS_ENDPOINT": f"{self.issuer}/.well-known/jwks.json",
            "OIDC_RP_CLIENT_ID": CLIENT_ID,
            "OIDC_RP_CLIENT_SECRET": CLIENT_SECRET,
            **extra,
        }


@pytest.fixture(scope="session")
def identity_provider(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("idp")
    spec = workdir / "spec.json"
    spec.write_text(
        json.dumps(
            {
                "users": [{**person, "password": IDP_PASSWORD} for person in PEOPLE],
                "client": {
                    "client_id": CLIENT_ID,
                    "client_secret": CLIENT_SECRET,
                    # The Django test client's host, and the live server on a loopback address
                    # (any port, RFC 8252).
                    "redirect_uris": [
                        f"http://testserver{CALLBACK}",
                        f"http://127.0.0.1{CALLBACK}",
                    ],
                },
            }
        )
    )
    log = (workdir / "idp.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.sso.provider.serve", str(workdir), str(spec)],
        cwd=BASE_DIR,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    port_file = workdir / "port"

    def ready():
        if process.poll() is not None:
            pytest.fail("identity provider exited:\n" + (workdir / "idp.log").read_text())
        return port_file.exists() and port_file.read_text().strip()

    port = wait_until(ready, timeout=120, interval=0.1)
    yield IdentityProvider(url=f"http://127.0.0.1:{port}", workdir=workdir)
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture
def sso(identity_provider):
    """Sportloket pointed at the test provider (more settings as keyword arguments)."""
    with override_settings(**identity_provider.settings()):
        yield identity_provider
