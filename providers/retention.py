"""The providers' part of the retention sweep (``sportloket.retention``): their rules and
personal-data inventory, registered from ``ProvidersConfig.ready``."""

from __future__ import annotations

import datetime as dt

from sportloket.models import OutgoingEmail
from sportloket.retention import (
    Holding,
    Rule,
    audit_strip_fields,
    blank_values,
    delete_with_files,
    outbox_key_regex,
)

from .constants import PERSONAL_FIELDS, ImportJobStatus, ProviderStatus
from .models import Provider

# What the sweep empties of an expired provider: the fields the erasure on request empties.
PROVIDER_PERSONAL_FIELDS = PERSONAL_FIELDS


def providers_anonymise(*, ids: list[int], now: dt.datetime) -> int:
    """The contact of providers that expired (never confirmed, long inactive): the same fields
    as ``providers.services.provider_erase_personal_data``, set-based, with their
    confirmation e-mails and the personal old/new values in their audit trail."""
    done = Provider.objects.filter(pk__in=ids).update(
        **blank_values(Provider, PROVIDER_PERSONAL_FIELDS), erased_at=now, updated_at=now
    )
    OutgoingEmail.objects.filter(key__regex=outbox_key_regex(["provider"], ids)).delete()
    audit_strip_fields(model=Provider, ids=ids, fields=PROVIDER_PERSONAL_FIELDS)
    return done


RULES: tuple[Rule, ...] = (
    Rule(
        "unconfirmed_providers",
        "providers.Provider",
        "unconfirmed_registrations",
        lambda qs, cutoff: qs.filter(
            status=ProviderStatus.PENDING,
            confirmed_at__isnull=True,
            erased_at__isnull=True,
            created_at__lt=cutoff,
        ),
        lambda model, ids, now: providers_anonymise(ids=ids, now=now),
    ),
    Rule(
        "inactive_providers",
        "providers.Provider",
        "inactive_providers",
        lambda qs, cutoff: qs.filter(
            status=ProviderStatus.INACTIVE, erased_at__isnull=True, updated_at__lt=cutoff
        ),
        lambda model, ids, now: providers_anonymise(ids=ids, now=now),
    ),
    Rule(
        "import_jobs",
        "providers.ProviderImport",
        "import_jobs",
        lambda qs, cutoff: qs.filter(
            status__in=(ImportJobStatus.DONE, ImportJobStatus.FAILED), finished_at__lt=cutoff
        ),
        delete_with_files("file", "report"),
    ),
)

INVENTORY: dict[str, Holding] = {
    "providers.Provider": Holding(
        ("contact_name", "email", "phone", "street"),
        "contact anonymised: never confirmed after `unconfirmed_registrations`, inactive "
        "after `inactive_providers`; the provider (organisation) stays; erasure on request",
        ("unconfirmed_providers", "inactive_providers"),
    ),
    "providers.ProviderImport": Holding(
        ("file", "report"),
        "the uploaded file and its report (in the file storage under imports/) deleted with "
        "the job after `import_jobs`; what the import changed stays in the providers' audit "
        "trail",
        ("import_jobs",),
    ),
    "providers.ProviderImportRow": Holding(
        ("name", "reason", "changes", "data"),
        "deleted with its import job after `import_jobs`; `data` (the row's cleaned values) is "
        "emptied as soon as the row has been written",
        ("import_jobs",),
    ),
}
