"""Request id, one log line per request and per task, and no personal data in either."""

from __future__ import annotations

import json
import logging
import logging.config
import re

import pytest
from django.urls import reverse

from sportloket import services, tasks
from sportloket.observability import REQUEST_ID, logging_config, redact
from tests.conftest import wait_until

pytestmark = pytest.mark.django_db

TOKEN = "Zk3f9QwPZ2mVb8RtYc4NxLs7Ha1Jd6Ue"  # noqa: S105


def request_records(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "sportloket.request"]


def task_records(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "sportloket.task"]


def test_a_well_formed_incoming_request_id_is_kept_and_returned(client, caplog):
    caplog.set_level(logging.INFO)
    response = client.get("/account/login/", headers={"X-Request-ID": "lb-7f3a9c21"})
    assert response.status_code == 200
    assert response["X-Request-ID"] == "lb-7f3a9c21"
    (record,) = request_records(caplog)
    assert record.request_id == "lb-7f3a9c21"
    assert (record.method, record.path, record.status) == ("GET", "/account/login/", 200)
    assert record.route_name == "login"
    assert record.user_id is None
    assert record.duration_ms >= 0


@pytest.mark.parametrize(
    "incoming",
    ["", "short", "has space in it", "x" * 200, "<script>alert(1)</script>", "ünïcode-id"],
)
def test_a_missing_or_malformed_request_id_is_replaced_by_a_new_one(client, caplog, incoming):
    caplog.set_level(logging.INFO)
    headers = {"X-Request-ID": incoming} if incoming else {}
    response = client.get("/account/login/", headers=headers)
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])
    assert request_records(caplog)[0].request_id == response["X-Request-ID"]
    assert response["X-Request-ID"] != client.get("/account/login/")["X-Request-ID"]


def test_the_request_line_names_the_logged_in_user_by_id(client, caplog, policy_staff):
    caplog.set_level(logging.INFO)
    client.force_login(policy_staff)
    client.get(reverse("home"))
    assert request_records(caplog)[-1].user_id == policy_staff.pk


def test_a_token_in_the_path_or_query_is_never_logged(client, caplog):
    caplog.set_level(logging.DEBUG)
    response = client.get(f"/hulpvraag/volg/{TOKEN}/?token={TOKEN}&email=kim@example.org")
    assert response.status_code == 404
    (record,) = request_records(caplog)
    assert record.path == "/hulpvraag/volg/<slug:token>/"
    assert record.status == 404
    assert TOKEN not in caplog.text
    assert "kim@example.org" not in caplog.text


def test_an_unknown_path_is_logged_as_unmatched(client, caplog):
    caplog.set_level(logging.INFO)
    client.get(f"/geheim/{TOKEN}/")
    assert request_records(caplog)[0].path == "(unmatched)"
    assert TOKEN not in caplog.text


def test_sending_an_email_logs_neither_address_nor_key(caplog, django_capture_on_commit_callbacks):
    caplog.set_level(logging.DEBUG)
    with django_capture_on_commit_callbacks(execute=True):
        services.email_queue(
            key=f"password-reset:MQ:{TOKEN}",
            to=["kim@example.org"],
            template="emails/password_reset",
            context={"protocol": "https", "domain": "x", "uid": "MQ", "token": "t", "user": None},
        )
    assert "Sent outbox e-mail" in caplog.text
    assert "kim@example.org" not in caplog.text
    assert TOKEN not in caplog.text


def test_a_task_logs_one_line_with_name_id_duration_outcome_and_the_callers_request_id(caplog):
    caplog.set_level(logging.INFO)
    token = REQUEST_ID.set("caller-req-42")
    try:
        result = tasks.retry_unsent_emails.apply()
    finally:
        REQUEST_ID.reset(token)
    (record,) = task_records(caplog)
    assert record.task_name == "sportloket.tasks.retry_unsent_emails"
    assert record.task_id == result.id
    assert record.outcome == "success"
    assert record.duration_ms >= 0
    assert record.request_id == "caller-req-42"
    assert REQUEST_ID.get() == ""


def test_a_failing_task_logs_failure(caplog, monkeypatch):
    caplog.set_level(logging.INFO)

    def broken() -> list[int]:
        raise RuntimeError("database gone")

    monkeypatch.setattr(services, "emails_due_for_retry", broken)
    with pytest.raises(RuntimeError):
        tasks.retry_unsent_emails.apply()
    assert [r.outcome for r in task_records(caplog)] == ["failure"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Sent to kim.de-vries+x@gemeente.example.nl", "Sent to [e-mail]"),
        (f"Not Found: /hulpvraag/volg/{TOKEN}/", "Not Found: /hulpvraag/volg/[token]/"),
        ("GET /aanmelden/?email=a@b.nl&x=1 HTTP/1.1", "GET /aanmelden/?[query] HTTP/1.1"),
        ("Task x[3f2b] succeeded in 0.1s: 3", "Task x[3f2b] succeeded in 0.1s: 3"),
    ],
)
def test_redact(text, expected):
    assert redact(text) == expected


def test_json_lines_carry_the_request_id_and_redacted_messages(capsys):
    config = logging_config(fmt="json", level="INFO")
    del config["root"]  # the handler on one logger of its own, the test's root untouched
    config["loggers"] = {"tests.json": {"handlers": ["console"], "propagate": False}}
    logging.config.dictConfig(config)
    logger = logging.getLogger("tests.json")
    token = REQUEST_ID.set("json-req-0001")
    try:
        logger.warning("Mail for %s bounced", "kim@example.org", extra={"status": 550})
    finally:
        REQUEST_ID.reset(token)
        logger.handlers.clear()
    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert line["message"] == "Mail for [e-mail] bounced"
    assert (line["level"], line["logger"], line["request_id"]) == (
        "WARNING",
        "tests.json",
        "json-req-0001",
    )
    assert line["status"] == 550
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+\+00:00", line["time"])


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_task_enqueued_by_a_request_logs_the_requests_id_on_the_worker(
    client, celery_workers, tmp_path, monkeypatch
):
    from tests.factories import StaffProfileFactory

    user = StaffProfileFactory(user__email="reset-me@example.org").user
    queue = celery_workers(1, extra_env={"DJANGO_LOG_FORMAT": "json"})
    # The reset e-mail's send task goes to this test's worker queue.
    monkeypatch.setattr(tasks.send_outgoing_email, "queue", queue, raising=False)
    monkeypatch.setattr(tasks.send_outgoing_email, "_exec_options", None)
    response = client.post(
        reverse("password_reset"),
        {"email": user.email},
        headers={"X-Request-ID": "reset-req-0815"},
    )
    assert response.status_code == 302
    assert response["X-Request-ID"] == "reset-req-0815"

    def task_line() -> dict | None:
        for raw in (tmp_path / "worker0.log").read_text().splitlines():
            try:
                line = json.loads(raw)
            except ValueError:
                continue
            if line.get("logger") == "sportloket.task" and line.get("outcome"):
                return line
        return None

    line = wait_until(task_line, timeout=60)
    assert line["task_name"] == "sportloket.tasks.send_outgoing_email"
    assert line["outcome"] == "success"
    assert line["request_id"] == "reset-req-0815"
    assert isinstance(line["duration_ms"], int | float)
    log = (tmp_path / "worker0.log").read_text()
    assert "reset-me@example.org" not in log


@pytest.mark.parametrize(
    ("state", "outcome"),
    [("SUCCESS", "success"), ("RETRY", "retry"), ("FAILURE", "failure"), (None, "failure")],
)
def test_the_worker_state_of_a_task_becomes_its_outcome(caplog, state, outcome):
    """What a worker's tracer reports at task_postrun (a propagating eager run reports none)."""
    from sportloket import observability

    caplog.set_level(logging.INFO)
    task = tasks.retry_unsent_emails
    observability._on_prerun(task_id="t-1", task=task)
    observability._on_postrun(task_id="t-1", task=task, state=state)
    (record,) = task_records(caplog)
    assert (record.task_id, record.outcome) == ("t-1", outcome)
    assert "t-1" not in observability._running
