"""``manage.py oidc_discover``: the endpoints read from a real provider's discovery document
(tests/sso/provider) are the ones the sign-in tests configure by hand, and a document that
does not belong to the issuer, or a provider that is not there, is refused with the reason."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from tests.s3 import free_port


def discover(*args) -> dict[str, str]:
    out, err = StringIO(), StringIO()
    call_command("oidc_discover", *args, stdout=out, stderr=err)
    assert "SPORTLOKET_OIDC_CLIENT_ID" in err.getvalue()
    return dict(line.split("=", 1) for line in out.getvalue().splitlines())


def test_the_printed_variables_are_the_provider_s_endpoints(identity_provider):
    expected = identity_provider.settings()
    assert discover(identity_provider.issuer) == {
        "SPORTLOKET_OIDC_ISSUER": expected["SPORTLOKET_OIDC_ISSUER"],
        "SPORTLOKET_OIDC_AUTHORIZATION_ENDPOINT": expected["OIDC_OP_AUTHORIZATION_ENDPOINT"],
        "SPORTLOKET_OIDC_TOKEN_ENDPOINT": expected["OIDC_OP_TOKEN_ENDPOINT"],
        "SPORTLOKET_OIDC_USERINFO_ENDPOINT": expected["OIDC_OP_USER_ENDPOINT"],
        "SPORTLOKET_OIDC_JWKS_ENDPOINT": expected["OIDC_OP_JWKS_ENDPOINT"],
    }


def test_the_issuer_defaults_to_the_configured_one(identity_provider):
    with override_settings(SPORTLOKET_OIDC_ISSUER=identity_provider.issuer):
        assert discover()["SPORTLOKET_OIDC_ISSUER"] == identity_provider.issuer


def test_a_document_that_names_another_issuer_is_refused(identity_provider):
    # The same document read through a slightly different address (a trailing slash): the
    # issuer it names is not the one asked for, so its endpoints are not trusted.
    with pytest.raises(CommandError, match="names the issuer"):
        discover(identity_provider.issuer + "/")


def test_a_provider_that_signs_with_another_algorithm_is_refused(identity_provider):
    with override_settings(OIDC_RP_SIGN_ALGO="ES256"):
        with pytest.raises(CommandError, match="ES256"):
            discover(identity_provider.issuer)


def test_an_address_without_a_discovery_document_is_refused(identity_provider):
    with pytest.raises(CommandError, match="answered 404"):
        discover(f"{identity_provider.url}/nowhere")


def test_an_unreachable_provider_is_refused():
    with pytest.raises(CommandError, match="Could not reach"):
        discover(f"http://127.0.0.1:{free_port()}/realms/medewerkers")


def test_without_an_issuer_the_command_says_what_to_give():
    with override_settings(SPORTLOKET_OIDC_ISSUER=""):
        with pytest.raises(CommandError, match="SPORTLOKET_OIDC_ISSUER"):
            discover()
