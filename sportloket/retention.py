"""Retention: what has passed its retention period is deleted or anonymised, nightly.

Periods per record type are in ``settings.SPORTLOKET_RETENTION_DAYS``. The sweep works from
the database state with plain conditional statements, so running it twice, late or
concurrently has the same end result (beat down for a week: the next run catches up).

The record types of other apps are reached through the app registry: this module sits in the
project package and is called only by the task, never imported by the apps themselves.
"""

from __future__ import annotations

import datetime as dt

from django.apps import apps
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

from .constants import EmailStatus
from .models import OutgoingEmail


def _cutoff(kind: str, now: dt.datetime) -> dt.datetime:
    return now - dt.timedelta(days=settings.SPORTLOKET_RETENTION_DAYS[kind])


@transaction.atomic
def retention_sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Delete or anonymise everything past its period; return how many rows per type."""
    now = now or timezone.now()
    done: dict[str, int] = {}

    # Outbox e-mails carry names and addresses in their bodies: kept for support questions
    # about delivery, then deleted (sent or given up; pending ones are still work).
    done["outbox"] = OutgoingEmail.objects.filter(
        status__in=(EmailStatus.SENT, EmailStatus.FAILED), created_at__lt=_cutoff("outbox", now)
    ).delete()[0]

    # Login records (usernames, addresses, browsers) of django-axes.
    login_cutoff = _cutoff("login_records", now)
    done["login_records"] = (
        apps.get_model("axes", "AccessAttempt")
        .objects.filter(attempt_time__lt=login_cutoff)
        .delete()[0]
        + apps.get_model("axes", "AccessLog")
        .objects.filter(attempt_time__lt=login_cutoff)
        .delete()[0]
        + apps.get_model("axes", "AccessFailureLog")
        .objects.filter(attempt_time__lt=login_cutoff)
        .delete()[0]
    )

    # Public registrations never confirmed by e-mail: the person did not go on with it.
    unconfirmed = _cutoff("unconfirmed_registrations", now)
    interest = apps.get_model("poskantoor", "InterestRegistration")
    done["pos_interest"] = interest.objects.filter(
        confirmed_at__isnull=True, created_at__lt=unconfirmed
    ).delete()[0]
    provider = apps.get_model("providers", "Provider")
    stale = provider.objects.filter(
        status="pending",
        confirmed_at__isnull=True,
        erased_at__isnull=True,
        created_at__lt=unconfirmed,
    )
    stale_ids = list(stale.values_list("pk", flat=True))
    done["unconfirmed_providers"] = provider.objects.filter(pk__in=stale_ids).update(
        contact_name="", email="", phone="", street="", erased_at=now, updated_at=now
    )
    for pk in stale_ids:  # their confirmation e-mails hold the address too
        OutgoingEmail.objects.filter(key__startswith=f"provider:{pk}:").delete()

    # Expired sessions (Django keeps them until clearsessions).
    done["sessions"] = Session.objects.filter(expire_date__lt=now).delete()[0]
    return done
