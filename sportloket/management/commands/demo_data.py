"""Load demo data: the core first, then each app's ``demo.load(out, context)`` in dependency
order. ``context`` carries what earlier modules created (desk, users, …) to later ones."""

import importlib

from django.core.management.base import BaseCommand
from django.db import transaction

DEMO_MODULES = [
    "sportloket.demo",
    "providers.demo",
    "poskantoor.demo",
    "meetings.demo",
    "network.demo",
    "subsidies.demo",
    "meetings.demo_allocations",
]


class Command(BaseCommand):
    help = "Load demo data (idempotent) and print the demo logins."

    def handle(self, *args, **options):
        context: dict = {}
        with transaction.atomic():
            for name in DEMO_MODULES:
                try:
                    module = importlib.import_module(name)
                except ModuleNotFoundError as exc:
                    if exc.name != name:
                        raise
                    continue
                context.update(module.load(self.stdout, context) or {})
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
