"""Errors of a view and of a task reach Sentry (a local HTTP server stands in for it), without
e-mail addresses, tokens, cookies or query strings."""

from __future__ import annotations

import gzip
import json
import os
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import brotli
import pytest

from .production import run

TOKEN = "Qm7vT2kLp9XwRb4NcZs8Hy3Jd6Fg1Ae5"  # noqa: S105


class Collector(BaseHTTPRequestHandler):
    bodies: list[bytes]

    def do_POST(self):  # noqa: N802
        raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            raw = gzip.decompress(raw)
        elif encoding == "br":
            raw = brotli.decompress(raw)
        elif encoding == "deflate":
            raw = zlib.decompress(raw)
        self.server.bodies.append(raw)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def sentry_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Collector)
    server.bodies = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def events(bodies: list[bytes]) -> list[dict]:
    """The error events of Sentry envelopes (header line, then item header / payload pairs)."""
    found = []
    for body in bodies:
        lines = body.split(b"\n")
        for item_header, payload in zip(lines[1::2], lines[2::2], strict=False):
            if json.loads(item_header).get("type") == "event":
                found.append(json.loads(payload))
    return found


def test_errors_of_a_view_and_a_task_reach_sentry_without_personal_data(sentry_server, tmp_path):
    port = sentry_server.server_address[1]
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "sportloket.settings.test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "SENTRY_DSN": f"http://publickey@127.0.0.1:{port}/1",
        "SENTRY_ENVIRONMENT": "acceptatie",
        "SENTRY_RELEASE": "sportloket@1.2.3",
        "PROBE_TOKEN": TOKEN,
        "PROBE_COOKIE": "preference=secret-session",
    }
    result = run(["-m", "tests.operations.sentry_probe"], env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "view status 500" in result.stdout
    assert "task state FAILURE" in result.stdout

    received = events(sentry_server.bodies)
    by_value = {e["exception"]["values"][-1]["type"]: e for e in received}
    assert set(by_value) == {"ValueError", "RuntimeError"}, received
    view, task = by_value["ValueError"], by_value["RuntimeError"]
    assert view["exception"]["values"][-1]["value"] == (
        "lookup failed for [e-mail] with /volg/[token]/"
    )
    assert view["transaction"] == "/volg/{token}/"
    assert not {"query_string", "cookies", "data"} & set(view.get("request", {}))
    assert task["exception"]["values"][-1]["value"] == "task failed for [e-mail]"
    assert task["exception"]["values"][-1]["mechanism"]["type"] == "celery"
    for event in (view, task):
        assert event["environment"] == "acceptatie"
        assert event["release"] == "sportloket@1.2.3"
        assert "user" not in event
    everything = b"".join(sentry_server.bodies)
    assert b"kim@example.org" not in everything
    assert TOKEN.encode() not in everything
    assert b"secret-session" not in everything


@pytest.mark.redis
@pytest.mark.postgres
def test_an_error_of_a_task_on_a_real_worker_reaches_sentry_without_personal_data(
    sentry_server, celery_workers
):
    """A worker process started with SENTRY_DSN (its settings initialise sentry-sdk with the
    Celery integration) reports a failing task by itself, nothing flushed by the test."""
    from sportloket.celery import app
    from tests.conftest import wait_until

    port = sentry_server.server_address[1]
    queue = celery_workers(
        1,
        extra_env={
            "SENTRY_DSN": f"http://publickey@127.0.0.1:{port}/1",
            "SENTRY_ENVIRONMENT": "worker-test",
            "SENTRY_RELEASE": "sportloket@4.5.6",
        },
    )
    app.send_task("tests.worker_explode", args=["kim@example.org"], queue=queue)

    def reported() -> list[dict]:
        return [
            e
            for e in events(list(sentry_server.bodies))
            if e["exception"]["values"][-1]["type"] == "RuntimeError"
        ]

    (event,) = wait_until(reported, timeout=120)
    error = event["exception"]["values"][-1]
    assert error["value"] == "worker task failed for [e-mail]"
    assert error["mechanism"]["type"] == "celery"
    assert event["transaction"] == "tests.worker_explode"
    assert (event["environment"], event["release"]) == ("worker-test", "sportloket@4.5.6")
    assert "user" not in event
    assert b"kim@example.org" not in b"".join(sentry_server.bodies)
