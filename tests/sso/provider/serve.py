"""Run the test identity provider: ``python -m tests.sso.provider.serve WORKDIR SPEC``.

Binds a free port on 127.0.0.1 first (the issuer names it), makes its own SQLite database in
WORKDIR, creates the users and the client of the JSON file SPEC, writes the port to
WORKDIR/port when it serves, and serves until it is terminated.

SPEC: ``{"users": [{"username", "password", "email", "first_name", "last_name", "groups"}],
"client": {"client_id", "client_secret", "redirect_uris": [...]}}``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server


class ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the signature of the base class
        sys.stderr.write("idp: " + (format % args) + "\n")


def rsa_pem() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def main(workdir: Path, spec: dict) -> None:
    application = {}

    def app(environ, start_response):
        return application["wsgi"](environ, start_response)

    server = make_server(
        "127.0.0.1", 0, app, server_class=ThreadingServer, handler_class=QuietHandler
    )
    port = server.server_port
    from jwcrypto import jwk

    key = rsa_pem()
    impostor = jwk.JWK.from_pem(rsa_pem().encode()).export_public(as_dict=True)
    impostor.update(kid=jwk.JWK.from_pem(key.encode()).thumbprint(), alg="RS256", use="sig")
    os.environ.update(
        DJANGO_SETTINGS_MODULE="tests.sso.provider.settings",
        IDP_DATABASE=str(workdir / "idp.sqlite3"),
        IDP_ISSUER=f"http://127.0.0.1:{port}/o",
        IDP_RSA_KEY=key,
        IDP_IMPOSTOR_JWKS=json.dumps({"keys": [impostor]}),
    )
    import django

    django.setup()
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from django.core.wsgi import get_wsgi_application
    from oauth2_provider.models import Application

    call_command("migrate", verbosity=0)
    for person in spec["users"]:
        user = User.objects.create_user(
            username=person["username"],
            password=person["password"],
            email=person.get("email", ""),
            first_name=person.get("first_name", ""),
            last_name=person.get("last_name", ""),
        )
        for name in person.get("groups", []):
            user.groups.add(Group.objects.get_or_create(name=name)[0])
    client = spec["client"]
    Application.objects.create(
        name="Sportloket",
        client_id=client["client_id"],
        client_secret=client["client_secret"],
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=" ".join(client["redirect_uris"]),
        algorithm=Application.RS256_ALGORITHM,
        skip_authorization=True,
    )
    application["wsgi"] = get_wsgi_application()
    (workdir / "port").write_text(str(port))
    server.serve_forever()


if __name__ == "__main__":
    main(Path(sys.argv[1]), json.loads(Path(sys.argv[2]).read_text()))
