"""The support question list through the API at 500,000 questions (budget: 30 ms median,
constant queries), with an organisation's API token: the same desk and data as bench_desk.
The first page, a filtered page, and a page further on by its cursor."""

from django.core.management import call_command
from django.test import Client

from api.models import ApiToken
from api.services import api_token_create
from bench import bench_desk
from bench.harness import Result, measure, measure_view, refresh_statistics
from sportloket.constants import OrganisationType
from sportloket.models import Organisation

BUDGET_MS = 30
BUDGET_QUERIES = 8


def token_for(user) -> str:
    """A fresh key for the benchmark user (keys are not stored, so one is made per run)."""
    profile = user.staff_profile
    if profile.organisation_id is None:
        profile.organisation = Organisation.objects.create(
            name="Benchmarkorganisatie", type=OrganisationType.SPORT_PLATFORM
        )
        profile.save(update_fields=["organisation"])
    ApiToken.objects.filter(user=user).delete()
    return api_token_create(
        organisation=profile.organisation, user=user, name="benchmark", by=None
    )[1]


def run(*, fill: bool) -> list[Result]:
    user = bench_desk.setup()
    call_command(
        "fill_support_requests",
        desk=bench_desk.DESK,
        count=bench_desk.QUESTIONS,
        providers="Benchmarkaanbieder",
        verbosity=0,
    )
    if fill:
        refresh_statistics()
    client = Client()
    headers = {"Authorization": f"Bearer {token_for(user)}"}
    first = client.get("/api/v1/questions/", headers=headers).json()
    next_url = first["next"].replace("http://testserver", "")
    results = []
    for label, url, budget in [
        ("API question list, open queue", "/api/v1/questions/", BUDGET_MS),
        ("API question list, next page by cursor", next_url, BUDGET_MS),
        (
            "API question list, closed, newest first",
            "/api/v1/questions/?status=closed&sort=-received",
            BUDGET_MS,
        ),
        ("API question list, not eligible", "/api/v1/questions/?eligible=no", BUDGET_MS),
        # Every status in deadline order: no index fits (the board's own query; the board page
        # is no faster), shown for what it costs, without a budget.
        ("API question list, all statuses", "/api/v1/questions/?status=", None),
    ]:

        def get(url=url):
            response = client.get(url, headers=headers)
            if response.status_code != 200:
                raise AssertionError(f"{url} answered {response.status_code}")
            return response

        median, p95, queries = measure(get)
        results.append(
            Result(
                label,
                f"{bench_desk.QUESTIONS:,} questions",
                median,
                p95,
                queries,
                budget_ms=budget,
                budget_queries=BUDGET_QUERIES,
            )
        )
    # The board page with the same rows in the same run, for comparison on a busy machine.
    client.force_login(user)
    median, p95, queries = measure_view(client, "/loket/hulpvragen/")
    results.append(
        Result(
            "triage board page, open queue (comparison)",
            f"{bench_desk.QUESTIONS:,} questions",
            median,
            p95,
            queries,
        )
    )
    return results
