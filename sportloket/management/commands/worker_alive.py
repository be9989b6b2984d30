"""Exit 0 when this machine's Celery worker stored a heartbeat recently, else 1: the container
health check of a worker (docker-compose.yml). Reads the database only; no broker round trip."""

import datetime as dt
import socket

from django.core.management.base import BaseCommand
from django.utils import timezone

from sportloket.heartbeat import WORKER_PREFIX
from sportloket.models import HealthBeat


class Command(BaseCommand):
    help = "Exit 1 unless the worker NAME (default celery@<this host>) beat within MAX_AGE s."

    def add_arguments(self, parser):
        parser.add_argument("--name", default=f"celery@{socket.gethostname()}")
        parser.add_argument("--max-age", type=int, default=120)

    def handle(self, *args, name: str, max_age: int, **options):
        at = HealthBeat.objects.filter(key=f"{WORKER_PREFIX}{name}").values_list("at", flat=True)
        last = at.first()
        if last is None or timezone.now() - last > dt.timedelta(seconds=max_age):
            self.stderr.write(f"{name}: last heartbeat {last or 'never'}, limit {max_age} s")
            raise SystemExit(1)
        self.stdout.write(f"{name}: alive (last heartbeat {last.isoformat(timespec='seconds')})")
