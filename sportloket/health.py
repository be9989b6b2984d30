"""Health endpoints for orchestrators and monitoring (docs/operations/deployment.md, "Health").

- ``/health/live/``: the process answers. No check, no database query, no session.
- ``/health/ready/``: this process can serve: database, migrations applied, cache, Celery
  broker, default file storage writable (django-health-check's checks plus two of ours).
- ``/health/status/``: what a monitoring system watches over time: the freshest worker
  heartbeat, the last run of every periodic task of ``CELERY_BEAT_SCHEDULE`` and the outbox
  backlog, each turned red by a ``SPORTLOKET_HEALTH_*`` threshold. Only with the bearer token
  ``SPORTLOKET_HEALTH_TOKEN`` or for a logged-in administrator.

Every failing check answers 503 and says why. The checks run one after another in the request's
own thread (not django-health-check's async view with a thread pool), so they use the request's
database connection and leave no connection behind in pool threads. Output: JSON with
``Accept: application/json`` or ``?format=json``, plain text with ``Accept: text/plain`` or
``?format=text``, else a small HTML page. Messages are in English, like the logs: they are read
by operators and machines, and they never contain personal data.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hmac
import inspect
import logging
import time
from collections.abc import Iterable

from asgiref.sync import async_to_sync
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.urls import path
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.views import View
from health_check.base import HealthCheck
from health_check.checks import Cache, Database, Storage
from health_check.exceptions import HealthCheckException, ServiceUnavailable

from .constants import EmailStatus, Role
from .heartbeat import PERIODIC_PREFIX, SINCE_KEY, WORKER_PREFIX

logger = logging.getLogger(__name__)

# --- Checks ------------------------------------------------------------------------------------


@dataclasses.dataclass
class DatabaseReachable(Database):
    """django-health-check's ``SELECT 1``, without the driver's message in the answer: it names
    the database host and port, and the readiness endpoint is open."""

    def run(self) -> None:
        try:
            super().run()
        except ServiceUnavailable as exc:
            logger.warning("Database health check failed: %s", exc)
            raise ServiceUnavailable("Database unavailable") from exc


@dataclasses.dataclass
class Migrations(HealthCheck):
    """Every migration of the code is applied to the database."""

    def run(self) -> None:
        try:
            executor = MigrationExecutor(connection)
            plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        except DatabaseError as exc:
            raise ServiceUnavailable("Database unavailable") from exc
        if plan:
            names = ", ".join(f"{m.app_label}.{m.name}" for m, _backwards in plan[:5])
            raise ServiceUnavailable(f"{len(plan)} migration(s) not applied: {names}")


@dataclasses.dataclass
class Broker(HealthCheck):
    """The Celery broker accepts a connection (tasks can be published)."""

    def run(self) -> None:
        from .celery import app

        try:
            with app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=3)
        except Exception as exc:  # noqa: BLE001 - kombu raises transport-specific errors
            raise ServiceUnavailable(f"Broker unreachable ({type(exc).__name__})") from exc


def _ago(moment: dt.datetime | None, now: dt.datetime) -> str:
    if moment is None:
        return "never"
    return f"{moment.isoformat(timespec='seconds')} ({int((now - moment).total_seconds())} s ago)"


@dataclasses.dataclass
class WorkerAlive(HealthCheck):
    """The freshest worker heartbeat is at most SPORTLOKET_HEALTH_HEARTBEAT_MAX_AGE old."""

    detail: dict = dataclasses.field(default_factory=dict, repr=False)

    def run(self) -> None:
        from .models import HealthBeat

        now = timezone.now()
        max_age = dt.timedelta(seconds=settings.SPORTLOKET_HEALTH_HEARTBEAT_MAX_AGE)
        beats = list(HealthBeat.objects.filter(key__startswith=WORKER_PREFIX).values_list("at"))
        last = max((at for (at,) in beats), default=None)
        fresh = sum(1 for (at,) in beats if now - at <= max_age)
        self.detail = {"last_heartbeat": _ago(last, now), "workers_alive": fresh}
        if last is None:
            raise ServiceUnavailable("No worker heartbeat recorded yet")
        if now - last > max_age:
            raise ServiceUnavailable(
                f"Last worker heartbeat {_ago(last, now)}, "
                f"more than {settings.SPORTLOKET_HEALTH_HEARTBEAT_MAX_AGE} s"
            )


@dataclasses.dataclass
class PeriodicTasks(HealthCheck):
    """Every entry of CELERY_BEAT_SCHEDULE ran at its last due time, give or take
    SPORTLOKET_HEALTH_BEAT_GRACE seconds. An entry that never ran counts from the first worker
    heartbeat ever (monitoring start), so a weekly job is not red on the day of installation."""

    detail: dict = dataclasses.field(default_factory=dict, repr=False)

    def run(self) -> None:
        from .models import HealthBeat

        now = timezone.now()
        grace = dt.timedelta(seconds=settings.SPORTLOKET_HEALTH_BEAT_GRACE)
        stored = dict(
            HealthBeat.objects.filter(key__startswith=PERIODIC_PREFIX).values_list("key", "at")
        )
        since = HealthBeat.objects.filter(key=SINCE_KEY).values_list("at", flat=True).first()
        late = []
        for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
            last = stored.get(f"{PERIODIC_PREFIX}{name}")
            self.detail[name] = _ago(last, now)
            reference = last or since
            if reference is None:
                continue
            overdue = -entry["schedule"].remaining_estimate(reference)
            if overdue > grace:
                late.append(f"{name} (last run {_ago(last, now)})")
        if late:
            raise ServiceUnavailable("Periodic tasks late: " + "; ".join(late))


@dataclasses.dataclass
class Outbox(HealthCheck):
    """The e-mail outbox keeps up: few unsent e-mails older than
    SPORTLOKET_HEALTH_OUTBOX_PENDING_MINUTES, few failed ones in the last
    SPORTLOKET_HEALTH_OUTBOX_FAILED_HOURS. Counts only, never addresses or subjects."""

    detail: dict = dataclasses.field(default_factory=dict, repr=False)

    def run(self) -> None:
        from .models import OutgoingEmail

        now = timezone.now()
        minutes = settings.SPORTLOKET_HEALTH_OUTBOX_PENDING_MINUTES
        hours = settings.SPORTLOKET_HEALTH_OUTBOX_FAILED_HOURS
        pending = OutgoingEmail.objects.filter(
            status__in=[EmailStatus.PENDING, EmailStatus.SENDING],
            created_at__lt=now - dt.timedelta(minutes=minutes),
        ).count()
        failed = OutgoingEmail.objects.filter(
            status=EmailStatus.FAILED, created_at__gte=now - dt.timedelta(hours=hours)
        ).count()
        self.detail = {
            f"unsent_older_than_{minutes}_min": pending,
            f"failed_last_{hours}_h": failed,
        }
        problems = []
        if pending > settings.SPORTLOKET_HEALTH_OUTBOX_PENDING_MAX:
            problems.append(
                f"{pending} e-mail(s) unsent for more than {minutes} min "
                f"(threshold {settings.SPORTLOKET_HEALTH_OUTBOX_PENDING_MAX})"
            )
        if failed > settings.SPORTLOKET_HEALTH_OUTBOX_FAILED_MAX:
            problems.append(
                f"{failed} e-mail(s) failed in the last {hours} h "
                f"(threshold {settings.SPORTLOKET_HEALTH_OUTBOX_FAILED_MAX})"
            )
        if problems:
            raise ServiceUnavailable("; ".join(problems))


# --- Running and answering ---------------------------------------------------------------------


@dataclasses.dataclass
class Result:
    name: str
    error: str | None
    seconds: float
    detail: dict


def run_checks(checks: Iterable[tuple[str, HealthCheck]]) -> list[Result]:
    """Run each check in this thread; an unexpected exception is logged, and reported without
    its text (it could contain a connection string)."""
    results = []
    for name, check in checks:
        start = time.perf_counter()
        try:
            if inspect.iscoroutinefunction(check.run):
                async_to_sync(check.run)()
            else:
                check.run()
        except HealthCheckException as exc:
            error = str(exc)
        except Exception:  # noqa: BLE001 - a health check reports, it never raises
            logger.exception("Health check %s failed unexpectedly", name)
            error = "Unavailable: unexpected error (see the logs)"
        else:
            error = None
        detail = getattr(check, "detail", {})
        results.append(Result(name, error, time.perf_counter() - start, detail))
    return results


def wants(request: HttpRequest) -> str:
    """``json``, ``text`` or ``html``: ``?format=`` first, then the Accept header."""
    chosen = request.GET.get("format", "")
    if chosen in ("json", "text", "html"):
        return chosen
    accept = request.headers.get("Accept", "")
    if "application/json" in accept:
        return "json"
    if "text/plain" in accept and "text/html" not in accept:
        return "text"
    return "html"


def respond(request: HttpRequest, title: str, results: list[Result]) -> HttpResponse:
    healthy = not any(r.error for r in results)
    status = 200 if healthy else 503
    overall = "ok" if healthy else "error"
    kind = wants(request)
    if kind == "json":
        response = JsonResponse(
            {
                "status": overall,
                "checks": {
                    r.name: {
                        "status": "error" if r.error else "ok",
                        **({"error": r.error} if r.error else {}),
                        "seconds": round(r.seconds, 3),
                        **r.detail,
                    }
                    for r in results
                },
            },
            status=status,
        )
    elif kind == "text":
        lines = [f"{overall}"] + [f"{r.name}: {r.error or 'OK'}" for r in results]
        response = HttpResponse(
            "\n".join(lines) + "\n", status=status, content_type="text/plain; charset=utf-8"
        )
    else:
        response = HttpResponse(
            render_to_string(
                "sportloket/health.html",
                {"title": title, "overall": overall, "results": results},
            ),
            status=status,
        )
    patch_vary_headers(response, ["Accept"])
    add_never_cache_headers(response)
    return response


class LiveView(View):
    """The process answers: no dependency, no query (an orchestrator restarts on failure, and a
    database outage must not restart every web process)."""

    def get(self, request: HttpRequest) -> HttpResponse:
        return respond(request, "Sportloket: live", [])


class ReadyView(View):
    """Send traffic here only while every dependency of a request answers."""

    def checks(self) -> list[tuple[str, HealthCheck]]:
        return [
            ("database", DatabaseReachable()),
            ("migrations", Migrations()),
            ("cache", Cache()),
            ("broker", Broker()),
            ("storage", Storage()),
        ]

    def get(self, request: HttpRequest) -> HttpResponse:
        return respond(request, "Sportloket: ready", run_checks(self.checks()))


class StatusView(ReadyView):
    """Readiness plus the background work, for monitoring. Access: ``Authorization: Bearer
    <SPORTLOKET_HEALTH_TOKEN>``, or a logged-in administrator (through the two-step login).
    Anonymous without a token is sent to the login page; a wrong token or another role: 403."""

    def checks(self) -> list[tuple[str, HealthCheck]]:
        return [
            *super().checks(),
            ("worker", WorkerAlive()),
            ("periodic_tasks", PeriodicTasks()),
            ("outbox", Outbox()),
        ]

    def get(self, request: HttpRequest) -> HttpResponse:
        token = settings.SPORTLOKET_HEALTH_TOKEN
        given = request.headers.get("Authorization", "")
        if given:
            if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
                return super().get(request)
            return HttpResponse("Forbidden\n", status=403, content_type="text/plain")
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        from .selectors import user_scope

        if user_scope(user).role != Role.ADMINISTRATOR:
            return HttpResponse("Forbidden\n", status=403, content_type="text/plain")
        return super().get(request)


urlpatterns = [
    path("live/", LiveView.as_view(), name="health_live"),
    path("ready/", ReadyView.as_view(), name="health_ready"),
    path("status/", StatusView.as_view(), name="health_status"),
]
