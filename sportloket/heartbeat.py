"""What the health status (sportloket/health.py) reports on, recorded where it happens: every
worker stores a heartbeat, and every start of a task of the beat schedule is noted.

Imported by sportloket/celery.py before Django is set up: models are imported inside functions.
"""

from __future__ import annotations

import datetime as dt
import logging

from celery import bootsteps
from django.conf import settings
from django.db import DatabaseError, close_old_connections
from django.utils import timezone

logger = logging.getLogger(__name__)

WORKER_PREFIX = "worker:"
PERIODIC_PREFIX = "periodic:"
SINCE_KEY = "monitoring:since"
# Heartbeat rows of workers gone (a container's host name changes with every restart) are
# deleted after a day.
FORGET_WORKERS_AFTER = dt.timedelta(days=1)


def beat_record(*, key: str, at: dt.datetime | None = None) -> None:
    """Store ``at`` (default now) under ``key``; one upsert, safe from any number of processes."""
    from .models import HealthBeat

    HealthBeat.objects.bulk_create(
        [HealthBeat(key=key, at=at or timezone.now())],
        update_conflicts=True,
        unique_fields=["key"],
        update_fields=["at"],
    )


def worker_heartbeat(*, hostname: str) -> None:
    """One heartbeat of a worker: its own row, the first-ever start of monitoring, and the rows
    of workers that have been silent for a day removed."""
    from .models import HealthBeat

    now = timezone.now()
    HealthBeat.objects.bulk_create([HealthBeat(key=SINCE_KEY, at=now)], ignore_conflicts=True)
    beat_record(key=f"{WORKER_PREFIX}{hostname}", at=now)
    HealthBeat.objects.filter(
        key__startswith=WORKER_PREFIX, at__lt=now - FORGET_WORKERS_AFTER
    ).delete()


def periodic_entries_by_task() -> dict[str, list[str]]:
    """Task name -> the beat entries that run it (CELERY_BEAT_SCHEDULE)."""
    entries: dict[str, list[str]] = {}
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        entries.setdefault(entry["task"], []).append(name)
    return entries


def record_periodic_run(sender=None, task=None, **kwargs) -> None:
    """``task_prerun`` receiver: a task of the beat schedule starts; note when, per entry.

    Counts every start of the task (beat's or a manual one): the question the status answers is
    "has this job run lately". Never fails the task: a database hiccup only loses one mark.
    """
    names = periodic_entries_by_task().get(getattr(task, "name", ""), [])
    try:
        for name in names:
            beat_record(key=f"{PERIODIC_PREFIX}{name}")
    except DatabaseError:
        logger.warning("Could not record the run of %s for the health status", names)


class WorkerHeartbeat(bootsteps.StartStopStep):
    """Worker bootstep: every SPORTLOKET_HEALTH_HEARTBEAT_SECONDS the worker's own timer (the
    loop that also takes messages) stores a heartbeat in the database, so a stuck or dead
    worker stops beating. Registered in sportloket/celery.py."""

    requires = {"celery.worker.components:Timer"}

    def __init__(self, worker, **kwargs):
        super().__init__(worker, **kwargs)
        self.tref = None
        self.hostname = worker.hostname

    def beat(self) -> None:
        close_old_connections()
        try:
            worker_heartbeat(hostname=self.hostname)
        except DatabaseError:
            logger.warning("Worker heartbeat not stored (database unavailable)")

    def start(self, worker) -> None:
        self.beat()
        self.tref = worker.timer.call_repeatedly(
            settings.SPORTLOKET_HEALTH_HEARTBEAT_SECONDS, self.beat
        )

    def stop(self, worker) -> None:
        if self.tref is not None:
            self.tref.cancel()
            self.tref = None
