"""The provider import as a background job: a 20,000-row file checked and saved (the "Import"
button) through the Celery task (eager here, chunks and all). Budgets: ≤ 60 s in total, and
the progress the page polls is updated at least every 2 s (the largest gap between two
committed progress updates, from the upload to the end, is reported)."""

from __future__ import annotations

import time
from unittest import mock

from django.core.files.base import ContentFile
from django.db import connection

from bench.bench_home import bench_user
from bench.harness import Result
from providers import importing
from providers.constants import ImportJobStatus, ImportMode
from providers.models import Provider
from sportloket.models import Municipality, Sport

ROWS = 20_000
EMAIL = "@import.bench.example"
BUDGET_TOTAL_MS = 60_000
BUDGET_GAP_MS = 2_000


def _csv() -> bytes:
    municipalities = list(Municipality.objects.filter(active=True).values_list("name", flat=True))
    sports = list(Sport.objects.values_list("name", flat=True)[:5])
    lines = ["naam;soort;kvk;gemeente;postcode;plaats;sporten;contactpersoon;e-mail;vog;vcp"]
    for i in range(ROWS):
        municipality = municipalities[i % len(municipalities)]
        sport = sports[i % len(sports)]
        lines.append(
            f"Importclub {i:05d};vereniging;{80_000_000 + i};{municipality};3511 AB;Utrecht;"
            f"{sport};Contact {i};club{i}{EMAIL};voldaan;mee bezig"
        )
    return ("\n".join(lines) + "\n").encode()


def run(*, fill: bool) -> list[Result]:  # noqa: ARG001 - the file is generated every run
    Provider.objects.filter(email__endswith=EMAIL).delete()
    content = _csv()
    user = bench_user()  # a club supporter whose desk serves every municipality
    updates: list[float] = []
    real_record = importing._record

    def record(*args, **kwargs):
        saved = real_record(*args, **kwargs)
        if saved:
            updates.append(time.perf_counter())
        return saved

    queries = 0

    def count(execute, sql, params, many, context):
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    with mock.patch.object(importing, "_record", record), connection.execute_wrapper(count):
        start = time.perf_counter()
        job = importing.import_job_start(
            user=user, upload=ContentFile(content, name="bench.csv"), mode=ImportMode.APPLY
        )
        job.refresh_from_db()
        end = time.perf_counter()
    if job.status != ImportJobStatus.DONE or job.created_count != ROWS:
        raise AssertionError(f"import did not finish: {job.status} {job.error} {job.rows_done}")
    marks = [start, *updates, end]
    gaps = [b - a for a, b in zip(marks, marks[1:], strict=False)]
    gap_ms = max(gaps) * 1000
    where = gaps.index(max(gaps))
    data = f"{ROWS:,} rows"
    return [
        Result(
            "provider import job, check + save",
            data,
            (end - start) * 1000,
            (end - start) * 1000,
            queries,
            budget_ms=BUDGET_TOTAL_MS,
        ),
        Result(
            "provider import, max gap between progress",
            f"{where}/{len(updates)} updates",
            gap_ms,
            gap_ms,
            0,
            budget_ms=BUDGET_GAP_MS,
        ),
    ]
