"""``manage.py oidc_discover``: the endpoints read from a real provider's discovery document
(tests/sso/provider) are the ones the sign-in tests configure by hand, and a document that
does not belong to the issuer, a provider that is not there, or an endpoint over plain HTTP to
another machine is refused with the reason."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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


@pytest.fixture
def discovery_server():
    """A plain HTTP server on a loopback port that serves the discovery document the test puts
    in ``documents`` (its issuer is the server's own address); the issuer is yielded."""
    documents: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = json.dumps(documents[-1]).encode()
            found = self.path == "/o/.well-known/openid-configuration"
            self.send_response(200 if found else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    issuer = f"http://127.0.0.1:{server.server_address[1]}/o"

    def serve(**endpoints) -> str:
        documents.append(
            {
                "issuer": issuer,
                "authorization_endpoint": "https://login.gemeente.example/o/authorize/",
                "token_endpoint": "https://login.gemeente.example/o/token/",
                "userinfo_endpoint": "https://login.gemeente.example/o/userinfo/",
                "jwks_uri": "https://login.gemeente.example/o/jwks.json",
                "response_types_supported": ["code"],
                "code_challenge_methods_supported": ["S256"],
                "id_token_signing_alg_values_supported": ["RS256"],
                **endpoints,
            }
        )
        return issuer

    yield serve
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.mark.parametrize(
    "token_endpoint",
    [
        "http://login.gemeente.example/o/token/",
        # Loopback names as a prefix of another host, or as the user name before it.
        "http://localhost.gemeente.example/o/token/",
        "http://127.0.0.1.gemeente.example/o/token/",
        "http://localhost@login.gemeente.example/o/token/",
        "http://127.0.0.1:80@login.gemeente.example/o/token/",
    ],
)
def test_an_endpoint_over_plain_http_to_another_machine_is_refused(
    discovery_server, token_endpoint
):
    issuer = discovery_server(token_endpoint=token_endpoint)
    with pytest.raises(CommandError, match="Not over HTTPS: token_endpoint"):
        discover(issuer)


@pytest.mark.parametrize(
    "token_endpoint",
    ["http://127.0.0.1:8000/o/token/", "http://localhost:8000/o/token/", "http://[::1]/o/token/"],
)
def test_an_endpoint_over_plain_http_on_this_machine_is_accepted(discovery_server, token_endpoint):
    """A provider run locally for development (loopback, RFC 8252 §7.3)."""
    issuer = discovery_server(token_endpoint=token_endpoint)
    assert discover(issuer)["SPORTLOKET_OIDC_TOKEN_ENDPOINT"] == token_endpoint
