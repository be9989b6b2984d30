"""Reliability: at-least-once delivery with idempotent tasks, a killed worker, Redis hung or
down, beat down for an hour, and the load test on gunicorn + PostgreSQL."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.db import models
from django.utils import timezone

from bench import loadtest
from providers.models import Provider
from sportloket import services, tasks
from sportloket.constants import EmailStatus
from sportloket.models import OutgoingEmail, Sport
from sportloket.options import reference_options
from tests.conftest import wait_until
from tests.factories import municipality

BASE_DIR = Path(__file__).resolve().parent.parent.parent
URL = "/aanmelden/"
# Statements of one new registration, the form's option lists cached (as in a running server):
# duplicate check, INSERT provider, INSERT sports, INSERT audit event, INSERT e-mail (its key
# names the new provider: no savepoint). Outside a test BEGIN and COMMIT are not statements of
# their own; inside one the service runs nested in the test's transaction: its own SAVEPOINT and
# RELEASE, and a savepoint around the provider's INSERT (a KvK number taken at the same moment
# rolls back only that): 9. With the lists not cached, one query per list more.
REGISTRATION_STATEMENTS = 9
DAY = dt.timedelta(days=1)


def sent_message_ids(folder: Path) -> list[str]:
    """Message-IDs of every e-mail the file backend wrote (it may append several to a file)."""
    text = "".join(f.read_text() for f in sorted(folder.glob("*.log")))
    return re.findall(r"^Message-ID: (\S+)$", text, flags=re.M)


# --- Every task, delivered twice, has one effect ------------------------------------------------


def _snapshot() -> dict[str, object]:
    """Row counts of every model of ours, the state of every once-only notice (sent, closed)
    and the state of the outbox."""
    from sportloket.models import OnceOnlyNotice

    ours = [
        model
        for model in apps.get_models()
        if model._meta.app_label
        in ("sportloket", "providers", "poskantoor", "meetings", "subsidies", "network")
    ]
    counts: dict[str, object] = {model._meta.label: model.objects.count() for model in ours}
    for model in ours:
        if issubclass(model, OnceOnlyNotice):
            counts[f"{model._meta.label} state"] = sorted(
                (pk, emailed is not None, closed is not None)
                for pk, emailed, closed in model.objects.values_list(
                    "pk", "emailed_at", "closed_at"
                )
            )
    counts["outbox"] = sorted(OutgoingEmail.objects.values_list("key", "status", "attempts"))
    counts["mail"] = len(mail.outbox)
    return counts


def _due_world():
    """Something due for every periodic task: an overdue question, an expired handover, an
    overdue agreement whose notice a killed worker claimed but never sent, an office with a
    passed deadline, a goal without measurement, an unsent e-mail, an import job whose message
    was lost."""
    from django.core.files.base import ContentFile

    from meetings.models import AgreementNotice, Handover, SupportRequest
    from providers.constants import ImportMode
    from providers.importing import import_job_start
    from providers.models import ProviderImport
    from tests.hardening.world import build_world
    from tests.network.factories import GoalFactory
    from tests.poskantoor.factories import make_office

    world = build_world()
    k = world.kwargs
    long_ago = timezone.localdate() - dt.timedelta(days=400)
    long_ago_moment = timezone.now() - dt.timedelta(days=400)
    SupportRequest.objects.filter(pk=k["request"].pk).update(
        deadline=long_ago, assignee=world.users["club_supporter"]
    )
    Handover.objects.filter(pk=k["handover"].pk).update(respond_by=long_ago)
    k["desk"].__class__.objects.filter(pk=k["desk"].pk).update(
        coordinator=world.users["club_supporter"]
    )
    k["agreement"].__class__.objects.filter(pk=k["agreement"].pk).update(
        due_on=long_ago, owner_email="eigenaar@example.org"
    )
    AgreementNotice.objects.create(
        agreement=k["agreement"], claim="killed-worker", created_at=long_ago_moment
    )
    make_office("GM0363", registered_on=long_ago)
    _news_update_being_sent(k["office"])
    GoalFactory(coach=k["coach"], agreed_on=long_ago)
    # An import whose message was lost (the broker was down when it was queued).
    lost = import_job_start(
        user=world.users["club_supporter"],
        upload=ContentFile(b"naam;soort;gemeente\nZwemclub Noord;club;Utrecht\n", name="a.csv"),
        mode=ImportMode.APPLY,
    )
    ProviderImport.objects.filter(pk=lost.pk).update(created_at=long_ago_moment)
    OutgoingEmail.objects.create(key="hardening-retry", to=["a@example.org"], subject="S", body="B")
    OutgoingEmail.objects.filter(key="hardening-retry").update(
        created_at=timezone.now() - dt.timedelta(hours=1)
    )
    OutgoingEmail.objects.create(
        key="hardening-old", to=["a@example.org"], subject="S", body="B", status=EmailStatus.SENT
    )
    OutgoingEmail.objects.filter(key="hardening-old").update(created_at=long_ago - 400 * DAY)
    return world


def _news_update_being_sent(office) -> None:
    """A news update whose sending started while the broker was down: the sweep claims and
    sends it."""
    from network.news.constants import Audience, UpdateStatus
    from network.news.models import NewsSubscription, NewsUpdate
    from tests.poskantoor.factories import CoreGroupMemberFactory

    CoreGroupMemberFactory(office=office, email="kerngroep@example.org")
    NewsSubscription.objects.create(
        email="kerngroep@example.org", source="confirmation_link", opted_in_at=timezone.now()
    )
    NewsUpdate.objects.create(
        title="Nieuws",
        body="Tekst",
        audience=Audience.OFFICE,
        office=office,
        status=UpdateStatus.SENDING,
        send_started_at=timezone.now(),
    )


def our_tasks() -> list[str]:
    from sportloket.celery import app

    app.loader.import_default_modules()
    app.autodiscover_tasks(force=True)
    return sorted(
        name
        for name in app.tasks
        if name.split(".")[0]
        in ("sportloket", "providers", "poskantoor", "meetings", "subsidies", "network")
    )


def test_the_list_of_tasks_is_complete():
    """A new task must be added to the re-delivery test below."""
    assert set(our_tasks()) == set(PERIODIC) | set(PER_ROW)


PERIODIC = [
    "meetings.tasks.agreements_overdue_notices",
    "meetings.tasks.desk_overviews",
    "meetings.tasks.desk_stats_refresh",
    "meetings.tasks.guideline_reached_refresh",
    "meetings.tasks.portal_sign_in_sweep",
    "meetings.tasks.support_deadline_notices",
    "meetings.tasks.support_handover_reminders",
    "meetings.tasks.support_handovers_expire",
    "poskantoor.tasks.sweep_deadlines",
    "network.tasks.notify_goal_flags",
    "network.news.tasks.news_updates_sweep",
    "providers.tasks.provider_imports_requeue",
    "sportloket.tasks.retention_sweep",
    "sportloket.tasks.retry_unsent_emails",
    "subsidies.tasks.send_scheme_digest",
]
PER_ROW = [
    "sportloket.tasks.send_outgoing_email",
    "poskantoor.tasks.send_deadline_notice",
    "poskantoor.tasks.year_plan_render",
    "providers.tasks.provider_import_run",
    "network.news.tasks.news_update_deliver",
    "meetings.tasks.portal_sign_in_send",
]


@pytest.mark.django_db
def test_every_task_delivered_twice_has_one_effect(django_capture_on_commit_callbacks):
    from meetings.models import PortalSignInLink
    from network.news.models import NewsUpdate
    from poskantoor.models import DeadlineNotice, YearPlan
    from providers.models import ProviderImport
    from sportloket.celery import app
    from tests.factories import ProviderFactory

    our_tasks()
    _due_world()
    # A sign-in link asked for by a provider's contact (sent once: the request is claimed).
    portal_provider = ProviderFactory(email="portaal@example.org")
    PortalSignInLink.objects.create(
        email=portal_provider.email, expires_at=timezone.now() + dt.timedelta(minutes=15)
    )
    idle = []
    with django_capture_on_commit_callbacks(execute=True):
        for name in PERIODIC:
            before = _snapshot()
            app.tasks[name].apply()
            after_first = _snapshot()
            app.tasks[name].apply()  # the same message again (redelivery)
            assert _snapshot() == after_first, f"{name} had a second effect"
            if after_first == before:
                idle.append(name)
        for name, model in (
            ("sportloket.tasks.send_outgoing_email", OutgoingEmail),
            ("poskantoor.tasks.send_deadline_notice", DeadlineNotice),
            ("poskantoor.tasks.year_plan_render", YearPlan),
            ("providers.tasks.provider_import_run", ProviderImport),
            ("network.news.tasks.news_update_deliver", NewsUpdate),
            ("meetings.tasks.portal_sign_in_send", PortalSignInLink),
        ):
            rows = list(model.objects.values_list("pk", flat=True))
            assert rows, name
            for pk in rows:
                app.tasks[name].apply(args=(pk,))
            after_first = _snapshot()
            for pk in rows:
                app.tasks[name].apply(args=(pk,))
            assert _snapshot() == after_first, f"{name} had a second effect"
    assert not idle, f"did nothing in the test world (so proved nothing): {idle}"
    # Every once-only notice was sent or closed, the killed worker's claim included, once.
    from meetings.models import AgreementNotice
    from sportloket.models import OnceOnlyNotice

    for model in apps.get_models():
        if issubclass(model, OnceOnlyNotice):
            assert not model.objects.filter(emailed_at=None, closed_at=None).exists(), model
    orphan = AgreementNotice.objects.get(claim="killed-worker")
    assert orphan.emailed_at is not None
    assert OutgoingEmail.objects.filter(key=f"agreement-overdue:{orphan.agreement_id}").count() == 1


# --- A worker killed with SIGKILL in the middle of a send ---------------------------------------


@pytest.mark.redis
@pytest.mark.postgres
def test_a_worker_killed_mid_send_loses_and_doubles_nothing_and_it_runs_again_in_2_minutes(
    celery_workers, tmp_path
):
    queue = celery_workers(
        1,
        extra_env={
            "DJANGO_EMAIL_BACKEND": "tests.hardening.slow_mail.SlowEmailBackend",
            "SLOW_MAIL_SECONDS": "300",
        },
    )
    email = OutgoingEmail.objects.create(
        key="killed-worker", to=["kim@example.org"], subject="Hallo", body="Tekst"
    )
    tasks.send_outgoing_email.apply_async((email.pk,), queue=queue)
    wait_until(lambda: OutgoingEmail.objects.get(pk=email.pk).status == EmailStatus.SENDING)
    victim = celery_workers.processes[0]
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait(timeout=10)
    killed_at = time.monotonic()

    celery_workers(1)  # a healthy worker; the killed one's message comes back to the queue
    wait_until(
        lambda: OutgoingEmail.objects.get(pk=email.pk).status == EmailStatus.SENT, timeout=150
    )
    elapsed = time.monotonic() - killed_at
    assert elapsed < 120, f"ran again after {elapsed:.0f} s"
    assert sent_message_ids(tmp_path / "mail") == ["<killed-worker@sportloket>"]
    assert OutgoingEmail.objects.get(pk=email.pk).attempts == 2


# --- A worker killed between a notice's claim and its send ------------------------------------


def _due_deadline_notices() -> None:
    from tests.factories import StaffProfileFactory
    from tests.poskantoor.factories import make_office

    StaffProfileFactory(pos_staff=True)
    make_office("GM0344", registered_on=dt.date(2026, 1, 31))  # 2a and 2b long overdue


def _due_agreement_notice() -> None:
    from meetings.programme.services import agreement_add
    from tests.meetings.factories import MeetingFactory
    from tests.poskantoor.factories import make_office

    agreement_add(
        meeting=MeetingFactory(office=make_office(), held=True),
        by=None,
        data={
            "kind": "agreement",
            "description": "Folder maken",
            "owner_name": "Karin",
            "owner_email": "karin@example.org",
            "due_on": dt.date(2020, 1, 1),
        },
    )


def _due_goal_notice() -> None:
    from tests.factories import StaffProfileFactory
    from tests.network.factories import GoalFactory

    StaffProfileFactory(policy_staff=True)
    GoalFactory(agreed_on=timezone.localdate() - 300 * DAY)  # no measurement since


def _due_digest() -> None:
    from tests.factories import ProviderFactory
    from tests.subsidies.factories import SchemeFactory

    SchemeFactory()
    ProviderFactory()


def _desk_question(desk):
    from meetings.support.constants import Channel
    from meetings.support.services import support_request_create
    from tests.factories import ProviderFactory

    return support_request_create(
        desk=desk,
        provider=ProviderFactory(),
        subject="Vrijwilligers",
        question="Hoe vinden we vrijwilligers?",
        channel=Channel.PHONE,
    )


def _due_desk_overview() -> None:
    """Two club supporters of a desk with an overdue question: two overviews due today. The
    worker reads the real date, and the overview is sent on working days only."""
    from meetings.models import SupportRequest
    from meetings.support.workdays import is_working_day
    from tests.factories import DeskFactory, StaffProfileFactory

    today = timezone.localdate()
    if not is_working_day(today):
        pytest.skip("the daily overview is sent on working days only; today is not one")
    desk = DeskFactory()
    for _ in range(2):
        StaffProfileFactory(club_supporter=True, desk=desk)
    question = _desk_question(desk)
    SupportRequest.objects.filter(pk=question.pk).update(deadline=today - 3 * DAY)


def _due_handover_reminder() -> None:
    """A pending handover made yesterday whose answer is due today: its partner is reminded
    once (one handed over today was just announced, so it gets no reminder)."""
    from meetings.models import Handover
    from meetings.support.services import handover_create
    from sportloket.constants import OrganisationType
    from tests.factories import DeskFactory, OrganisationFactory, StaffProfileFactory

    partner = OrganisationFactory(type=OrganisationType.WELFARE, email="welzijn@example.org")
    desk = DeskFactory(partner_organisations=[partner])
    supporter = StaffProfileFactory(club_supporter=True, desk=desk).user
    handover = handover_create(
        request=_desk_question(desk), organisation=partner, note="Bel ze", by=supporter
    )
    Handover.objects.filter(pk=handover.pk).update(
        respond_by=timezone.localdate(), created_at=timezone.now() - DAY
    )


NOTICE_KINDS = {
    "deadline": ("poskantoor.tasks.sweep_deadlines", "poskantoor.DeadlineNotice", "pos-deadline"),
    "agreement": (
        "meetings.tasks.agreements_overdue_notices",
        "meetings.AgreementNotice",
        "agreement-overdue:",
    ),
    "goal": ("network.tasks.notify_goal_flags", "network.GoalNotice", "goal-flag:"),
    "digest": ("subsidies.tasks.send_scheme_digest", "subsidies.DigestNotice", "scheme-digest:"),
    "desk_overview": (
        "meetings.tasks.desk_overviews",
        "meetings.DeskOverviewNotice",
        "desk-overview:",
    ),
    "handover_reminder": (
        "meetings.tasks.support_handover_reminders",
        "meetings.HandoverReminder",
        "handover-reminder:",
    ),
}
DUE_NOTICE = {
    "deadline": _due_deadline_notices,
    "agreement": _due_agreement_notice,
    "goal": _due_goal_notice,
    "digest": _due_digest,
    "desk_overview": _due_desk_overview,
    "handover_reminder": _due_handover_reminder,
}


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.parametrize("kind", sorted(NOTICE_KINDS))
def test_a_worker_killed_between_claim_and_send_leaves_a_claim_the_next_sweep_sends_once(
    kind, celery_workers, tmp_path
):
    """ "A claim that was written but not sent is sent by the next sweep, exactly once": a real
    worker runs the periodic task, commits its claims and is killed with SIGKILL at that point
    (it blocks there on a signal the test's environment arms, so no timing is involved)."""
    from sportloket.celery import app

    from ..celery_worker import PAUSE_AFTER_CLAIM_FILE

    our_tasks()  # registers the tasks of every app with this process's Celery app
    task, label, key_prefix = NOTICE_KINDS[kind]
    model = apps.get_model(label)
    DUE_NOTICE[kind]()
    paused = tmp_path / "claimed"
    queue = celery_workers(1, extra_env={PAUSE_AFTER_CLAIM_FILE: str(paused)})
    app.tasks[task].apply_async(queue=queue)
    wait_until(paused.exists, timeout=120, interval=0.1)
    victim = celery_workers.processes[0]
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait(timeout=10)

    claimed = model.objects.count()
    assert claimed >= 1
    assert model.objects.filter(emailed_at__isnull=True, closed_at__isnull=True).count() == claimed
    assert not OutgoingEmail.objects.filter(key__startswith=key_prefix).exists()

    # The next beat tick, a quarter of an hour later: run in this process, twice.
    model.objects.update(created_at=models.F("created_at") - dt.timedelta(minutes=15))
    app.conf.task_always_eager = True
    try:
        app.tasks[task].apply()
        app.tasks[task].apply()
    finally:
        app.conf.task_always_eager = False
    assert model.objects.count() == claimed
    assert model.objects.filter(emailed_at__isnull=False).count() == claimed
    keys = list(
        OutgoingEmail.objects.filter(key__startswith=key_prefix).values_list("key", flat=True)
    )
    assert len(keys) == len(set(keys)) == claimed
    assert len(mail.outbox) == claimed


# --- Redis hung or down: the public form stays fast and loses nothing -------------------------


class Blackhole:
    """A TCP server that accepts connections and never answers: a hung Redis."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        self.port = self.sock.getsockname()[1]
        self.conns: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(conn)

    def close(self):
        self.sock.close()
        for conn in self.conns:
            conn.close()


REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


class RedisServer:
    """A redis-server of the test's own on a free port, to kill and start again on that port.
    Without persistence: what it held is gone after a kill, as after a crash."""

    def __init__(self, folder: Path):
        self.port = loadtest.free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.folder = folder
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
            + ["--appendonly", "no", "--dir", str(self.folder)],
            stdout=(self.folder / "redis.log").open("a"),
            stderr=subprocess.STDOUT,
        )
        wait_until(self.answers, timeout=15, interval=0.1)

    def answers(self) -> bool:
        import redis

        try:
            return bool(redis.Redis.from_url(self.url, socket_connect_timeout=0.5).ping())
        except redis.RedisError:
            return False

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


def _gunicorn_env(tmp_path, **extra) -> dict[str, str]:
    db = settings.DATABASES["default"]
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "sportloket.settings.dev",
        "DJANGO_DEBUG": "false",
        "DJANGO_LOG_LEVEL": "WARNING",
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or 'localhost'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "DJANGO_EMAIL_FILE_PATH": str(tmp_path / "mail"),
        "SPORTLOKET_PUBLIC_FORM_RATE": "1000",
        **extra,
    }


def submit_without_redis(base: str, *, prefix: str, count: int, log: Path) -> None:
    """``count`` public registrations while Redis is out: each answered as registered, p95
    under 3 s, stored with its e-mail waiting in the outbox, nothing sent yet."""
    choices = loadtest.form_choices(base)
    outcomes = [
        loadtest.submit(base, name=f"{prefix} {i}", choices=choices, timeout=30)
        for i in range(count)
    ]
    assert all(o.registered for o in outcomes), (
        [(o.status, o.location) for o in outcomes],
        log.read_text(),
    )
    p95 = loadtest.percentile([o.seconds for o in outcomes], 0.95)
    assert p95 < 3, f"p95 {p95:.1f} s"
    providers = Provider.objects.filter(name__startswith=prefix)
    assert providers.count() == count
    keys = [f"provider:{pk}:confirm" for pk in providers.values_list("pk", flat=True)]
    assert OutgoingEmail.objects.filter(key__in=keys, status=EmailStatus.PENDING).count() == count


def a_sweep_later() -> None:
    """Beat's outbox sweep picks up what is pending for more than a minute: let it be so."""
    OutgoingEmail.objects.filter(status=EmailStatus.PENDING).update(
        created_at=timezone.now() - dt.timedelta(minutes=2)
    )


def each_sent_once(mail_folder: Path, workers, broker: str | None = None) -> None:
    """Every outbox e-mail is marked sent and went out exactly once (Message-ID = key).

    Once all are sent, a probe task behind every message still on the queue (the duplicates)
    runs on the one worker: a second send, if any, has happened by then, however slow the
    machine."""
    wait_until(
        lambda: not OutgoingEmail.objects.exclude(status=EmailStatus.SENT).exists(), timeout=240
    )
    workers.round_trip(broker=broker)
    keys = OutgoingEmail.objects.values_list("key", flat=True)
    expected = sorted(f"<{key.replace(' ', '-')}@sportloket>" for key in keys)
    assert sorted(sent_message_ids(mail_folder)) == expected


@pytest.mark.redis
@pytest.mark.postgres
def test_with_redis_hung_public_forms_succeed_fast_and_mail_goes_out_once_it_returns(
    celery_workers, tmp_path
):
    hole = Blackhole()
    hung = f"redis://127.0.0.1:{hole.port}/0"
    process, base = loadtest.start_gunicorn(
        _gunicorn_env(tmp_path, REDIS_URL=hung, CELERY_BROKER_URL=hung),
        workers=1,
        log_path=tmp_path / "gunicorn.log",
    )
    try:
        submit_without_redis(base, prefix="Hangend", count=12, log=tmp_path / "gunicorn.log")
    finally:
        loadtest.stop(process)
        hole.close()
    assert not sent_message_ids(tmp_path / "mail")

    # Redis is back: the next sweep of beat sends each e-mail once.
    a_sweep_later()
    queue = celery_workers(1)
    due = services.emails_due_for_retry()  # what the sweep publishes (here to the test queue)
    assert len(due) == 12
    for email_id in due + due:  # and everything twice: no doubles
        tasks.send_outgoing_email.apply_async((email_id,), queue=queue)
    each_sent_once(tmp_path / "mail", celery_workers)
    assert len(sent_message_ids(tmp_path / "mail")) == 12


@pytest.mark.redis
@pytest.mark.postgres
def test_with_redis_down_public_forms_succeed_fast_and_mail_goes_out_once_it_returns(
    celery_workers, tmp_path
):
    """A real redis-server, killed and started again on its port; gunicorn and a Celery worker
    on it throughout."""
    if not Path(REDIS_SERVER).exists():
        (pytest.fail if os.environ.get("REQUIRE_SERVICES") == "1" else pytest.skip)(
            "redis-server not found"
        )
    from sportloket.celery import app

    redis_server = RedisServer(tmp_path)
    redis_server.start()
    log = tmp_path / "gunicorn.log"
    try:
        queue = celery_workers(1, extra_env={"CELERY_BROKER_URL": redis_server.url})
        env = _gunicorn_env(
            tmp_path,
            REDIS_URL=redis_server.url,
            CELERY_BROKER_URL=redis_server.url,
            CELERY_TASK_DEFAULT_QUEUE=queue,
        )
        process, base = loadtest.start_gunicorn(env, workers=1, log_path=log)
        try:
            # Redis up: the confirmation goes out at once, through the worker.
            before = loadtest.submit(base, name="Voor", choices=loadtest.form_choices(base))
            assert before.registered, log.read_text()
            wait_until(lambda: len(sent_message_ids(tmp_path / "mail")) == 1, timeout=120)

            redis_server.kill()
            assert not redis_server.answers()
            submit_without_redis(base, prefix="Zonder Redis", count=12, log=log)
            assert len(sent_message_ids(tmp_path / "mail")) == 1

            redis_server.start()  # the same port, empty
        finally:
            loadtest.stop(process)

        # The next sweep of beat, on the worker that lived through the outage: it publishes
        # the pending e-mails and the worker sends each once.
        a_sweep_later()
        with app.connection_for_write(redis_server.url) as connection:
            tasks.retry_unsent_emails.apply_async(queue=queue, connection=connection)
        each_sent_once(tmp_path / "mail", celery_workers, broker=redis_server.url)
        assert len(sent_message_ids(tmp_path / "mail")) == 13
    finally:
        redis_server.kill()


# --- Beat down for an hour ---------------------------------------------------------------------


@pytest.mark.django_db
def test_after_an_hour_without_beat_the_first_sweep_sends_everything_that_fell_due(
    django_capture_on_commit_callbacks,
):
    hour_ago = timezone.now() - dt.timedelta(hours=1)
    for i in range(30):
        OutgoingEmail.objects.create(key=f"beat-{i}", to=["a@example.org"], subject="S", body="B")
    OutgoingEmail.objects.update(created_at=hour_ago)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.retry_unsent_emails.apply().get() == 30
    assert not OutgoingEmail.objects.exclude(status=EmailStatus.SENT).exists()
    assert len(mail.outbox) == 30


# --- Load: concurrent public submissions on gunicorn + PostgreSQL -------------------------------

# p95 of 40 submissions released together to freshly started workers: 0.17-0.20 s on the
# quiet 2-core machine, 0.4-0.6 s while other jobs ran, 1.0-1.9 s with other test runs beside
# it. Wall-clock time says as much about the machine as about the code, so the bounds are
# taken relative to what the same run measured:
# - the server's CPU per submission against the CPU of a trivial view served by the same
#   gunicorn (20 ms vs 1.5-2.3 ms measured): fails when a submission gets several times more
#   expensive, on a fast or a slow processor alike;
# - the p95 against 1.5 s times the machine's busy CPU over the burst's own CPU (1 on an idle
#   machine): fails when submissions wait on each other on an otherwise quiet machine, and
#   allows for other work competing for the two cores.
# What the budget rests on is asserted directly below too: the statements per submission and
# the duplicate check on indexes (a sequential scan costs nothing on a test database).
LOAD_P95_SECONDS = 1.5
LOAD_CPU_OVER_TRIVIAL = 40


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_public_submissions_are_each_stored_once_without_server_errors(tmp_path):
    """The CI-sized run of bench/loadtest.py (200 at once there, 40 here), with the production
    gunicorn configuration."""
    process, base = loadtest.start_gunicorn(
        _gunicorn_env(tmp_path, CELERY_BROKER_URL="memory://", REDIS_URL=""),
        log_path=tmp_path / "gunicorn.log",
    )
    server = loadtest.ServerCPU(process.pid, settings.DATABASES["default"]["NAME"])
    try:
        loadtest.floor_burst(base, count=40, timeout=90)  # warm every worker thread up
        before = server.snapshot()
        loadtest.floor_burst(base, count=40, timeout=90)
        trivial_cpu = server.used(before, server.snapshot())["gunicorn"] / 40
        burst = loadtest.fire(base, count=40, prefix="Belasting", timeout=90, server=server)
    finally:
        loadtest.stop(process)
    stored = loadtest.stored_rows("Belasting")
    ok, lines = loadtest.summary(burst, count=40, stored=stored)
    assert ok, lines
    # One confirmation e-mail per submission, committed with the provider before the answer.
    assert stored.outbox == stored.providers == 40
    used = burst.server_cpu_seconds
    cpu_per_submission = used["gunicorn"] / 40
    measured = [
        f"server CPU per submission {cpu_per_submission * 1000:.1f} ms, "
        f"trivial view {trivial_cpu * 1000:.2f} ms",
        *lines,
    ]
    assert cpu_per_submission < LOAD_CPU_OVER_TRIVIAL * max(trivial_cpu, 0.001), measured
    own = used["gunicorn"] + used["postgres"]
    competition = max(1.0, used["machine"] / own) if own else 1.0
    p95 = loadtest.percentile(burst.seconds, 0.95)
    print()
    assert p95 < LOAD_P95_SECONDS * competition, [f"competition x{competition:.1f}", *measured]


@pytest.mark.django_db
def test_a_public_registration_costs_a_fixed_handful_of_statements(
    client, django_assert_num_queries
):
    """One duplicate check, the provider with its links and audit event, the outbox e-mail;
    no statement more (bench/loadtest.py). The form's choices are checked against the cached
    option lists (no lookup of the municipality or the sports)."""
    choices = {
        "municipality": str(municipality("GM0344").pk),
        "sport": str(Sport.objects.first().pk),
    }
    body = loadtest.registration(
        name="Vaste Kosten",
        choices=choices,
        visitor=loadtest.Visitor("", ""),
        kvk_number="87654321",
    )
    ContentType.objects.get_for_model(Provider)  # cached in every running server
    reference_options("municipalities", "sports", "target_groups")  # so are these
    with django_assert_num_queries(REGISTRATION_STATEMENTS):
        response = client.post(URL, body, content_type="application/x-www-form-urlencoded")
    assert response["Location"] == loadtest.DONE
    assert OutgoingEmail.objects.filter(key__startswith="provider:").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_duplicate_check_of_every_registration_is_served_by_indexes():
    """A sequential scan over the registry per submission (as before the UPPER(email) index)
    was most of the database's time under load at 50,000 providers."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from providers.selectors import provider_find

    with CaptureQueriesContext(connection) as queries:
        provider_find(kvk_number="87654321", email="Kim@FitLab.example", name="FitLab")
    (query,) = queries.captured_queries
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # as on a big table
        cursor.execute("EXPLAIN " + query["sql"])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Seq Scan" not in plan, plan
    assert "provider_email_upper_idx" in plan, plan


def test_the_load_test_refuses_anything_but_a_local_postgresql(tmp_path):
    env = {**os.environ, "DATABASE_URL": "postgres://u@db.example.org:5432/x"}
    result = subprocess.run(
        [sys.executable, "-m", "bench.loadtest", "--count", "5"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "127.0.0.1" in result.stderr
