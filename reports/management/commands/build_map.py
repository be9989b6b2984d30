"""Regenerate the vendored map of the municipalities from the CBS boundaries."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reports.maps.build import DEFAULT_WIDTH, build, write
from reports.maps.geometry import MAP_FILE


class Command(BaseCommand):
    help = (
        "Build reports/maps/data/gemeenten.json from the folder holding "
        "gemeenten_2023.topojson (and provincies_2023.topojson)."
    )

    def add_arguments(self, parser):
        parser.add_argument("source", type=Path, help="folder with the TopoJSON files")
        parser.add_argument("--width", type=int, default=DEFAULT_WIDTH)
        parser.add_argument("--output", type=Path, default=MAP_FILE)

    def handle(self, *args, source: Path, width: int, output: Path, **options):
        try:
            content = build(source, width=width)
        except (OSError, ValueError, KeyError) as error:
            raise CommandError(f"Cannot build the map from {source}: {error}") from error
        size = write(content, output)
        self.stdout.write(
            f"{len(content['municipalities'])} municipalities, "
            f"{len(content['provinces'])} provinces, {size} bytes: {output}"
        )
