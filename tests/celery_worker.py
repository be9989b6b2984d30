"""The Celery app that the real workers of ``tests/conftest.py`` run: the project's own app,
plus the worker's own "ready" signal written to a file and a probe task for a round trip.

The fixture waits on these rather than on a broadcast ping over the broker: on a busy machine
a worker that logged "ready" within a second went unanswered by pings for a whole minute.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from celery import signals

from sportloket.celery import app

__all__ = ["PAUSE_AFTER_CLAIM_FILE", "READY_FILE", "app", "explode", "probe"]

# The environment variable that names the file a worker writes once it consumes its queues.
READY_FILE = "SPORTLOKET_TEST_WORKER_READY_FILE"
# The environment variable that names the file a worker writes once a notice sweep committed
# its claims; the worker then blocks before sending anything, until the test kills it.
PAUSE_AFTER_CLAIM_FILE = "SPORTLOKET_TEST_PAUSE_AFTER_CLAIM_FILE"


def _pause_after_claim(sender, claimed, resend, **kwargs) -> None:
    path = os.environ.get(PAUSE_AFTER_CLAIM_FILE)
    if not path or not (claimed or resend):
        return
    partial = Path(f"{path}.partial")
    partial.write_text(f"{sender._meta.label} {claimed} {resend}")
    partial.replace(path)
    while True:  # between claim and send, until SIGKILL
        time.sleep(60)


@signals.worker_ready.connect  # connected before _announce_ready below, so it runs first
def _connect_pause(sender=None, **kwargs) -> None:
    if os.environ.get(PAUSE_AFTER_CLAIM_FILE):
        from sportloket.notices import notices_claimed

        notices_claimed.connect(_pause_after_claim, dispatch_uid="tests-pause-after-claim")


@signals.worker_ready.connect
def _announce_ready(sender=None, **kwargs) -> None:
    path = os.environ.get(READY_FILE)
    if path:
        partial = Path(f"{path}.partial")
        partial.write_text(str(os.getpid()))
        partial.replace(path)


@app.task(name="tests.worker_probe")
def probe(path: str) -> None:
    """Create ``path``. Sent to a queue with one solo worker after other messages, it runs
    only after those (the queue is first in, first out and the worker takes one at a time)."""
    Path(path).touch()


@app.task(name="tests.worker_explode")
def explode(address: str) -> None:
    """Fail with an e-mail address in the message: the error report must not carry it."""
    raise RuntimeError(f"worker task failed for {address}")
