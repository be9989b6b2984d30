from celery import shared_task

from . import services


@shared_task
def send_scheme_digest() -> int:
    """Periodic: e-mail each confirmed provider its newly matching open schemes, looking only
    at the schemes and providers changed since the last run (its mark). Safe to run twice and
    concurrently: each (scheme, provider) pair is claimed by a unique row first, and each
    digest is sent once; a digest left unsent by a killed worker is sent by a later run, and a
    sweep killed before its commit leaves the mark where it was."""
    return services.digest_send()
