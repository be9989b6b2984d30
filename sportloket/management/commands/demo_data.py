"""Load demo data: the demo modules every app declares (``AppConfig.demo_data``, see
``sportloket.appregistry``), each ``load(out, context)`` in their declared order. ``context``
carries what earlier modules created (desk, users, …) to later ones."""

import importlib

from django.core.management.base import BaseCommand
from django.db import transaction

from sportloket.appregistry import demo_modules


class Command(BaseCommand):
    help = "Load demo data (idempotent) and print the demo logins."

    def handle(self, *args, **options):
        context: dict = {}
        with transaction.atomic():
            for name in demo_modules():
                try:
                    module = importlib.import_module(name)
                except ModuleNotFoundError as exc:
                    if exc.name != name:
                        raise
                    continue
                context.update(module.load(self.stdout, context) or {})
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
