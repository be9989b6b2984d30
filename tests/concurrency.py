"""Jobs at the same moment, for the PostgreSQL tests of row locks and claims."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connection

from sportloket.services import DomainError


def run_at_once(*jobs: Callable[[], object]) -> list[tuple[str, object]]:
    """Run each job in its own thread and database connection, released together by a barrier.

    Returns per job, in the order given, ``("ok", what it returned)`` or ``("refused", the
    DomainError's message)``. Any other exception fails the calling test: the first one is
    raised again once every thread has ended."""
    barrier = threading.Barrier(len(jobs))
    results: list[tuple[str, object]] = [("error", None)] * len(jobs)
    errors: list[BaseException] = []

    def worker(i: int, job: Callable[[], object]) -> None:
        try:
            barrier.wait()
            results[i] = ("ok", job())
        except DomainError as exc:
            results[i] = ("refused", exc.message)
        except Exception as exc:  # noqa: BLE001 - raised again in the test's thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results
