"""Print the demo logins once the web server answers, so they are the last thing on the
console of ``make run`` instead of scrolling away under the worker's banner.

``--wait-for URL`` polls that address (the server's ``/health/live/``) until it answers 200,
then prints; ``--stay`` keeps the process alive afterwards, because honcho stops every
process of the Procfile when one of them ends.
"""

import threading
import time
import urllib.error
import urllib.request

from django.core.management.base import BaseCommand, CommandError

from sportloket.demo import demo_logins


def answers(url: str, timeout: float = 2.0) -> bool:
    """Whether ``url`` answers 200 now (a refused connection or any other status: no)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - our URL
            return response.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


class Command(BaseCommand):
    help = "Print the demo logins, optionally once a URL answers (the web server is up)."

    def add_arguments(self, parser):
        parser.add_argument("--wait-for", default="", help="URL to wait for (HTTP 200).")
        parser.add_argument(
            "--timeout", type=float, default=300.0, help="Seconds to wait for the URL."
        )
        parser.add_argument(
            "--interval", type=float, default=0.5, help="Seconds between two tries."
        )
        parser.add_argument(
            "--stay", action="store_true", help="Keep running after printing (for honcho)."
        )

    def handle(self, *args, wait_for="", timeout=300.0, interval=0.5, stay=False, **options):
        if wait_for:
            deadline = time.monotonic() + timeout
            while not answers(wait_for):
                if time.monotonic() >= deadline:
                    raise CommandError(
                        f"{wait_for} did not answer within {timeout:g} s; the logins are "
                        "printed by `manage.py demo_logins`."
                    )
                time.sleep(interval)
            self.stdout.write(
                self.style.SUCCESS(f"The site answers: {wait_for.split('/health')[0]}")
            )
        lines = demo_logins()
        for line in lines:
            self.stdout.write(line)
        self.stdout.flush()
        if stay:
            threading.Event().wait()
