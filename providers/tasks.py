"""Celery tasks of the providers app: thin wrappers around ``importing``."""

from __future__ import annotations

from celery import shared_task

from sportloket.services import enqueue_on_commit

from . import importing


@shared_task
def provider_import_run(job_id: str) -> bool:
    """Run a chunk of an import job and queue the next chunk while there is one. Safe to
    deliver twice: the job is claimed first, and each batch commits with its progress."""
    more = importing.import_job_run(job_id=job_id)
    if more:
        enqueue_on_commit(provider_import_run, job_id)
    return more


@shared_task
def provider_imports_requeue() -> int:
    """Periodic: queue the import jobs whose message was lost or whose worker died."""
    ids = importing.import_jobs_requeue()
    for job_id in ids:
        provider_import_run.delay(job_id)
    return len(ids)
