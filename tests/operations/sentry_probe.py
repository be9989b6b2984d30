"""Run as a script by test_sentry.py: start Django with SENTRY_DSN set, fail in a view and in a
task, flush the events to the DSN's server. Also the URLconf of the failing view."""

import os
import sys

from django.urls import path

TOKEN = os.environ.get("PROBE_TOKEN", "")


def fail(request, token):
    raise ValueError(f"lookup failed for kim@example.org with {request.path}")


urlpatterns = [path("volg/<slug:token>/", fail, name="probe_fail")]


def main() -> int:
    import django

    django.setup()
    import sentry_sdk
    from celery import shared_task
    from django.test import Client, override_settings

    @shared_task(name="probe.explode")
    def explode(address: str) -> None:
        raise RuntimeError(f"task failed for {address}")

    with override_settings(ROOT_URLCONF="tests.operations.sentry_probe"):
        response = Client(raise_request_exception=False).get(
            f"/volg/{TOKEN}/?email=kim@example.org&token={TOKEN}",
            headers={"Cookie": os.environ["PROBE_COOKIE"], "User-Agent": "probe"},
        )
    print("view status", response.status_code)
    result = explode.apply(args=["kim@example.org"], throw=False)
    print("task state", result.state)
    sentry_sdk.flush(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
