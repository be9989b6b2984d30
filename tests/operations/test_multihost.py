"""Several machines: two "hosts", each a gunicorn web process and a Celery worker with its own
working directory and media folder (no shared disk), in front of one PostgreSQL database (made
for this test and migrated), one Redis (cache and broker) and one S3 server (moto).

What one host does, the other sees: a PDF rendered by host B's worker downloads through host A,
a login on A is valid on B, the public-form rate limit counts both together, and a periodic
task that both workers run has one effect. Every wait is bounded; every process is stopped.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import subprocess
import sys
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

import pytest

from tests.conftest import REDIS_URL
from tests.s3 import free_port

from .conftest import admin_connection

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.multihost]

BASE_DIR = Path(__file__).resolve().parent.parent.parent
TOKEN = "multihost-monitoring-token"
PASSWORD = "geheim-wachtwoord-123"  # tests/factories.py
RATE = 5
WAIT = 120  # seconds: generous for a busy 2-core machine


def wait_for(condition, what: str, timeout: float = WAIT, interval: float = 0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    pytest.fail(f"{what}: not within {timeout} s")


# --- A tiny HTTP client with one cookie jar for every host (as a browser behind one name) -----


@dataclass
class Client:
    cookies: dict[str, str] = field(default_factory=dict)

    def request(self, base: str, method: str, path: str, data: dict | None = None, **headers):
        url = urllib.parse.urlsplit(base)
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
        body = urllib.parse.urlencode(data, doseq=True) if data is not None else None
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        content = response.read()
        for raw in response.msg.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(raw).items():
                self.cookies[name] = morsel.value
        conn.close()
        return response.status, response, content

    def csrf_token(self, base: str, path: str) -> str:
        status, _response, content = self.request(base, "GET", path)
        assert status == 200, (path, status)
        return re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', content).group(1).decode()


# --- The hosts --------------------------------------------------------------------------------


@dataclass
class Host:
    name: str
    folder: Path
    env: dict[str, str]
    queue: str
    base: str = ""
    processes: list[subprocess.Popen] = field(default_factory=list)

    def log(self, kind: str) -> str:
        path = self.folder / f"{kind}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def python(self, code: str) -> dict:
        """Run Django code as this host (its settings, its working directory); the last line
        of output is JSON."""
        script = "import django, json\ndjango.setup()\n" + code
        result = subprocess.run(
            [sys.executable, "-c", script],
            cwd=self.folder,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=WAIT,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        return json.loads(result.stdout.strip().splitlines()[-1])

    def start(self, kind: str, command: list[str]) -> None:
        log = (self.folder / f"{kind}.log").open("w")
        self.processes.append(
            subprocess.Popen(
                command, cwd=self.folder, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        )

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=30)


class Mailbox:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps what it receives."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list[bytes] = []
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook
        self.messages.append(envelope.content)
        return "250 OK"

    def stop(self) -> None:
        self.controller.stop()


@dataclass
class Cluster:
    a: Host
    b: Host
    database: str
    mailbox: Mailbox
    s3: object

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        connection = admin_connection(self.database)
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchall()
        finally:
            connection.close()


@pytest.fixture
def cluster(s3_bucket, migrated_database, tmp_path):
    database_url, database = migrated_database
    mailbox = Mailbox()
    run = uuid.uuid4().hex[:10]
    common = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "SPORTLOKET_", "CELERY_", "DATABASE_URL", "REDIS_URL"))
    }
    common.update(
        {
            "PYTHONPATH": str(BASE_DIR),
            "DJANGO_SETTINGS_MODULE": "tests.operations.multihost_settings",
            "DATABASE_URL": database_url,
            "REDIS_URL": REDIS_URL,
            "DJANGO_SECRET_KEY": "multihost-" + "k" * 50,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "SPORTLOKET_REQUIRE_2FA": "false",
            "SPORTLOKET_SITE_URL": "http://127.0.0.1",
            "DJANGO_DEFAULT_FROM_EMAIL": "Sportloket <noreply@sportloket.example.nl>",
            # Both spellings of the SMTP server: the URL and the separate variables.
            "DJANGO_EMAIL_URL": f"smtp://127.0.0.1:{mailbox.port}",
            "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "DJANGO_EMAIL_HOST": "127.0.0.1",
            "DJANGO_EMAIL_PORT": str(mailbox.port),
            "SPORTLOKET_PUBLIC_FORM_RATE": str(RATE),
            "SPORTLOKET_HEALTH_TOKEN": TOKEN,
            "SPORTLOKET_HEALTH_HEARTBEAT_SECONDS": "2",
            "MULTIHOST_CACHE_PREFIX": f"mh-{run}",
            "WEB_CONCURRENCY": "1",
            **s3_bucket.env,
        }
    )
    hosts = []
    for name in ("a", "b"):
        folder = tmp_path / f"host-{name}"
        (folder / "media").mkdir(parents=True)
        queue = f"mh-{run}-{name}"
        env = {
            **common,
            "DJANGO_MEDIA_ROOT": str(folder / "media"),
            "DJANGO_STATIC_ROOT": str(folder / "static"),
            "CELERY_TASK_DEFAULT_QUEUE": queue,
        }
        hosts.append(Host(name=name, folder=folder, env=env, queue=queue))
    a, b = hosts
    cluster = Cluster(a=a, b=b, database=database, mailbox=mailbox, s3=s3_bucket)
    try:
        for host in hosts:
            port = free_port()
            host.base = f"http://127.0.0.1:{port}"
            host.start(
                "web",
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "sportloket.wsgi:application",
                    "--config",
                    str(BASE_DIR / "gunicorn.conf.py"),
                    "--bind",
                    f"127.0.0.1:{port}",
                ],
            )
            host.start(
                "worker",
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "sportloket",
                    "worker",
                    "-Q",
                    host.queue,
                    "-c",
                    "1",
                    "-P",
                    "solo",
                    "-n",
                    f"{host.queue}@%h",
                    "--without-gossip",
                    "--without-mingle",
                    "-l",
                    "INFO",
                ],
            )
        client = Client()

        def ready(host: Host) -> bool:
            for process in host.processes:
                if process.poll() is not None:
                    pytest.fail(f"host {host.name} exited:\n{host.log('web')}{host.log('worker')}")
            try:
                return client.request(host.base, "GET", "/health/ready/")[0] == 200
            except OSError:
                return False

        for host in hosts:
            wait_for(lambda host=host: ready(host), f"host {host.name} ready")

        def workers_alive() -> bool:
            status, _r, content = client.request(
                a.base,
                "GET",
                "/health/status/?format=json",
                Authorization=f"Bearer {TOKEN}",
            )
            return json.loads(content)["checks"]["worker"]["workers_alive"] == 2

        wait_for(workers_alive, "both workers' heartbeats")
        yield cluster
    finally:
        for host in hosts:
            host.stop()
        mailbox.stop()


SETUP = """
from tests.factories import StaffProfileFactory
from tests.poskantoor.factories import make_office

office = make_office()
user = StaffProfileFactory(policy_staff=True, user__username="beleid-multihost").user
print(json.dumps({"office": office.pk, "username": user.username}))
"""

OUTBOX_EMAIL = """
import datetime as dt
from django.utils import timezone
from sportloket.models import OutgoingEmail

email = OutgoingEmail.objects.create(
    key="multihost-once", to=["ontvanger@example.nl"], subject="Eén keer", body="Hallo"
)
# Its immediate send "failed" ten minutes ago: the outbox sweep is the one to send it.
OutgoingEmail.objects.filter(pk=email.pk).update(
    created_at=timezone.now() - dt.timedelta(minutes=10)
)
print(json.dumps({"id": email.pk}))
"""


def test_two_hosts_share_files_sessions_rate_limits_and_run_a_periodic_task_once(cluster):
    a, b = cluster.a, cluster.b
    data = a.python(SETUP)
    office = data["office"]
    client = Client()

    # (b) A login on host A is valid on host B.
    token = client.csrf_token(a.base, "/account/login/")
    status, response, _ = client.request(
        a.base,
        "POST",
        "/account/login/",
        {"username": data["username"], "password": PASSWORD, "csrfmiddlewaretoken": token},
    )
    assert status == 302, status
    assert "sessionid" in client.cookies
    plan_page = f"/pos-kantoren/{office}/jaarplan/2026/"
    status, _r, content = client.request(b.base, "GET", plan_page)
    assert status == 200, status
    assert b"beleid-multihost" in content or b"Jaarplan 2026" in content
    assert Client().request(b.base, "GET", plan_page)[0] == 302  # without the session: login

    # (a) The plan saved through web B is rendered by B's worker, stored in S3, and downloads
    # through web A.
    token = client.csrf_token(b.base, plan_page)
    status, response, _ = client.request(
        b.base,
        "POST",
        plan_page,
        {
            "csrfmiddlewaretoken": token,
            "short_term_goals": "Drie bijeenkomsten",
            "long_term_vision": "Gerenderd op host B",
            "stakeholder_analysis": "Gemeente",
            "cooperation_agreements": "Elk kwartaal",
            "target_groups_note": "",
            "budget_lines": "",
        },
    )
    assert status == 302, status
    keys = wait_for(
        lambda: [k for k in cluster.s3.keys() if k.startswith("year-plans/")], "PDF in S3"
    )
    status, response, pdf = client.request(
        a.base, "GET", f"/pos-kantoren/{office}/jaarplan/2026/pdf/"
    )
    assert status == 200, status
    assert response.getheader("Content-Type") == "application/pdf"
    assert pdf == cluster.s3.read(keys[0])
    assert "Year plan PDF" in b.log("worker")
    assert "Year plan PDF" not in a.log("worker")
    for host in (a, b):
        assert not any((host.folder / "media").rglob("*.pdf")), f"a PDF on host {host.name}'s disk"

    # (c) The public form's limit holds across both hosts (counted in the shared Redis cache).
    seconds_into_hour = time.time() % 3600
    if seconds_into_hour > 3600 - 60:  # the fixed window must not roll over mid-burst
        time.sleep(3600 - seconds_into_hour + 1)
    visitor = Client()
    token = visitor.csrf_token(a.base, "/aanmelden/")
    statuses = [
        visitor.request(host.base, "POST", "/aanmelden/", {"csrfmiddlewaretoken": token})[0]
        for host in (a, b) * RATE
    ]
    # An empty form is refused (400, nothing stored) until the limit turns it away (429).
    assert statuses == [400] * RATE + [429] * RATE, statuses

    # (d) The outbox sweep sent to both workers at once: the e-mail goes out once.
    email = a.python(OUTBOX_EMAIL)["id"]
    from celery import Celery

    sender = Celery("multihost", broker=REDIS_URL, set_as_current=False)
    try:
        for host in (a, b):
            sender.send_task("sportloket.tasks.retry_unsent_emails", queue=host.queue)
    finally:
        sender.close()

    def sweeps_done() -> bool:
        logs = a.log("worker") + b.log("worker")
        sweeps = re.findall(
            r"Task sportloket\.tasks\.retry_unsent_emails\[[^\]]+\] succeeded", logs
        )
        sends = re.findall(r"Task sportloket\.tasks\.send_outgoing_email\[[^\]]+\] succeeded", logs)
        return len(sweeps) == 2 and len(sends) >= 2

    wait_for(sweeps_done, "both sweeps and their sends")
    assert cluster.query(
        "SELECT status, attempts FROM sportloket_outgoingemail WHERE id = %s", (email,)
    ) == [("sent", 1)]
    delivered = [m for m in cluster.mailbox.messages if b"multihost-once" in m]
    assert len(delivered) == 1, len(delivered)
