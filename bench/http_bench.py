"""HTTP benchmark: the triage board under gunicorn with the production settings, 127.0.0.1 only.

    make http-bench DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_k \\
        REDIS_URL=redis://127.0.0.1:6379/4 [BENCH_ARGS="--duration 20 --connections 8"]

Uses the database ``make bench`` filled (the benchmark desk with its questions; run
``make bench DATABASE_URL=… BENCH_ARGS=desk`` first) and starts gunicorn on a free local port
with ``gunicorn.conf.py`` and ``sportloket.settings.production``: DEBUG off, the manifest
static files, database sessions, two-step login required, the rate limits in Redis, JSON log
lines. As behind the TLS proxy of an installation, the requests say ``X-Forwarded-Proto:
https`` and gunicorn trusts one proxy (the redirect to HTTPS is left to that proxy). The
benchmark user's session is made here, verified for two-step login as after a login with the
authenticator app; its cookie goes with every request.

For each URL (the trivial view ``/health/live/`` first: the floor of the same server, then the
board pages), ``--connections`` threads each hold one keep-alive connection and send request
after request for ``--duration`` seconds (after ``--warmup`` seconds not counted). Printed per
URL: requests per second, latency p50/p99/max, non-200 answers, the CPU time gunicorn and
PostgreSQL spent per request, the load generator's own CPU, and the machine's load. Bounded:
at most 32 connections and 120 seconds per URL.
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench.loadtest import (  # noqa: E402 - the path first
    HOST,
    ServerCPU,
    create_database,
    gunicorn_config,
    percentile,
    start_gunicorn,
    stop,
)

TRIVIAL = ("trivial view (floor)", "/health/live/")
BOARD = [
    ("triage board, open queue", "/loket/hulpvragen/"),
    ("triage board, overdue + assignee", "/loket/hulpvragen/?overdue=true&assignee=me"),
    ("triage board, closed, page 3", "/loket/hulpvragen/?status=closed&page=3"),
]
MAX_CONNECTIONS = 32
MAX_DURATION = 120
BENCH_USER = "bench-desk"


@dataclass
class Run:
    label: str
    path: str
    seconds: list[float] = field(default_factory=list)  # latency of each counted request
    statuses: dict[int, int] = field(default_factory=dict)
    wall: float = 0.0
    client_cpu: float = 0.0
    server_cpu: dict[str, float] = field(default_factory=dict)
    load: float = 0.0

    @property
    def count(self) -> int:
        return len(self.seconds)

    def line(self) -> str:
        if not self.seconds:
            return f"{self.label:40s}  no answers"
        n = self.count
        per = {k: v / n * 1000 for k, v in self.server_cpu.items()}
        other = sum(c for s, c in self.statuses.items() if s != 200)
        if other:
            print(f"  {self.label}: answers by status {self.statuses}")
        p50, p99 = (percentile(self.seconds, q) * 1000 for q in (0.5, 0.99))
        return (
            f"{self.label:40s} {n / self.wall:8.1f} req/s  p50 {p50:6.1f}  p99 {p99:6.1f}"
            f"  max {max(self.seconds) * 1000:6.1f} ms"
            f"  non-200 {other:3d}  cpu/req gunicorn {per.get('gunicorn', 0):5.1f}"
            f" pg {per.get('postgres', 0):4.1f} client {self.client_cpu / n * 1000:4.1f} ms"
            f"  load {self.load:4.1f}"
        )


def production_env(database_url: str, redis_url: str, static_root: Path) -> dict[str, str]:
    """The production settings, with what they require set for a local benchmark."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "sportloket.settings.production",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DJANGO_SECRET_KEY": "http-bench-only-key-" + "x" * 40,
        "DJANGO_ALLOWED_HOSTS": HOST,
        # Never used by a board request; production refuses a backend that delivers nothing.
        "DJANGO_EMAIL_URL": "smtp://127.0.0.1:2525",
        "DJANGO_DEFAULT_FROM_EMAIL": "bench@sportloket.example",
        "SPORTLOKET_SITE_URL": "https://sportloket.example",
        "SPORTLOKET_TRUSTED_PROXIES": "1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_STATIC_ROOT": str(static_root),
        "DJANGO_LOG_LEVEL": os.environ.get("DJANGO_LOG_LEVEL", "INFO"),
        "CELERY_BROKER_URL": redis_url,
        # The board counts as a search (600 a minute per user): the limiter still runs, with a
        # ceiling one benchmark user at 8 connections does not reach.
        "SPORTLOKET_SEARCH_RATE": str(10**9),
    }


def collect_static(env: dict[str, str], static_root: Path) -> None:
    """The manifest the production storage reads (once; kept in var/ between runs)."""
    if (static_root / "staticfiles.json").exists():
        return
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"],
        cwd=BASE_DIR,
        env=env,
        check=True,
    )


def session_cookie(env: dict[str, str]) -> str:
    """A session of the benchmark desk's user, logged in and verified for two-step login (an
    authenticator app confirmed for it), as after a real login; returns the Cookie header."""
    os.environ.update({k: env[k] for k in env if k.startswith(("DJANGO_", "SPORTLOKET_"))})
    os.environ.update({"DATABASE_URL": env["DATABASE_URL"], "REDIS_URL": env["REDIS_URL"]})
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connection
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = get_user_model().objects.filter(username=BENCH_USER).first()
    if user is None:
        raise SystemExit(
            f"no user {BENCH_USER!r}: fill the desk first (make bench DATABASE_URL=… "
            "BENCH_ARGS=desk)"
        )
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name="http-bench", defaults={"confirmed": True}
    )
    session = SessionStore()
    now = int(time.time())
    session.update(
        {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: next(
                path for path in settings.AUTHENTICATION_BACKENDS if "ModelBackend" in path
            ),
            HASH_SESSION_KEY: user.get_session_auth_hash(),
            DEVICE_ID_SESSION_KEY: device.persistent_id,
            "_sl_started": now,
            "_sl_seen": now,
        }
    )
    session.create()
    connection.close()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def hammer(base: str, run: Run, *, connections: int, duration: float, warmup: float, headers):
    """``connections`` threads, one keep-alive connection each, requests back to back."""
    address = urllib.parse.urlsplit(base)
    lock = threading.Lock()
    start = time.perf_counter()
    counted_from = start + warmup
    stop_at = counted_from + duration

    def worker() -> None:
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
        seconds: list[float] = []
        statuses: dict[int, int] = {}
        while True:
            began = time.perf_counter()
            if began >= stop_at:
                break
            try:
                connection.request("GET", run.path, headers=headers)
                response = connection.getresponse()
                response.read()
                status = response.status
                if response.getheader("Connection", "").lower() == "close":
                    connection.close()
            except (OSError, http.client.HTTPException):
                status = 0
                connection.close()
            ended = time.perf_counter()
            if began >= counted_from:
                seconds.append(ended - began)
                statuses[status] = statuses.get(status, 0) + 1
        connection.close()
        with lock:
            run.seconds.extend(seconds)
            for status, n in statuses.items():
                run.statuses[status] = run.statuses.get(status, 0) + n

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(connections)]
    for thread in threads:
        thread.start()
    return threads, counted_from


def measure(base, run, *, server, connections, duration, warmup, headers) -> Run:
    threads, counted_from = hammer(
        base, run, connections=connections, duration=duration, warmup=warmup, headers=headers
    )
    time.sleep(max(0.0, counted_from - time.perf_counter()))
    run.load = os.getloadavg()[0]
    cpu, before = time.process_time(), server.snapshot()
    began = time.perf_counter()
    for thread in threads:
        thread.join(duration + warmup + 60)
    run.wall = time.perf_counter() - began
    run.client_cpu = time.process_time() - cpu
    run.server_cpu = server.used(before, server.snapshot())
    return run


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.http_bench")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds counted per URL")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds not counted first")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=None, help="override gunicorn.conf.py")
    parser.add_argument("--all-pages", action="store_true", help="three board pages, not one")
    parser.add_argument(
        "--log", type=Path, default=Path(os.devnull), help="gunicorn's output (JSON log lines)"
    )
    args = parser.parse_args()
    if not 1 <= args.connections <= MAX_CONNECTIONS:
        parser.error(f"--connections must be between 1 and {MAX_CONNECTIONS}")
    if not 1 <= args.duration <= MAX_DURATION:
        parser.error(f"--duration must be between 1 and {MAX_DURATION}")
    database_url = os.environ.get("DATABASE_URL", "")
    parsed = urllib.parse.urlparse(database_url)
    if not parsed.scheme.startswith("postgres") or parsed.hostname not in (HOST, "localhost"):
        parser.error("set DATABASE_URL to the PostgreSQL database make bench filled (127.0.0.1)")
    redis_url = os.environ.get("REDIS_URL", "")
    if urllib.parse.urlparse(redis_url).hostname not in (HOST, "localhost"):
        parser.error("set REDIS_URL to a Redis on 127.0.0.1 (production keeps rate limits there)")
    static_root = BASE_DIR / "var" / "http-bench-static"
    env = production_env(database_url, redis_url, static_root)
    create_database(parsed)
    collect_static(env, static_root)
    cookie = session_cookie(env)
    headers = {
        "Cookie": cookie,
        "X-Forwarded-Proto": "https",
        "X-Forwarded-For": "192.0.2.10",
        "Connection": "keep-alive",
    }
    pages = BOARD if args.all_pages else BOARD[:1]
    process, base = start_gunicorn(env, workers=args.workers, log_path=args.log)
    server = ServerCPU(process.pid, parsed.path.lstrip("/"))
    runs = []
    try:
        for label, path in [TRIVIAL, *pages]:
            run = Run(label, path)
            measure(
                base,
                run,
                server=server,
                connections=args.connections,
                duration=args.duration,
                warmup=args.warmup,
                # The floor is anonymous: the server and the middleware, no session.
                headers={k: v for k, v in headers.items() if k != "Cookie" or path != TRIVIAL[1]},
            )
            print(run.line(), flush=True)
            runs.append(run)
    finally:
        stop(process)
    config = gunicorn_config()
    print(
        f"server: gunicorn.conf.py ({config['worker_class']}, {args.workers or config['workers']}"
        f" workers x {config['threads']} threads), sportloket.settings.production, PostgreSQL "
        f"{parsed.path[1:]}; {args.connections} keep-alive connections, {args.duration:.0f} s "
        f"per URL after {args.warmup:.0f} s; machine: {os.cpu_count()} cores"
    )
    board = runs[1:]
    ok = all(r.count and set(r.statuses) == {200} for r in runs)
    if board and ok:
        medians = statistics.median(r.count / r.wall for r in board)
        print(f"board: {medians:.1f} req/s (target >= 100, p99 < 250 ms)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
