"""Production as documented, end to end: gunicorn and a Celery worker with
sportloket.settings.production and nothing but documented variables in their environment
(the SMTP server given as ``DJANGO_EMAIL_URL``), a real SMTP server (aiosmtpd on 127.0.0.1).
A password reset asked through the web process is delivered by the worker through SMTP, with
its link on ``SPORTLOKET_SITE_URL``, and the outbox marks it sent only then."""

from __future__ import annotations

import email
import http.client
import json
import re
import subprocess
import sys
import time
import urllib.parse
import uuid
from email.message import Message
from http.cookies import SimpleCookie

import pytest
from aiosmtpd.controller import Controller

from tests.conftest import REDIS_URL

from .production import BASE_DIR, free_port, production_env, run, start_gunicorn, stop

pytestmark = pytest.mark.redis

HOST = "sportloket.example.nl"
SITE_URL = f"https://{HOST}"
SENDER = "Sportloket <noreply@sportloket.example.nl>"
WAIT = 180  # seconds: generous for a busy 2-core machine


class Mailbox:
    """An SMTP server's handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook
        self.messages.append(email.message_from_bytes(envelope.content))
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


@pytest.fixture
def mailbox():
    handler = Mailbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    handler.port = controller.port
    yield handler
    controller.stop()


CREATE_USER = """
import django
django.setup()
from django.contrib.auth import get_user_model
get_user_model().objects.create_user("kim", email="kim@example.org", password="x-Geheim-12345")
"""

OUTBOX = """
import json, django
django.setup()
from sportloket.models import OutgoingEmail
rows = OutgoingEmail.objects.all()
print(json.dumps([[e.key.split(":")[0], e.status, e.attempts] for e in rows]))
"""


def request(port: int, method: str, path: str, cookies: dict, data: dict | None = None):
    """One request as the TLS-terminating proxy forwards it (``X-Forwarded-Proto: https``)."""
    headers = {"Host": HOST, "X-Forwarded-Proto": "https"}
    body = None
    if data is not None:
        body = urllib.parse.urlencode(data)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        headers["Origin"] = SITE_URL
        headers["Referer"] = SITE_URL + path
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        content = response.read()
        for raw in response.msg.get_all("Set-Cookie") or []:
            cookies.update({name: morsel.value for name, morsel in SimpleCookie(raw).items()})
        return response.status, response, content
    finally:
        connection.close()


def test_production_serves_and_a_worker_delivers_its_email_through_smtp(mailbox, tmp_path):
    queue = f"prod-mail-{uuid.uuid4().hex[:10]}"
    env = production_env(
        tmp_path,
        DJANGO_EMAIL_URL=f"smtp://127.0.0.1:{mailbox.port}",
        DJANGO_DEFAULT_FROM_EMAIL=SENDER,
        SPORTLOKET_SITE_URL=SITE_URL,
        SPORTLOKET_TRUSTED_PROXIES="1",
        REDIS_URL=REDIS_URL,
        CELERY_TASK_DEFAULT_QUEUE=queue,
    )
    # What the image's build and the compose "migrate" service do, then one user.
    for args in (
        ["manage.py", "collectstatic", "--no-input", "-v0"],
        ["manage.py", "migrate", "--no-input", "-v0"],
        ["-c", CREATE_USER],
    ):
        result = run(args, env)
        assert result.returncode == 0, result.stdout + result.stderr
    port = free_port()
    web = start_gunicorn(env, port, tmp_path / "gunicorn.log")
    worker_log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-m", "celery", "-A", "sportloket", "worker", "-Q", queue]
        + ["-P", "solo", "-c", "1", "-n", f"{queue}@%h", "--without-gossip", "--without-mingle"]
        + ["-l", "INFO"],
        cwd=BASE_DIR,
        env=env,
        stdout=worker_log,
        stderr=subprocess.STDOUT,
    )
    try:
        cookies: dict[str, str] = {}
        status, _response, page = request(port, "GET", "/account/password_reset/", cookies)
        assert status == 200, page[:2000]
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
        status, response, _ = request(
            port,
            "POST",
            "/account/password_reset/",
            cookies,
            {"csrfmiddlewaretoken": token, "email": "kim@example.org"},
        )
        assert status == 302, (tmp_path / "gunicorn.log").read_text()[-3000:]
        assert response.getheader("Location") == "/account/password_reset/done/"

        deadline = time.monotonic() + WAIT
        while not mailbox.messages:
            if worker.poll() is not None:
                pytest.fail("the worker exited:\n" + (tmp_path / "worker.log").read_text())
            if time.monotonic() > deadline:
                pytest.fail(
                    f"no e-mail within {WAIT} s:\n" + (tmp_path / "worker.log").read_text()[-3000:]
                )
            time.sleep(0.2)
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        worker_log.close()
        stop(web)

    (message,) = mailbox.messages
    assert mailbox.envelopes == [("noreply@sportloket.example.nl", ["kim@example.org"])]
    assert message["From"] == SENDER
    assert message["To"] == "kim@example.org"
    assert message["Subject"] == "Kies een nieuw wachtwoord voor Sportloket"
    body = message.get_payload(decode=True).decode()
    links = re.findall(r"https?://\S+", body)
    assert links, body
    assert all(link.startswith(f"{SITE_URL}/account/reset/") for link in links), links
    assert "127.0.0.1" not in body
    outbox = run(["-c", OUTBOX], env)
    assert outbox.returncode == 0, outbox.stderr
    assert json.loads(outbox.stdout.strip().splitlines()[-1]) == [["password-reset", "sent", 1]]
