"""The Celery application. Configuration lives in Django settings under the CELERY_ namespace."""

import os

from celery import Celery
from celery.signals import task_prerun

from .heartbeat import WorkerHeartbeat, record_periodic_run
from .observability import connect_celery_signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sportloket.settings.dev")

app = Celery("sportloket")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# One log line per task and the request id of the request that enqueued it.
connect_celery_signals()
# Health status (sportloket/health.py): each worker stores a heartbeat, and each start of a task
# of the beat schedule is noted.
app.steps["worker"].add(WorkerHeartbeat)
task_prerun.connect(record_periodic_run, dispatch_uid="sportloket-health-periodic-run")
