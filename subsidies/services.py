"""Writes of subsidies: schemes, sharing them with providers, budgets and allocations."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import F, OuterRef, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from providers.models import Provider
from sportloket.models import Desk
from sportloket.money import format_euro, money_validate
from sportloket.services import DomainError, audit_record, email_queue, model_changes
from sportloket.tokens import make_token

from . import selectors
from .constants import BudgetKind, Decision, ShareChannel
from .models import Allocation, Budget, DigestOptOut, Scheme, SchemeShare

UNSUBSCRIBE_PURPOSE = "subsidies-unsubscribe"
DIGEST_BATCH = 500
SCHEME_FIELDS = [
    "name",
    "funder",
    "description",
    "link",
    "for_clubs",
    "for_entrepreneurs",
    "for_other",
    "amount_min",
    "amount_max",
    "opens_on",
    "closes_on",
    "active",
]


# --- Schemes ----------------------------------------------------------------------------------


@transaction.atomic
def scheme_save(*, scheme: Scheme | None, data: dict[str, Any], by: AbstractBaseUser) -> Scheme:
    """Create (``scheme=None``) or update a scheme from cleaned form data, with audit trail."""
    creating = scheme is None
    scheme = scheme or Scheme()
    changes = (
        {} if creating else model_changes(scheme, data, [*SCHEME_FIELDS, "target_groups", "themes"])
    )
    for name in SCHEME_FIELDS:
        if name in data:
            setattr(scheme, name, data[name])
    scheme.save()
    scheme.target_groups.set(data.get("target_groups", []))
    scheme.themes.set(data.get("themes", []))
    audit_record(
        subject=scheme,
        actor=by,
        action="scheme_created" if creating else "scheme_updated",
        changes=changes,
        summary=scheme.name,
    )
    return scheme


# --- Sharing ----------------------------------------------------------------------------------


def unsubscribe_url(provider: Provider) -> str:
    token = make_token(UNSUBSCRIBE_PURPOSE, provider.pk)
    return settings.SPORTLOKET_SITE_URL + reverse("subsidies:unsubscribe", args=[token])


def _claim_shares(
    pairs: list[tuple[int, int]], *, channel: ShareChannel, by: AbstractBaseUser | None
) -> list[SchemeShare]:
    """Insert a share row for each (scheme id, provider id) not shared before and return the
    rows this call inserted. The unique constraint decides between concurrent senders: a
    conflicting row is skipped, so each pair is claimed (and e-mailed) exactly once."""
    if not pairs:
        return []
    claim = uuid.uuid4()
    SchemeShare.objects.bulk_create(
        [
            SchemeShare(
                scheme_id=scheme_id,
                provider_id=provider_id,
                channel=channel,
                shared_by=by if by is not None and by.is_authenticated else None,
                claim=claim,
            )
            for scheme_id, provider_id in pairs
        ],
        ignore_conflicts=True,
    )
    # The provider's kind and municipality go on the rows this call inserted, in the database.
    provider = Provider.objects.filter(pk=OuterRef("provider_id"))
    SchemeShare.objects.filter(claim=claim).update(
        provider_kind=Subquery(provider.values("kind")[:1]),
        municipality_id=Subquery(provider.values("municipality_id")[:1]),
    )
    return list(
        SchemeShare.objects.filter(claim=claim)
        .select_related("scheme", "provider")
        .order_by("provider_id", "scheme__name")
    )


@transaction.atomic
def scheme_share(
    *,
    scheme: Scheme,
    providers: QuerySet[Provider] | list[Provider],
    by: AbstractBaseUser,
) -> tuple[int, int]:
    """Share ``scheme`` by e-mail with ``providers`` (a list, or a queryset such as "all
    matching providers that did not receive it yet", read as ids only); returns
    (shared, skipped).

    Providers that already received this scheme, or have no e-mail address, are skipped. The
    e-mails go through the outbox and are sent by Celery after commit."""
    if not scheme.is_open(timezone.localdate()):
        raise DomainError(_("This scheme is not open; only open schemes can be shared."))
    if isinstance(providers, QuerySet):
        rows = list(providers.order_by().values_list("pk", "email", "erased_at"))
    else:
        rows = [(p.pk, p.email, p.erased_at) for p in providers]
    if not rows:
        raise DomainError(_("Choose at least one provider to share the scheme with."))
    reachable = [pk for pk, email, erased_at in rows if email and erased_at is None]
    claimed = _claim_shares(
        [(scheme.pk, pk) for pk in reachable], channel=ShareChannel.MANUAL, by=by
    )
    for share in claimed:
        email_queue(
            key=f"scheme-share:{scheme.pk}:{share.provider_id}",
            to=[share.provider.email],
            template="subsidies/emails/scheme_share",
            context={
                "provider": share.provider,
                "scheme": scheme,
                "unsubscribe_url": unsubscribe_url(share.provider),
            },
        )
    if claimed:
        audit_record(
            subject=scheme,
            actor=by,
            action="scheme_shared",
            changes={"providers": [", ".join(s.provider.name for s in claimed)[:1000]]},
            summary=_("Shared with %(count)d providers") % {"count": len(claimed)},
        )
    return len(claimed), len(rows) - len(claimed)


def digest_send(*, today: dt.date | None = None) -> int:
    """Send each confirmed provider the open schemes that newly match it; returns the number
    of digests queued. Set-based: the database lists, per open scheme, the recipients it fits
    that have no share row for it yet (one query per open scheme, whatever the number of
    providers), so a run with nothing new reads only that. Idempotent and safe to run
    concurrently: the pairs are claimed with one bulk INSERT … ON CONFLICT DO NOTHING per
    batch, marked with this batch's claim id, and only the rows this batch inserted are
    e-mailed — the unique (scheme, provider) row is the exactly-once guarantee. Each batch is
    one transaction (shares and e-mails commit together)."""
    today = today or timezone.localdate()
    new: dict[int, list[int]] = defaultdict(list)
    for scheme in selectors.open_schemes(on=today):
        for provider_id in selectors.digest_new_recipient_ids(scheme=scheme):
            new[provider_id].append(scheme.pk)
    provider_ids = sorted(new)
    queued = 0
    for start in range(0, len(provider_ids), DIGEST_BATCH):
        batch = provider_ids[start : start + DIGEST_BATCH]
        queued += _digest_batch([(s, p) for p in batch for s in new[p]])
    return queued


@transaction.atomic
def _digest_batch(pairs: list[tuple[int, int]]) -> int:
    per_provider: dict[int, list[SchemeShare]] = defaultdict(list)
    for share in _claim_shares(pairs, channel=ShareChannel.DIGEST, by=None):
        per_provider[share.provider_id].append(share)
    for provider_id, shares in per_provider.items():
        provider = shares[0].provider
        email_queue(
            key=f"scheme-digest:{provider_id}:{shares[0].claim}",
            to=[provider.email],
            template="subsidies/emails/scheme_digest",
            context={
                "provider": provider,
                "schemes": [s.scheme for s in shares],
                "unsubscribe_url": unsubscribe_url(provider),
            },
        )
    return len(per_provider)


@transaction.atomic
def digest_unsubscribe(*, provider: Provider) -> DigestOptOut:
    """Stop the digest for ``provider``. Idempotent: a second click changes nothing."""
    opt_out, created = DigestOptOut.objects.get_or_create(provider=provider)
    if created:
        audit_record(
            subject=provider,
            actor=None,
            action="scheme_digest_unsubscribed",
            summary=_("Unsubscribed from the scheme digest"),
        )
    return opt_out


# --- Budgets and allocations ------------------------------------------------------------------


@transaction.atomic
def budget_create(
    *,
    desk: Desk,
    year: int,
    kind: BudgetKind,
    name: str,
    total: Decimal,
    by: AbstractBaseUser,
) -> Budget:
    total = money_validate(total)
    if Budget.objects.filter(desk=desk, year=year, name=name).exists():
        raise DomainError(
            _("This desk already has a budget with this name in %(year)d.") % {"year": year}
        )
    budget = Budget.objects.create(desk=desk, year=year, kind=kind, name=name, total=total)
    audit_record(
        subject=budget,
        actor=by,
        action="budget_created",
        changes={"total": ["", str(total)]},
        summary=f"{budget} {format_euro(total)}",
    )
    return budget


@transaction.atomic
def allocation_create(
    *,
    budget: Budget,
    provider: Provider,
    amount: Decimal | str,
    decision: Decision,
    rationale: str,
    decided_on: dt.date,
    by: AbstractBaseUser,
) -> Allocation:
    """Record a decision on money for a provider; a granted amount is taken from the budget.

    The budget row is locked (``SELECT … FOR UPDATE``) for the rest of the transaction, so two
    staff members allocating at the same moment are serialised and the second sees the first's
    allocation; the CHECK ``allocated <= total`` backs this up in the database itself. On
    SQLite the IMMEDIATE transaction mode serialises writers in the same way."""
    amount = money_validate(amount)
    rationale = (rationale or "").strip()
    if not rationale:
        raise DomainError(_("Write down why: every decision needs a rationale."))
    if decided_on > timezone.localdate():
        raise DomainError(_("The decision date cannot be in the future."))
    locked = Budget.objects.select_for_update().get(pk=budget.pk)
    if not locked.desk.municipalities.filter(pk=provider.municipality_id).exists():
        raise DomainError(_("This provider is not in the area of the desk of this budget."))
    if decision == Decision.GRANTED:
        if amount > locked.remaining:
            raise DomainError(
                _("This is more than the balance: only %(remaining)s is left in this budget.")
                % {"remaining": format_euro(locked.remaining)}
            )
        try:
            with transaction.atomic():
                Budget.objects.filter(pk=locked.pk).update(allocated=F("allocated") + amount)
        except IntegrityError as exc:
            raise DomainError(_("This is more than the balance of this budget.")) from exc
    allocation = Allocation.objects.create(
        budget=locked,
        provider=provider,
        amount=amount,
        decision=decision,
        rationale=rationale,
        decided_on=decided_on,
        decided_by=by,
    )
    audit_record(
        subject=allocation,
        actor=by,
        action=f"allocation_{decision}",
        changes={"amount": ["", str(amount)], "rationale": ["", rationale[:500]]},
        summary=f"{provider}: {format_euro(amount)} ({Decision(decision).label})",
    )
    budget.refresh_from_db(fields=["allocated"])
    return allocation
