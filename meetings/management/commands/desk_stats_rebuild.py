"""Rebuild the desk dashboard's rollup in full, e.g. after loading questions in bulk (which
do not go through the services that mark a question as changed). The every-15-minutes refresh
only re-counts the periods of questions changed since its last run."""

from django.core.management.base import BaseCommand

from meetings.support import services
from sportloket.models import Desk


class Command(BaseCommand):
    help = "Rebuild the weekly question rollup of every desk (or one desk) in full."

    def add_arguments(self, parser):
        parser.add_argument("--desk", help="only this desk (its name)")

    def handle(self, *args, **options):
        desks = Desk.objects.order_by("pk")
        if options["desk"]:
            desks = desks.filter(name=options["desk"])
        rows = sum(services.desk_stats_refresh(desk=desk, full=True) for desk in desks)
        self.stdout.write(f"{rows} rows")
