"""The desk's triage board at 500,000 support questions (``--questions``; budget: 25 ms median,
12 queries)
and its free-text search (budget: 50 ms median; PostgreSQL full-text search with its GIN index,
a LIKE scan on SQLite).

The questions are spread over 30 desks with a skew (``fill_support_requests``), the measured
desk the largest of them: about a quarter of all questions, the worst case among the desks."""

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.db.models.functions import Mod
from django.test import Client

from bench import harness
from bench.harness import Result, measure_view
from meetings.models import SupportRequest
from meetings.support.constants import SupportStatus
from meetings.support.selectors import BOARD_PAGE_SIZE, cursor_of
from providers.management.commands.fill_providers import fill_providers
from sportloket.constants import OrganisationType, Role
from sportloket.models import Desk, DeskPartner, Municipality, Organisation
from sportloket.services import staff_create

DESK = "Benchmark-hulpvragenloket"
QUESTIONS = 500_000
# The desk's own providers, in its municipalities (``fill_providers``, the registry's shape):
# "Benchmarkaanbieder 01999 Noord" and so on.
PROVIDERS = 2_000
PROVIDER_PREFIX = "Benchmarkaanbieder"
PROVIDER_EMAIL = "@benchmark-hulpvragenloket.bench.example"
# Questions about a swimming pool, one in every 5,000 of the table (of every desk): what a
# search for one word finds.
SEARCH_WORD_EVERY = 5_000
DEEP_PAGE = 4_000
BOARD_URLS = [
    ("triage board, open queue", "/loket/hulpvragen/"),
    ("triage board, overdue + assignee", "/loket/hulpvragen/?overdue=true&assignee=me"),
    ("triage board, closed, page 3", "/loket/hulpvragen/?status=closed&page=3"),
    (
        "triage board, not eligible, newest deadline",
        "/loket/hulpvragen/?eligible=no&sort=-deadline",
    ),
]
SEARCH_URLS = [
    ("board search, one word, all statuses", "/loket/hulpvragen/?q=zwembaden&status="),
    ("board search, open queue, by last activity", "/loket/hulpvragen/?q=zwembad&sort=-activity"),
    ("board search, provider name", "/loket/hulpvragen/?q=Benchmarkaanbieder+01999&status="),
]


def setup() -> object:
    user = get_user_model().objects.filter(username="bench-desk").first()
    if user is not None:
        return user
    desk, _ = Desk.objects.get_or_create(name=DESK)
    desk.municipalities.set(Municipality.objects.filter(cbs_code__in=["GM0344", "GM0355"]))
    for i in range(4):
        organisation = Organisation.objects.create(
            name=f"Benchmarkpartner {i}", type=OrganisationType.WELFARE
        )
        DeskPartner.objects.create(desk=desk, organisation=organisation)
    user = staff_create(
        username="bench-desk",
        email="bench-desk@example.org",
        password=None,
        role=Role.CLUB_SUPPORTER,
        desk=desk,
    ).user
    for i in range(7):
        staff_create(
            username=f"bench-desk-{i}",
            email=f"bench-desk-{i}@example.org",
            password=None,
            role=Role.CLUB_SUPPORTER,
            desk=desk,
        )
    fill_providers(
        PROVIDERS,
        municipalities=desk.municipalities.values_list("pk", flat=True),
        name_prefix=PROVIDER_PREFIX,
        email_suffix=PROVIDER_EMAIL,
    )
    return user


def run(*, fill: bool) -> list[Result]:
    user = setup()
    call_command(
        "fill_support_requests",
        desk=DESK,
        count=QUESTIONS,
        providers=PROVIDER_PREFIX,
        verbosity=0,
    )
    mark_search_word(user)
    in_desk = SupportRequest.objects.filter(desk_id=user.staff_profile.desk_id).count()
    print(f"… the measured desk holds {in_desk:,} of the questions", flush=True)
    client = Client()
    client.force_login(user)
    results = []
    for label, url in BOARD_URLS:
        median, p95, queries = measure_view(client, url)
        results.append(
            Result(
                label,
                f"{QUESTIONS:,} questions",
                median,
                p95,
                queries,
                budget_ms=25,
                budget_queries=12,
                cpu_ms=harness.last_cpu_ms,
            )
        )
    deep, cursor = deep_page_cursor(user)
    if cursor:
        median, p95, queries = measure_view(
            client, f"/loket/hulpvragen/?status=closed&page={deep}&after={cursor}"
        )
        results.append(
            Result(
                f"triage board, closed, page {deep:,} (its link)",
                f"{QUESTIONS:,} questions",
                median,
                p95,
                queries,
                budget_ms=25,
                budget_queries=12,
                cpu_ms=harness.last_cpu_ms,
            )
        )
        median, p95, queries = measure_view(
            client, f"/loket/hulpvragen/?status=closed&page={deep}", repeat=5
        )
        results.append(
            Result(
                "  same page by number only (OFFSET)",
                f"{QUESTIONS:,} questions",
                median,
                p95,
                queries,
                cpu_ms=harness.last_cpu_ms,
            )
        )
    for label, url in SEARCH_URLS:
        median, p95, queries = measure_view(client, url)
        results.append(
            Result(
                label,
                f"{QUESTIONS:,} questions",
                median,
                p95,
                queries,
                budget_ms=50,
                budget_queries=12,
                cpu_ms=harness.last_cpu_ms,
            )
        )
    return results


def deep_page_cursor(user) -> tuple[int, str]:
    """The deepest page of closed questions the board offers by number (up to 4,000) and the
    cursor its link carries: the sort key of the last row of the page before."""
    closed = SupportRequest.objects.filter(
        desk_id=user.staff_profile.desk_id, status=SupportStatus.CLOSED
    ).order_by("deadline", "id")
    page = min(DEEP_PAGE, closed.count() // BOARD_PAGE_SIZE)
    if page < 2:
        return page, ""
    before = closed.only("deadline")[(page - 1) * BOARD_PAGE_SIZE - 1]
    return page, cursor_of(before, ("deadline", "id"))


def mark_search_word(user) -> None:
    """Give every ``SEARCH_WORD_EVERY``-th question of the table (every desk's: the full-text
    index finds them all, the search keeps the desk's) a question about a swimming pool
    (idempotent). Then fresh planner statistics: the fill analysed the table before the word
    was there, and with the word unknown to the statistics PostgreSQL estimates it in 0.5 % of
    all questions and ANDs its matches with the desk's index (125,000 rows read for 24 hits,
    21 ms at 500,000 questions) — in production the statistics follow the texts as they come
    in."""
    changed = (
        SupportRequest.objects.alias(every=Mod("pk", SEARCH_WORD_EVERY))
        .filter(every=0)
        .exclude(question=SEARCH_QUESTION)
        .update(question=SEARCH_QUESTION)
    )
    if changed and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {SupportRequest._meta.db_table}")


SEARCH_QUESTION = "Kunnen we subsidie krijgen voor de huur van het zwembad?"
