"""Retention: the nightly sweep deletes or anonymises what has passed its period, and a scan
finds no leftover personal data of an erased person."""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt, AccessLog
from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils import timezone

from providers.constants import ProviderSource
from providers.models import Provider
from providers.services import provider_erase_personal_data, provider_register
from sportloket.constants import EmailStatus
from sportloket.models import OutgoingEmail
from sportloket.retention import retention_sweep
from sportloket.tasks import retention_sweep_task
from tests.factories import ProviderFactory, municipality

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def _age(model, pk, field, days):
    model.objects.filter(pk=pk).update(**{field: timezone.now() - days * DAY})


def test_the_sweep_removes_what_passed_its_period_and_keeps_the_rest():
    periods = settings.SPORTLOKET_RETENTION_DAYS
    old_mail = OutgoingEmail.objects.create(
        key="old", to=["a@example.org"], subject="s", body="b", status=EmailStatus.SENT
    )
    _age(OutgoingEmail, old_mail.pk, "created_at", periods["outbox"] + 1)
    new_mail = OutgoingEmail.objects.create(
        key="new", to=["a@example.org"], subject="s", body="b", status=EmailStatus.SENT
    )
    unsent = OutgoingEmail.objects.create(key="unsent", to=["a@example.org"], subject="s", body="b")
    _age(OutgoingEmail, unsent.pk, "created_at", periods["outbox"] + 1)  # still work: kept
    attempt = AccessAttempt.objects.create(
        username="x",
        ip_address="10.0.0.1",
        user_agent="",
        get_data="",
        post_data="",
        http_accept="",
        path_info="/",
        failures_since_start=1,
    )
    _age(AccessAttempt, attempt.pk, "attempt_time", periods["login_records"] + 1)
    log = AccessLog.objects.create(
        username="x", ip_address="10.0.0.1", user_agent="", http_accept="", path_info="/"
    )
    _age(AccessLog, log.pk, "attempt_time", periods["login_records"] - 1)
    stale = ProviderFactory(
        pending=True, source=ProviderSource.INTEREST_FORM, email="oud@example.org"
    )
    _age(Provider, stale.pk, "created_at", periods["unconfirmed_registrations"] + 1)
    fresh = ProviderFactory(
        pending=True, source=ProviderSource.INTEREST_FORM, email="vers@example.org"
    )

    first = retention_sweep()
    assert first["outbox"] == 1
    assert first["login_records"] == 1
    assert first["unconfirmed_providers"] == 1
    assert set(OutgoingEmail.objects.values_list("key", flat=True)) == {"new", "unsent"}
    assert not AccessAttempt.objects.exists()
    assert AccessLog.objects.filter(pk=log.pk).exists()
    stale.refresh_from_db()
    assert (stale.email, stale.contact_name) == ("", "")
    assert stale.erased_at is not None
    fresh.refresh_from_db()
    assert fresh.email == "vers@example.org"
    assert new_mail.pk

    second = retention_sweep()  # nightly again, or twice: nothing more to do
    assert set(second.values()) == {0}


def test_the_sweep_is_a_nightly_task():
    entry = settings.CELERY_BEAT_SCHEDULE["sportloket-retention-sweep"]
    assert entry["task"] == retention_sweep_task.name
    assert retention_sweep_task.apply().get()["outbox"] == 0


def _text_columns():
    for model in apps.get_models():
        if model._meta.app_label in ("contenttypes", "auth", "admin"):
            continue
        fields = [
            f.name
            for f in model._meta.get_fields()
            if getattr(f, "concrete", False)
            and not f.is_relation
            and isinstance(f, models.CharField | models.TextField | models.JSONField)
        ]
        if fields:
            yield model, fields


def _leftovers(needles: list[str]) -> list[str]:
    found = []
    for model, fields in _text_columns():
        for row in model.objects.values("pk", *fields):
            for name in fields:
                text = str(row[name])
                for needle in needles:
                    if needle.lower() in text.lower():
                        found.append(f"{model._meta.label}#{row['pk']}.{name}: {needle}")
    return found


def test_no_personal_data_of_an_erased_person_is_left_anywhere(
    django_capture_on_commit_callbacks, policy_staff
):
    """Register through the public path (outbox e-mail, audit trail), change the contact by
    staff (audit with old and new values), then erase: the scan over every text column of
    every model finds neither the name, the address nor the phone number."""
    name, email, phone = "Henriëtte Zwanenburg", "henriette.zwanenburg@example.org", "0612345678"
    with django_capture_on_commit_callbacks(execute=True):
        provider = provider_register(
            data={
                "name": "Sportschool Zwaan",
                "kind": "entrepreneur",
                "kvk_number": "55667788",
                "municipality": municipality(),
                "postcode": "3511 AB",
                "city": "Utrecht",
                "contact_name": name,
                "email": email,
                "phone": phone,
            },
            source=ProviderSource.INTEREST_FORM,
        ).provider
    assert _leftovers([email])  # the scan does find the data before the erasure
    provider_erase_personal_data(provider=provider, actor=policy_staff)
    assert _leftovers([name, email, phone]) == []
