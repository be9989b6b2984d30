"""The Celery application. Configuration lives in Django settings under the CELERY_ namespace."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sportloket.settings.dev")

app = Celery("sportloket")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Health status (sportloket/health.py): each worker stores a heartbeat, and each start of a task
# of the beat schedule is noted.
from celery.signals import task_prerun  # noqa: E402

from .heartbeat import WorkerHeartbeat, record_periodic_run  # noqa: E402

app.steps["worker"].add(WorkerHeartbeat)
task_prerun.connect(record_periodic_run, dispatch_uid="sportloket-health-periodic-run")
