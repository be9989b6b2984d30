"""The start page of a club supporter: the cheapest page with a logged-in user."""

from django.test import Client

from bench.harness import Result, measure_view
from sportloket.constants import Role
from sportloket.models import Desk, Municipality
from sportloket.services import staff_create


def bench_user():
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username="bench-supporter").first()
    if user is None:
        desk, _ = Desk.objects.get_or_create(name="Benchmark-loket")
        desk.municipalities.set(Municipality.objects.all())
        user = staff_create(
            username="bench-supporter",
            email="bench@example.org",
            password=None,
            role=Role.CLUB_SUPPORTER,
            desk=desk,
        ).user
    return user


def run(*, fill: bool) -> list[Result]:
    client = Client()
    client.force_login(bench_user())
    median, p95, queries = measure_view(client, "/")
    return [Result("home page (club supporter)", "-", median, p95, queries)]
