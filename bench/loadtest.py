"""Load test: concurrent public form submissions to gunicorn on PostgreSQL, 127.0.0.1 only.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sportloket_load \\
        [REDIS_URL=redis://127.0.0.1:6379/15] .venv/bin/python -m bench.loadtest --count 200

Migrates the given database and tops its registry up to ``--registry`` providers (the
duplicate check of every registration searches them), then starts gunicorn on a free local
port with the production configuration (``gunicorn.conf.py``). Then, like ``--count`` people
who opened the form earlier and now press "Aanmelden" at the same moment:

1. before the clock starts, every visitor GETs /aanmelden/ for its own CSRF cookie and token
   (a person loads the form minutes before sending it);
2. one thread per visitor waits at a barrier; all are released together and each POSTs its
   registration on a new connection. Its latency runs from its own connect to the last byte
   of the answer, the 302 to the thank-you page (not followed): the provider, its audit event
   and its outbox e-mail are committed, and the send task published, before gunicorn answers.

Checks that every submission was answered with that 302, is stored exactly once and has its
confirmation e-mail in the outbox (with Redis: and that each send task reached the broker).
Prints the counts, latency percentiles, throughput, the CPU time one submission costs gunicorn
and PostgreSQL, what the load generator itself cost, and the machine's load. Exit status 1 when
a check fails. With ``REDIS_URL`` the rate-limit cache and the Celery broker are Redis as in
production (the tasks go to a queue of their own, deleted afterwards); without it they are
local memory. Bounded: at most 500 submissions and ``--timeout`` seconds.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
MAX_COUNT = 500
FORM = "/aanmelden/"
DONE = "/aanmelden/verstuurd/"


@dataclass
class Visitor:
    """Someone who opened the form: the CSRF cookie the page set and the token it rendered."""

    cookie: str
    token: str


@dataclass
class Outcome:
    status: int
    seconds: float
    name: str
    location: str = ""
    started: float = 0.0  # perf_counter() at the connect; in a burst: seconds after the release

    @property
    def registered(self) -> bool:
        """Answered as a new registration: 302 to the thank-you page."""
        return self.status == 302 and self.location.endswith(DONE)


@dataclass
class Burst:
    outcomes: list[Outcome]
    prepare_seconds: float = 0.0  # opening the forms, before the clock starts
    wall_seconds: float = 0.0  # release until the last answer
    spread_seconds: float = 0.0  # release until the last thread began its request
    client_cpu_seconds: float = 0.0  # the load generator's own CPU during the burst
    server_cpu_seconds: dict[str, float] = field(default_factory=dict)  # gunicorn, postgres
    broken_barrier: bool = False

    @property
    def seconds(self) -> list[float]:
        return [o.seconds for o in self.outcomes]


# --- The server -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_gunicorn(
    env: dict[str, str],
    *,
    workers: int | None = None,
    log_path: Path | None = None,
    port: int | None = None,
):
    """gunicorn with the production configuration (gunicorn.conf.py) on 127.0.0.1; returns
    (process, base URL) once it answers. ``workers`` overrides the configured count."""
    port = port or free_port()
    log = (log_path or Path(os.devnull)).open("w")
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "sportloket.wsgi:application",
        "--config",
        str(BASE_DIR / "gunicorn.conf.py"),
        "--bind",
        f"{HOST}:{port}",
    ]
    if workers is not None:
        command += ["--workers", str(workers)]
    process = subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
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


def gunicorn_config() -> dict:
    """The settings gunicorn.conf.py gives on this machine (before command-line overrides)."""
    config: dict = {}
    exec((BASE_DIR / "gunicorn.conf.py").read_text(), config)  # noqa: S102 - our own file
    return config


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def _cpu_of(pid: int) -> float:
    """User + system CPU seconds of a process (Linux /proc; 0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class ServerCPU:
    """CPU time of gunicorn (master and workers) and of the PostgreSQL backends of the load
    test's database: what the submissions cost the server, whatever else runs on the machine."""

    def __init__(self, gunicorn_pid: int, database: str):
        self.gunicorn_pid = gunicorn_pid
        self.marker = f" {database} "

    def snapshot(self) -> dict[str, dict[int, float]]:
        groups: dict[str, dict[int, float]] = {"gunicorn": {}, "postgres": {}, "machine": {}}
        # Busy time of all CPUs (everything but idle and I/O wait), whoever used it.
        ticks = [int(t) for t in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
        groups["machine"][0] = (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except (OSError, ValueError, IndexError):
                continue
            pid = int(entry.name)
            if self.gunicorn_pid in (pid, ppid):
                groups["gunicorn"][pid] = _cpu_of(pid)
            elif cmdline.startswith("postgres:") and self.marker in cmdline:
                groups["postgres"][pid] = _cpu_of(pid)
        return groups

    @staticmethod
    def used(before, after) -> dict[str, float]:
        return {
            group: sum(cpu - before[group].get(pid, 0.0) for pid, cpu in after[group].items())
            for group in after
        }


# --- The visitors -----------------------------------------------------------------------------


def form_choices(base: str) -> dict[str, str]:
    """A municipality and a sport offered by the form (values as the page renders them)."""
    with urllib.request.urlopen(base + FORM, timeout=10) as response:  # noqa: S310 - local
        html = response.read().decode()
    municipality = re.search(r'<option value="(\d+)"[^>]*>\s*Utrecht\s*</option>', html)
    sport = re.search(r'name="sports" value="(\d+)"', html)
    return {"municipality": municipality.group(1), "sport": sport.group(1)}


def visit(base: str, *, timeout: float = 30) -> Visitor:
    """GET the form as a new visitor: its CSRF cookie and the token in the page."""
    with urllib.request.urlopen(base + FORM, timeout=timeout) as response:  # noqa: S310 - local
        html = response.read().decode()
        cookies = response.headers.get_all("Set-Cookie") or []
    cookie = "; ".join(c.split(";", 1)[0] for c in cookies)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    return Visitor(cookie=cookie, token=token)


def registration(
    *, name: str, choices: dict[str, str], visitor: Visitor, kvk_number: str = ""
) -> bytes:
    """The urlencoded body of one registration (a random KvK number unless given)."""
    return urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": visitor.token,
            "name": name,
            "kind": "entrepreneur",
            "kvk_number": kvk_number or f"{uuid.uuid4().int % 10**8:08d}",
            "municipality": choices["municipality"],
            "postcode": "3511 AB",
            "city": "Utrecht",
            "sports": choices["sport"],
            "contact_name": "Kim de Boer",
            "email": f"{name.lower().replace(' ', '-')}@load.example",
            "privacy_consent": "on",
            "website_url": "",
        }
    ).encode()


def post(base: str, *, name: str, body: bytes, visitor: Visitor, timeout: float) -> Outcome:
    """POST one registration on a new connection, as a browser does minutes after loading the
    form; timed from the connect to the last byte of the answer. Redirects are not followed."""
    address = urllib.parse.urlsplit(base)
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": visitor.cookie,
        "Referer": base + FORM,
        "Connection": "close",
    }
    started = time.perf_counter()
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=timeout)
    try:
        connection.request("POST", FORM, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        status, location = response.status, response.getheader("Location", "")
    except (OSError, http.client.HTTPException):
        status, location = 0, ""
    finally:
        connection.close()
    return Outcome(status, time.perf_counter() - started, name, location, started)


def submit(base: str, *, name: str, choices: dict[str, str], timeout: float = 30) -> Outcome:
    """One visitor: GET the form, then POST it (only the POST is timed)."""
    visitor = visit(base, timeout=timeout)
    body = registration(name=name, choices=choices, visitor=visitor)
    return post(base, name=name, body=body, visitor=visitor, timeout=timeout)


def fire(
    base: str,
    *,
    count: int,
    prefix: str,
    timeout: float,
    kvk_numbers: list[str] | None = None,
    server: ServerCPU | None = None,
) -> Burst:
    """``count`` registrations released together, one thread and one new connection each.

    The forms are opened (CSRF cookie and token) before, and outside, the timed burst.
    """
    choices = form_choices(base)
    opened = time.perf_counter()
    with ThreadPoolExecutor(4) as pool:
        visitors = list(pool.map(lambda _: visit(base, timeout=timeout), range(count)))
    names = [f"{prefix} {i:04d}" for i in range(count)]
    kvk_numbers = kvk_numbers or [""] * count
    bodies = [
        registration(name=n, choices=choices, visitor=v, kvk_number=k)
        for n, v, k in zip(names, visitors, kvk_numbers, strict=True)
    ]
    burst = Burst(outcomes=[], prepare_seconds=time.perf_counter() - opened)
    lock = threading.Lock()
    released: list[float] = []
    before: list = []

    def release() -> None:  # runs once, in the last thread to arrive, before any is let go
        before.append((time.process_time(), server.snapshot() if server else None))
        released.append(time.perf_counter())

    gate = threading.Barrier(count, action=release)

    def one(i: int) -> None:
        try:
            gate.wait(timeout=timeout)
        except threading.BrokenBarrierError:
            burst.broken_barrier = True
        outcome = post(base, name=names[i], body=bodies[i], visitor=visitors[i], timeout=timeout)
        with lock:
            burst.outcomes.append(outcome)

    threads = [threading.Thread(target=one, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout + 5
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    finished = time.perf_counter()
    if released:
        cpu, snapshot = before[0]
        burst.client_cpu_seconds = time.process_time() - cpu
        if server:
            burst.server_cpu_seconds = server.used(snapshot, server.snapshot())
        with lock:
            for outcome in burst.outcomes:
                outcome.started -= released[0]
            burst.spread_seconds = max((o.started for o in burst.outcomes), default=0.0)
            burst.wall_seconds = max(
                (o.started + o.seconds for o in burst.outcomes), default=finished - released[0]
            )
    return burst


def warm(base: str, *, count: int, kvk_numbers: list[str]) -> None:
    """``count`` registrations one after the other, before the burst and outside its figures:
    each gunicorn worker has then loaded what a submission needs (the e-mail's and the
    broker's code paths, the database connections of its threads), as a server that has been
    running does."""
    if not count:
        return
    choices = form_choices(base)
    prefix = f"Warm {uuid.uuid4().hex[:8]}"
    for i in range(count):
        visitor = visit(base)
        body = registration(
            name=f"{prefix} {i:04d}", choices=choices, visitor=visitor, kvk_number=kvk_numbers[i]
        )
        outcome = post(base, name=prefix, body=body, visitor=visitor, timeout=30)
        if not outcome.registered:
            raise RuntimeError(f"warm-up registration answered {outcome.status}")


def floor_burst(
    base: str, *, count: int, path: str = "/health/live/", timeout: float
) -> list[float]:
    """``count`` GETs of a trivial view (no query, no template) released together on new
    connections to the same server: what a burst costs this machine right now, whatever the
    application does. Seconds per request, from the connect to the last byte."""
    address = urllib.parse.urlsplit(base)
    seconds: list[float] = []
    lock = threading.Lock()
    gate = threading.Barrier(count)

    def one() -> None:
        try:
            gate.wait(timeout=timeout)
        except threading.BrokenBarrierError:
            pass
        started = time.perf_counter()
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=timeout)
        try:
            connection.request("GET", path, headers={"Connection": "close"})
            connection.getresponse().read()
        except (OSError, http.client.HTTPException):
            pass
        finally:
            connection.close()
        with lock:
            seconds.append(time.perf_counter() - started)

    threads = [threading.Thread(target=one, daemon=True) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout + 5)
    return seconds


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


# --- Checks and report ------------------------------------------------------------------------


@dataclass
class Stored:
    providers: int  # distinct names of the run in the database
    duplicates: int  # names stored more than once
    outbox: int  # providers of the run with their confirmation e-mail in the outbox
    published: int | None = None  # send tasks that reached the broker (Redis only)


def stored_rows(prefix: str) -> Stored:
    from django.db.models import Count

    from providers.models import Provider
    from sportloket.models import OutgoingEmail

    rows = Provider.objects.filter(name__startswith=prefix)
    keys = [f"provider:{pk}:confirm" for pk in rows.values_list("pk", flat=True)]
    return Stored(
        providers=rows.values("name").distinct().count(),
        duplicates=rows.values("name").annotate(n=Count("pk")).filter(n__gt=1).count(),
        outbox=OutgoingEmail.objects.filter(key__in=keys).count(),
    )


def summary(burst: Burst, *, count: int, stored: Stored) -> tuple[bool, list[str]]:
    """The checks and the lines to print."""
    outcomes, seconds = burst.outcomes, burst.seconds
    registered = sum(1 for o in outcomes if o.registered)
    failed = sum(1 for o in outcomes if o.status >= 500 or o.status == 0)
    published = "" if stored.published is None else f", send task on the broker: {stored.published}"
    lines = [
        f"prepared:           {count} visitors opened the form (CSRF cookie + token) in "
        f"{burst.prepare_seconds:.1f} s, before the clock started",
        f"released:           {count} POSTs at once; the last one started "
        f"{burst.spread_seconds * 1000:.0f} ms after the release",
        f"answered:           {len(outcomes)}  (302 registered: {registered}, "
        f"other: {len(outcomes) - registered - failed}, 5xx/none: {failed})",
        f"stored providers:   {stored.providers}  (duplicates: {stored.duplicates}, "
        f"confirmation e-mail in the outbox: {stored.outbox}{published})",
    ]
    if seconds:
        lines += [
            f"latency per POST:   median {statistics.median(seconds) * 1000:.0f} ms, "
            f"p95 {percentile(seconds, 0.95) * 1000:.0f} ms, max {max(seconds) * 1000:.0f} ms",
            f"throughput:         {len(outcomes) / burst.wall_seconds:.0f} submissions/s "
            f"(release to last answer {burst.wall_seconds:.2f} s)",
        ]
    if burst.server_cpu_seconds:
        cpu = burst.server_cpu_seconds
        per = {k: v / max(1, len(outcomes)) * 1000 for k, v in cpu.items()}
        lines.append(
            f"CPU per submission: gunicorn {per['gunicorn']:.1f} ms, PostgreSQL "
            f"{per['postgres']:.1f} ms, load generator "
            f"{burst.client_cpu_seconds / max(1, len(outcomes)) * 1000:.1f} ms"
        )
        others = cpu["machine"] - cpu["gunicorn"] - cpu["postgres"] - burst.client_cpu_seconds
        lines.append(
            f"other processes:    {max(0.0, others) / max(burst.wall_seconds, 1e-3):.1f} cores "
            f"busy on average during the burst (of {os.cpu_count()})"
        )
    ok = (
        not burst.broken_barrier
        and len(outcomes) == registered == count
        and stored.providers == stored.outbox == count
        and not stored.duplicates
        and stored.published in (None, count)
    )
    return ok, lines


def report(burst: Burst, *, count: int, stored: Stored) -> bool:
    ok, lines = summary(burst, count=count, stored=stored)
    print("\n".join(lines))
    return ok


def unused_kvk_numbers(count: int) -> list[str]:
    """``count`` consecutive valid KvK numbers that no provider has: a collision with an
    earlier run would be answered "already known" and not stored."""
    from providers.models import Provider

    rng = random.Random()  # noqa: S311 - test data
    for _ in range(20):
        start = rng.randrange(10_000_000, 49_000_000)
        numbers = [str(n) for n in range(start, start + count)]
        if not Provider.objects.filter(kvk_number__in=numbers).exists():
            return numbers
    raise RuntimeError("no free block of KvK numbers found")


def create_database(parsed: urllib.parse.ParseResult) -> None:
    """Create the load test's database when it does not exist yet (a fresh machine)."""
    import psycopg2
    from psycopg2 import sql

    name = parsed.path.lstrip("/")
    server = psycopg2.connect(
        host=parsed.hostname,
        port=parsed.port or 5432,
        user=urllib.parse.unquote(parsed.username or "postgres"),
        password=urllib.parse.unquote(parsed.password or "") or None,
        dbname="postgres",
    )
    server.autocommit = True
    try:
        with server.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                print(f"created database {name}")
    finally:
        server.close()


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.loadtest")
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument("--workers", type=int, default=None, help="override gunicorn.conf.py")
    parser.add_argument(
        "--warmup",
        type=int,
        default=0,
        help="registrations sent one by one before the burst (not counted): a server that has "
        "served the form's POST before, as in production",
    )
    parser.add_argument(
        "--registry", type=int, default=50_000, help="top the registry up to this many first"
    )
    args = parser.parse_args()
    if not 1 <= args.count <= MAX_COUNT:
        parser.error(f"--count must be between 1 and {MAX_COUNT}")
    database_url = os.environ.get("DATABASE_URL", "")
    parsed = urllib.parse.urlparse(database_url)
    if not parsed.scheme.startswith("postgres") or parsed.hostname not in (HOST, "localhost"):
        parser.error("set DATABASE_URL to a PostgreSQL database on 127.0.0.1")
    redis_url = os.environ.get("REDIS_URL", "")
    if redis_url and urllib.parse.urlparse(redis_url).hostname not in (HOST, "localhost"):
        parser.error("REDIS_URL must be a Redis on 127.0.0.1")
    queue = f"loadtest-{uuid.uuid4().hex[:12]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "sportloket.settings.dev",
        "DJANGO_DEBUG": "false",
        "DJANGO_LOG_LEVEL": "WARNING",
        # The load is the point here, not the per-address limit of the public forms.
        "SPORTLOKET_PUBLIC_FORM_RATE": str(10**9),
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "CELERY_BROKER_URL": redis_url or "memory://",
        "CELERY_TASK_DEFAULT_QUEUE": queue,
    }
    create_database(parsed)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
        cwd=BASE_DIR,
        env=env,
        check=True,
    )
    os.environ.update({k: env[k] for k in ("DJANGO_SETTINGS_MODULE", "DJANGO_LOG_LEVEL")})
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    from django.db import connection

    from bench import bench_providers
    from providers.models import Provider

    bench_providers.TOTAL = args.registry
    bench_providers.fill()
    registry = Provider.objects.count()
    kvk_numbers = unused_kvk_numbers(args.count + args.warmup)
    connection.close()

    load = os.getloadavg()[0]
    process, base = start_gunicorn(env, workers=args.workers)
    prefix = f"Load {uuid.uuid4().hex[:8]}"
    try:
        warm(base, count=args.warmup, kvk_numbers=kvk_numbers[args.count :])
        burst = fire(
            base,
            count=args.count,
            prefix=prefix,
            timeout=args.timeout,
            kvk_numbers=kvk_numbers[: args.count],
            server=ServerCPU(process.pid, parsed.path.lstrip("/")),
        )
    finally:
        stop(process)
    stored = stored_rows(prefix)
    if redis_url:
        import redis

        broker = redis.Redis.from_url(redis_url)
        stored.published = broker.llen(queue)
        for key in broker.scan_iter(f"*{queue}*"):  # the queue and kombu's bindings of it
            broker.delete(key)
    config = gunicorn_config()
    overrides = os.environ.get("GUNICORN_CMD_ARGS", "")
    print(
        f"server:             gunicorn.conf.py ({config['worker_class']}, "
        f"{args.workers or config['workers']} workers x {config['threads']} threads"
        f"{', ' + overrides if overrides else ''}); PostgreSQL {parsed.path[1:]} with "
        f"{registry} providers; cache and broker: {'Redis' if redis_url else 'local memory'}"
    )
    print(f"machine:            {os.cpu_count()} cores, load average {load:.1f} before the run")
    print(f"warm-up:            {args.warmup} registrations one by one before the burst")
    return 0 if report(burst, count=args.count, stored=stored) else 1


if __name__ == "__main__":
    sys.exit(main())
