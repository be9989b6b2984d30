"""Count the schemes' shares and the entrepreneurs reached again from the share rows: after a
deploy during which code older than these counts shared schemes (the migrations fill them
once, from the shares that exist then), or after share rows were changed by hand. The
services that share schemes keep both counts up to date on their own."""

from django.core.management.base import BaseCommand

from subsidies import services


class Command(BaseCommand):
    help = "Count every scheme's shares and the entrepreneurs reached again from the shares."

    def handle(self, *args, **options):
        schemes, providers = services.share_counts_rebuild()
        self.stdout.write(f"{schemes} schemes counted, {providers} providers with shares")
