"""Logs a log system can read and error reports, both free of personal data.

Every log line carries the id of the request it belongs to (``X-Request-ID``, see
``sportloket.requestlog``); a task enqueued by a request carries the same id in its message
headers, so one search finds the request and the work it caused on any machine. Lines and Sentry
events pass through one redaction: e-mail addresses and secret-looking path segments (the
tokens of follow links, unsubscribe and confirmation links) never leave the process.

Imported by the settings and by ``sportloket.celery``: nothing here may touch Django's
settings or models at import time.
"""

from __future__ import annotations

import contextvars
import logging
import re
import time
import uuid
from typing import Any

from pythonjsonlogger.json import JsonFormatter

REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
# What a client or proxy may hand us as request id: a UUID, a hex string, an nginx $request_id.
_REQUEST_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{7,127}")
_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}\b")
# A path segment this long made of token characters is a secret (signed or random token).
_TOKEN_SEGMENT_RE = re.compile(r"(?<=/)[A-Za-z0-9_:.=-]{20,}(?=/|\?|$|\s)")
_QUERY_RE = re.compile(r"(?<=[\w/])\?\S*")
REDACTED_EMAIL = "[e-mail]"
REDACTED_TOKEN = "[token]"  # noqa: S105 - a placeholder, not a password


def request_id_or_new(value: str | None) -> str:
    """The incoming request id when it is well formed, otherwise a fresh one."""
    if value and _REQUEST_ID_RE.fullmatch(value):
        return value
    return uuid.uuid4().hex


def redact(text: str) -> str:
    """Remove e-mail addresses, query strings and token path segments from ``text``."""
    text = _EMAIL_RE.sub(REDACTED_EMAIL, text)
    text = _QUERY_RE.sub("?[query]", text)
    return _TOKEN_SEGMENT_RE.sub(REDACTED_TOKEN, text)


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` (empty outside a request or task) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = REQUEST_ID.get()
        return True


class RedactFilter(logging.Filter):
    """Redacts the rendered message (arguments included) before any handler formats it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class TextFormatter(logging.Formatter):
    """The usual text lines; tracebacks redacted (their last line repeats the error text)."""

    def formatException(self, ei) -> str:  # noqa: N802 - logging's name
        return redact(super().formatException(ei))


class JsonLineFormatter(JsonFormatter):
    """One JSON object per line; tracebacks redacted like the text format's."""

    def formatException(self, ei):  # noqa: N802 - logging's name
        text = super().formatException(ei)
        return [redact(line) for line in text] if isinstance(text, list) else redact(text)


def logging_config(*, fmt: str, level: str) -> dict[str, Any]:
    """Django's LOGGING: ``fmt`` "json" (one object per line, on stdout for the container's
    log collector) or "text" (on stderr, as usual in a terminal, where stdout stays free for a
    command's output such as ``dumpdata``).

    ``django.request`` is kept to errors: its 404 warnings repeat the path, secrets included
    (the request line of ``sportloket.requestlog`` reports each request once, without them).
    """
    if fmt not in {"json", "text"}:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(f'DJANGO_LOG_FORMAT must be "json" or "text", not "{fmt}".')
    formatters = {
        "text": {
            "()": "sportloket.observability.TextFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s",
        },
        "json": {
            "()": "sportloket.observability.JsonLineFormatter",
            "format": "%(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",  # ISO 8601 in UTC
        },
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": "sportloket.observability.RequestIdFilter"},
            "redact": {"()": "sportloket.observability.RedactFilter"},
        },
        "formatters": {fmt: formatters[fmt]},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout" if fmt == "json" else "ext://sys.stderr",
                "formatter": fmt,
                "filters": ["request_id", "redact"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django.db.backends": {"level": "INFO"},
            "django.request": {"level": "ERROR"},
        },
    }


# --- Celery: one line per task, the request id carried along ---------------------------------

task_logger = logging.getLogger("sportloket.task")
_running: dict[str, list[tuple[float, contextvars.Token[str]]]] = {}
_OUTCOMES = {"SUCCESS": "success", "RETRY": "retry", "FAILURE": "failure"}


def _on_publish(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    request_id = REQUEST_ID.get()
    if request_id and headers is not None:
        headers.setdefault("request_id", request_id)


def _on_prerun(task_id: str, task: Any, **kwargs: Any) -> None:
    request_id = getattr(task.request, "request_id", None) or ""
    if not _REQUEST_ID_RE.fullmatch(request_id):
        request_id = REQUEST_ID.get()  # an eager task inherits the caller's id
    token = REQUEST_ID.set(request_id)
    _running.setdefault(task_id, []).append((time.monotonic(), token))


def _on_postrun(task_id: str, task: Any, state: str | None = None, **kwargs: Any) -> None:
    started = _running.get(task_id)
    if not started:
        return
    start, token = started.pop()
    if not started:
        del _running[task_id]
    duration_ms = round((time.monotonic() - start) * 1000, 1)
    # No state: the exception left the tracer before one was recorded (eager and propagating).
    outcome = _OUTCOMES.get(state, state.lower()) if state else "failure"
    task_logger.info(
        "task %s %s %sms",
        task.name,
        outcome,
        duration_ms,
        extra={
            "task_name": task.name,
            "task_id": task_id,
            "duration_ms": duration_ms,
            "outcome": outcome,
        },
    )
    REQUEST_ID.reset(token)


def connect_celery_signals() -> None:
    """Hook the request id and the task log line into Celery (web, worker and beat)."""
    from celery import signals

    signals.before_task_publish.connect(_on_publish, weak=False)
    signals.task_prerun.connect(_on_prerun, weak=False)
    signals.task_postrun.connect(_on_postrun, weak=False)


# --- Sentry ----------------------------------------------------------------------------------


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: _scrub(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(item) for item in value]
    return value


def sentry_before_send(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    """Drop what a request may carry of a person, then redact every string of the event."""
    request = event.get("request")
    if isinstance(request, dict):
        for key in ("cookies", "data", "query_string", "env"):
            request.pop(key, None)
        headers = request.get("headers")
        if isinstance(headers, dict):
            request["headers"] = {
                name: value
                for name, value in headers.items()
                if name.lower() not in {"cookie", "authorization", "x-forwarded-for", "referer"}
            }
    event.pop("user", None)
    return _scrub(event)


def sentry_init(*, dsn: str, environment: str, release: str) -> None:
    """Report errors of web and worker processes to Sentry, without personal data."""
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment or None,
        release=release or None,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        # sentry-sdk 3's successor of send_default_pii=False: no user, cookies, bodies, query
        # strings, SQL parameters or local variables (frames hold requesters' names and texts).
        data_collection={
            "user_info": False,
            "cookies": {"mode": "off"},
            "http_bodies": [],
            "url_query_params": {"mode": "off"},
            "http_headers": {
                "request": {"mode": "allowlist", "terms": ["accept-language", "user-agent"]}
            },
            "database_query_data": False,
            "stack_frame_variables": False,
        },
        max_request_body_size="never",
        before_send=sentry_before_send,
    )
