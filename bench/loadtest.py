"""Load test: concurrent public form submissions to gunicorn on PostgreSQL, 127.0.0.1 only.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sportloket_load \\
        .venv/bin/python -m bench.loadtest --count 200

Starts gunicorn on a free local port with the given database (migrated first), sends
``--count`` registrations to /aanmelden/ at once (each from its own thread, with its own CSRF
cookie), and checks that every submission is stored exactly once and that no answer was a 5xx.
Prints the counts and the latency percentiles; exit status 1 when a check fails. Bounded: at
most 500 submissions and ``--timeout`` seconds.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
MAX_COUNT = 500


@dataclass
class Outcome:
    status: int
    seconds: float
    name: str


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_gunicorn(env: dict[str, str], *, workers: int = 4, log_path: Path | None = None):
    """gunicorn on 127.0.0.1:<free port>; returns (process, base URL) once it answers."""
    port = free_port()
    log = (log_path or Path(os.devnull)).open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "sportloket.wsgi:application",
            "--bind",
            f"{HOST}:{port}",
            "--workers",
            str(workers),
            "--threads",
            "8",
            "--timeout",
            "60",
            "--backlog",
            "1024",
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://{HOST}:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            with urllib.request.urlopen(base + "/privacy/", timeout=2):  # noqa: S310 - local
                return process, base
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    process.kill()
    raise RuntimeError("gunicorn did not answer within 60 s")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def form_choices(base: str) -> dict[str, str]:
    """A municipality and a sport offered by the form (values as the page renders them)."""
    with urllib.request.urlopen(base + "/aanmelden/", timeout=10) as response:  # noqa: S310
        html = response.read().decode()
    municipality = re.search(r'<option value="(\d+)"[^>]*>\s*Utrecht\s*</option>', html)
    sport = re.search(r'name="sports" value="(\d+)"', html)
    return {"municipality": municipality.group(1), "sport": sport.group(1)}


def submit(base: str, *, name: str, choices: dict[str, str], timeout: float = 30) -> Outcome:
    """One visitor: GET the form (CSRF cookie + token), POST a registration."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(base + "/aanmelden/", timeout=timeout) as response:
        html = response.read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    digits = f"{uuid.uuid4().int % 10**8:08d}"
    data = {
        "csrfmiddlewaretoken": token,
        "name": name,
        "kind": "entrepreneur",
        "kvk_number": digits,
        "municipality": choices["municipality"],
        "postcode": "3511 AB",
        "city": "Utrecht",
        "sports": choices["sport"],
        "contact_name": "Kim de Boer",
        "email": f"{name.lower().replace(' ', '-')}@load.example",
        "privacy_consent": "on",
        "website_url": "",
    }
    request = urllib.request.Request(  # noqa: S310 - local
        base + "/aanmelden/",
        data=urllib.parse.urlencode(data).encode(),
        headers={"Referer": base + "/aanmelden/"},
    )
    started = time.perf_counter()
    try:
        with opener.open(request, timeout=timeout) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except (urllib.error.URLError, TimeoutError, ConnectionError):
        status = 0
    return Outcome(status=status, seconds=time.perf_counter() - started, name=name)


def fire(base: str, *, count: int, prefix: str, timeout: float) -> list[Outcome]:
    """``count`` submissions at once, each in its own thread, released together."""
    choices = form_choices(base)
    outcomes: list[Outcome] = []
    lock = threading.Lock()
    gate = threading.Barrier(count)

    def one(i: int) -> None:
        try:
            gate.wait(timeout=timeout)
        except threading.BrokenBarrierError:
            pass
        outcome = submit(base, name=f"{prefix} {i:04d}", choices=choices, timeout=timeout)
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=one, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    return outcomes


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def report(outcomes: list[Outcome], *, count: int, stored: int, duplicates: int) -> bool:
    server_errors = sum(1 for o in outcomes if o.status >= 500 or o.status == 0)
    redirects = sum(1 for o in outcomes if o.status in (200, 302))
    seconds = [o.seconds for o in outcomes]
    print(f"submissions sent:   {count}")
    print(f"answered:           {len(outcomes)}  (2xx/3xx: {redirects}, 5xx/none: {server_errors})")
    print(f"stored providers:   {stored}  (duplicates: {duplicates})")
    if seconds:
        print(
            f"latency:            median {statistics.median(seconds) * 1000:.0f} ms, "
            f"p95 {percentile(seconds, 0.95) * 1000:.0f} ms, max {max(seconds) * 1000:.0f} ms"
        )
    return len(outcomes) == count and server_errors == 0 and stored == count and not duplicates


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.loadtest")
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    if not 1 <= args.count <= MAX_COUNT:
        parser.error(f"--count must be between 1 and {MAX_COUNT}")
    database_url = os.environ.get("DATABASE_URL", "")
    parsed = urllib.parse.urlparse(database_url)
    if not parsed.scheme.startswith("postgres") or parsed.hostname not in (HOST, "localhost"):
        parser.error("set DATABASE_URL to a PostgreSQL database on 127.0.0.1")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "sportloket.settings.dev",
        "DJANGO_DEBUG": "false",
        "DJANGO_LOG_LEVEL": "WARNING",
        # The load is the point here, not the per-address limit of the public forms.
        "SPORTLOKET_PUBLIC_FORM_RATE": str(args.count * 10),
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    env.setdefault("CELERY_BROKER_URL", "memory://")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
        cwd=BASE_DIR,
        env=env,
        check=True,
    )
    process, base = start_gunicorn(env, workers=args.workers)
    prefix = f"Load {uuid.uuid4().hex[:8]}"
    try:
        outcomes = fire(base, count=args.count, prefix=prefix, timeout=args.timeout)
    finally:
        stop(process)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sportloket.settings.dev")
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    from django.db.models import Count

    from providers.models import Provider

    rows = Provider.objects.filter(name__startswith=prefix)
    stored = rows.values("name").distinct().count()
    duplicates = rows.values("name").annotate(n=Count("pk")).filter(n__gt=1).count()
    return 0 if report(outcomes, count=args.count, stored=stored, duplicates=duplicates) else 1


if __name__ == "__main__":
    sys.exit(main())
