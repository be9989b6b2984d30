"""Writes of subsidies: schemes, sharing them with providers, budgets and allocations."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter, defaultdict
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Case, Count, F, QuerySet, Value, When, prefetch_related_objects
from django.db.models.functions import ExtractYear, Greatest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from providers.constants import ProviderKind
from providers.models import Provider
from sportloket.models import Desk
from sportloket.money import format_euro, money_validate
from sportloket.notices import NoticeEmail, SweepResult, notices_sweep, unsent
from sportloket.services import (
    DomainError,
    audit_record,
    email_queue,
    emails_queue_new,
    model_changes,
)
from sportloket.tokens import InvalidToken, make_token, read_token

from . import selectors
from .constants import BudgetKind, Decision, ShareChannel
from .models import (
    Allocation,
    Budget,
    DigestMark,
    DigestNotice,
    DigestOptOut,
    EntrepreneurReach,
    Scheme,
    SchemeShare,
    SchemeShareTally,
)

# The unsubscribe link's token is signed for this purpose only (its own salt: a token of any
# other link, or of the older format, does not verify) and expires; every e-mail carries a
# fresh one, so a provider always has a valid link in its latest digest.
UNSUBSCRIBE_PURPOSE = "subsidies-digest-unsubscribe-v2"
UNSUBSCRIBE_MAX_AGE_DAYS = 90
DIGEST_BATCH = 500
# How far before the start of the last sweep the next one looks for changed schemes and
# providers: their ``updated_at`` is taken inside a transaction that may commit after a sweep
# has read the changes. Longer than any such transaction; an overlap only costs looking again.
DIGEST_CHANGES_OVERLAP = dt.timedelta(minutes=10)
# Up to this many changed providers a sweep matches them against the schemes in Python.
DIGEST_CHANGED_MATCHED_HERE = 2000
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


def provider_for_unsubscribe_token(*, token: str) -> Provider:
    """The provider an unsubscribe link belongs to; raises DomainError with a message for the
    page when the link is forged, of another purpose or format, expired, or its provider was
    erased."""
    try:
        pk = read_token(UNSUBSCRIBE_PURPOSE, token, max_age=UNSUBSCRIBE_MAX_AGE_DAYS * 86400)
    except InvalidToken as exc:
        if exc.expired:
            raise DomainError(
                _(
                    "This link has expired. Use the link in the most recent e-mail about "
                    "schemes, or ask the sport and movement desk to unsubscribe you."
                )
            ) from exc
        raise DomainError(
            _("This link is not valid. Ask the sport and movement desk to unsubscribe you.")
        ) from exc
    provider = Provider.objects.filter(pk=pk, erased_at__isnull=True).first()
    if provider is None:
        raise DomainError(
            _("This link is not valid. Ask the sport and movement desk to unsubscribe you.")
        )
    return provider


def _insert_shares(
    pairs: list[tuple[int, int]],
    *,
    channel: ShareChannel,
    by: AbstractBaseUser | None,
    tally: Counter[int],
) -> uuid.UUID:
    """Insert a share row for each (scheme id, provider id) not shared before, marked with a
    fresh claim id that is returned: the rows with it are the ones this call inserted. The
    unique constraint decides between concurrent senders: a conflicting row is skipped, so each
    pair is claimed (and e-mailed) exactly once. Each row carries its provider's kind and
    municipality of this moment (read in one query, written with the row).

    The inserted shares per scheme are added to ``tally``, for the caller to write with
    ``share_tally_add`` at the end of its transaction (the count rows are then locked only
    briefly). Call inside an atomic block."""
    claim = uuid.uuid4()
    facts = {
        pk: (kind, municipality_id)
        for pk, kind, municipality_id in Provider.objects.filter(
            pk__in={provider_id for _scheme_id, provider_id in pairs}
        ).values_list("pk", "kind", "municipality_id")
    }
    SchemeShare.objects.bulk_create(
        [
            SchemeShare(
                scheme_id=scheme_id,
                provider_id=provider_id,
                channel=channel,
                shared_by=by if by is not None and by.is_authenticated else None,
                claim=claim,
                provider_kind=facts[provider_id][0],
                municipality_id=facts[provider_id][1],
            )
            for scheme_id, provider_id in pairs
            if provider_id in facts
        ],
        ignore_conflicts=True,
    )
    inserted = SchemeShare.objects.filter(claim=claim)
    tally.update(_shares_per_scheme(inserted))
    _reach_insert(inserted)
    return claim


def _reach_insert(shares: QuerySet[SchemeShare]) -> None:
    """Record the entrepreneurs reached by ``shares`` (``EntrepreneurReach``); the year is
    the database's, in the current time zone, as ``shared_at__year`` reads it."""
    reached = (
        shares.filter(provider_kind=ProviderKind.ENTREPRENEUR, municipality__isnull=False)
        .annotate(year=ExtractYear("shared_at"))
        .order_by()
        .values_list("year", "municipality_id", "provider_id")
        .distinct()
    )
    EntrepreneurReach.objects.bulk_create(
        [EntrepreneurReach(year=y, municipality_id=m, provider_id=p) for y, m, p in reached],
        ignore_conflicts=True,
    )


def entrepreneur_reach_rebuild(*, provider_ids: list[int]) -> None:
    """Derive the entrepreneurs reached by ``provider_ids`` again from their shares (after
    shares of theirs were removed otherwise than with the provider). Call inside an atomic
    block."""
    for start in range(0, len(provider_ids), 500):
        batch = provider_ids[start : start + 500]
        EntrepreneurReach.objects.filter(provider_id__in=batch).delete()
        _reach_insert(SchemeShare.objects.filter(provider_id__in=batch))


def share_counts_rebuild(*, batch: int = 20) -> tuple[int, int]:
    """Count every scheme's shares and derive every entrepreneur reached again from the share
    rows, a batch of schemes or providers per transaction: after shares were written
    otherwise than by these services (by code that ran beside a migration during a deploy, or
    by hand). Safe beside the services that write shares: a scheme's count row is locked
    before its shares are counted, so a share committed before the lock is counted here and
    one committed after it adds itself. Returns (schemes counted, providers derived)."""
    scheme_ids = list(Scheme.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(scheme_ids), batch):
        ids = scheme_ids[start : start + batch]
        with transaction.atomic():
            rows = _tallies_locked(ids)
            counts = _shares_per_scheme(SchemeShare.objects.filter(scheme_id__in=ids))
            rows.update(
                shares=Case(
                    *[When(scheme_id=pk, then=Value(n)) for pk, n in counts.items()],
                    default=Value(0),
                )
            )
    provider_ids = list(
        SchemeShare.objects.order_by("provider_id").values_list("provider_id", flat=True).distinct()
    )
    for start in range(0, len(provider_ids), 500):
        with transaction.atomic():
            entrepreneur_reach_rebuild(provider_ids=provider_ids[start : start + 500])
    EntrepreneurReach.objects.exclude(
        provider_id__in=SchemeShare.objects.values("provider_id")
    ).delete()
    return len(scheme_ids), len(provider_ids)


def _shares_per_scheme(shares: QuerySet[SchemeShare]) -> dict[int, int]:
    return dict(
        shares.order_by().values("scheme_id").annotate(n=Count("pk")).values_list("scheme_id", "n")
    )


def _tallies_locked(scheme_ids: list[int]) -> QuerySet[SchemeShareTally]:
    """The count rows of ``scheme_ids`` (made when missing), locked in scheme order so that
    two writers cannot deadlock; they stay locked until the caller's transaction commits."""
    SchemeShareTally.objects.bulk_create(
        [SchemeShareTally(scheme_id=pk) for pk in scheme_ids], ignore_conflicts=True
    )
    rows = SchemeShareTally.objects.filter(scheme_id__in=scheme_ids)
    list(rows.select_for_update().order_by("scheme_id").values_list("scheme_id", flat=True))
    return rows


def share_tally_add(tally: Counter[int]) -> None:
    """Add ``tally`` (shares per scheme id, negative to remove) to the schemes' share counts,
    in three queries whatever the number of schemes. The count rows are locked in scheme order
    first (two writers cannot deadlock) and then raised by the database (``F()``: concurrent
    writers add up). Call inside the transaction that inserts or removes the shares, at its
    end: the rows stay locked until it commits."""
    changed = sorted(pk for pk, n in tally.items() if n)
    if not changed:
        return
    rows = _tallies_locked(changed)
    rows.update(
        shares=F("shares")
        + Case(*[When(scheme_id=pk, then=Value(tally[pk])) for pk in changed], default=Value(0))
    )


def share_tally_remove_provider(*, provider_id: int) -> None:
    """Take the shares of a provider that is being deleted off the schemes' counts; its share
    rows go with it (CASCADE). Call inside the deleting transaction, before the rows go."""
    removed = _shares_per_scheme(SchemeShare.objects.filter(provider_id=provider_id))
    share_tally_add(Counter({pk: -n for pk, n in removed.items()}))


def _claim_shares(
    pairs: list[tuple[int, int]], *, channel: ShareChannel, by: AbstractBaseUser | None
) -> list[SchemeShare]:
    """The share rows this call inserted for ``pairs`` (see ``_insert_shares``), with their
    scheme and provider."""
    if not pairs:
        return []
    tally: Counter[int] = Counter()
    claim = _insert_shares(pairs, channel=channel, by=by, tally=tally)
    share_tally_add(tally)
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


def _digest_new_pairs(
    *, today: dt.date, mark: DigestMark | None, full: bool
) -> dict[int, list[int]]:
    """Per provider, the open schemes that match it and it never received.

    Every scheme is checked against every recipient on the first sweep, with ``full``, or when
    ``today`` lies before the last sweep's day. Otherwise only what can have changed since the
    last sweep: a scheme saved since (``updated_at``) or opened since (``opens_on`` after the
    last sweep's day) against every recipient, and the other open schemes against the
    providers changed since (``Provider.updated_at``: a confirmation, an edit of kind, target
    groups or safety basics, a new e-mail address, a re-subscription). Any other pair was
    already open and matching at the last sweep, which claimed it then.
    """
    new: dict[int, list[int]] = defaultdict(list)
    schemes = selectors.open_schemes(on=today, with_facts=False)
    if full or mark is None or today < mark.on:
        fresh, others = schemes, []
    else:
        fresh = [
            s
            for s in schemes
            if s.updated_at >= mark.changes_since or (s.opens_on and s.opens_on > mark.on)
        ]
        others = [s for s in schemes if s not in fresh]
    changed: list[Provider] = []
    if others:
        # The providers changed since (a range of the ``updated_at`` index), matched against
        # the other schemes here; many changes (a bulk import) are looked up by date per
        # scheme in the database instead.
        changed = list(
            selectors.digest_recipients()
            .filter(updated_at__gte=mark.changes_since)
            .order_by()
            .prefetch_related("target_groups")[: DIGEST_CHANGED_MATCHED_HERE + 1]
        )
    if not changed:
        others = []
    # Target groups and themes only of the schemes to match (none when nothing is new).
    prefetch_related_objects([*fresh, *others], "target_groups", "themes")
    for scheme in fresh:
        for provider_id in selectors.digest_new_recipient_ids(scheme=scheme):
            new[provider_id].append(scheme.pk)
    if len(changed) <= DIGEST_CHANGED_MATCHED_HERE:
        for scheme_id, provider_id in selectors.digest_new_pairs_among(
            providers=changed, schemes=others
        ):
            new[provider_id].append(scheme_id)
    else:
        for scheme in others:
            for provider_id in selectors.digest_new_recipient_ids(
                scheme=scheme, changed_since=mark.changes_since
            ):
                new[provider_id].append(scheme.pk)
    return new


def _digest_mark_advance(
    *, first: bool, today: dt.date, changes_since: dt.datetime, now: dt.datetime
) -> None:
    """Move the digest's mark forward (never back: a slower concurrent sweep that began
    earlier leaves the later mark)."""
    if first:
        DigestMark.objects.bulk_create(
            [DigestMark(pk=1, on=today, changes_since=changes_since, swept_at=now)],
            ignore_conflicts=True,
        )
    DigestMark.objects.filter(pk=1).update(
        on=Greatest("on", Value(today)),
        changes_since=Greatest("changes_since", Value(changes_since)),
        swept_at=now,
    )


def digest_sweep(
    *, today: dt.date | None = None, now: dt.datetime | None = None, full: bool = False
) -> SweepResult:
    """Claim, for each confirmed provider, the open schemes that newly match it, and one digest
    notice (``DigestNotice``, a once-only notice) per provider announcing them; return the ids
    of the digests to send (this sweep's and older unsent ones).

    Proportional to what is new since the last sweep (``DigestMark``; see
    ``_digest_new_pairs``): with nothing new it reads the open schemes and whether any
    provider changed, whatever the number of providers. The candidate pairs of a new or
    changed scheme are found by the database, set-based (one query per such scheme); the
    changed providers (up to ``DIGEST_CHANGED_MATCHED_HERE``) are read once and matched against
    the other schemes here, so their queries do not follow the number of schemes. Safe to run
    twice and concurrently:
    the pairs are claimed with one bulk INSERT … ON CONFLICT DO NOTHING per batch, marked with
    the batch's claim id, and only the rows this batch inserted go into its digests — the
    unique (scheme, provider) row is the exactly-once guarantee. The mark moves in the same
    transaction as the claims, so a worker that dies mid-sweep leaves the previous mark and
    the next sweep looks at the same changes again. Call outside a transaction.
    """
    today = today or timezone.localdate()
    started = timezone.now()

    def claim(run: str, at: dt.datetime) -> None:
        mark = DigestMark.objects.filter(pk=1).first()
        new = _digest_new_pairs(today=today, mark=mark, full=full)
        provider_ids = sorted(new)
        tally: Counter[int] = Counter()
        for start in range(0, len(provider_ids), DIGEST_BATCH):
            batch = provider_ids[start : start + DIGEST_BATCH]
            shares_claim = _insert_shares(
                [(s, p) for p in batch for s in new[p]],
                channel=ShareChannel.DIGEST,
                by=None,
                tally=tally,
            )
            claimed = (
                SchemeShare.objects.filter(claim=shares_claim)
                .order_by("provider_id")
                .values_list("provider_id", flat=True)
                .distinct()
            )
            DigestNotice.objects.bulk_create(
                DigestNotice(provider_id=p, shares_claim=shares_claim, claim=run, created_at=at)
                for p in claimed
            )
        share_tally_add(tally)
        _digest_mark_advance(
            first=mark is None,
            today=today,
            changes_since=started - DIGEST_CHANGES_OVERLAP,
            now=at,
        )

    return notices_sweep(DigestNotice, claim, now=now)


def _digest_schemes(
    notices: list[DigestNotice], today: dt.date
) -> dict[tuple[int, uuid.UUID], list[Scheme]]:
    """Per (provider id, shares claim) of ``notices``, the schemes its digest announces that
    are still open, by name; two queries for any number of notices."""
    wanted = {(n.provider_id, n.shares_claim) for n in notices}
    shares = SchemeShare.objects.filter(
        provider_id__in=[n.provider_id for n in notices],
        claim__in={n.shares_claim for n in notices},
    ).values_list("provider_id", "claim", "scheme_id")
    scheme_ids = defaultdict(list)
    for provider_id, claim, scheme_id in shares:
        if (provider_id, claim) in wanted:
            scheme_ids[provider_id, claim].append(scheme_id)
    schemes = Scheme.objects.in_bulk({pk for ids in scheme_ids.values() for pk in ids})
    return {
        key: sorted(
            (schemes[pk] for pk in ids if pk in schemes and schemes[pk].is_open(today)),
            key=lambda scheme: scheme.name,
        )
        for key, ids in scheme_ids.items()
    }


def _digest_batch_send(notice_ids: list[int], today: dt.date) -> int:
    """Send the unsent digests among ``notice_ids`` in one transaction; returns how many
    e-mails it queued.

    The notices are locked first (``SELECT … FOR UPDATE SKIP LOCKED``: a concurrent sender
    skips what this one holds, and after its commit finds them sent; on SQLite the write
    transaction serialises senders), then marked sent and their e-mails inserted with one
    INSERT, all in this transaction: a crash before the commit leaves every notice of the batch
    unsent and no e-mail of it queued, for the next sweep to hand out again. A digest whose
    provider can no longer be told (unsubscribed, erased, no address) or none of whose schemes
    is still open is closed instead. A fixed number of queries, whatever the batch's size."""
    with transaction.atomic():
        notices = list(
            unsent(DigestNotice)
            .filter(pk__in=notice_ids)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("provider")
            .order_by("pk")
        )
        if not notices:
            return 0
        reachable = set(
            selectors.digest_recipients()
            .filter(pk__in=[n.provider_id for n in notices])
            .order_by()
            .values_list("pk", flat=True)
        )
        schemes = _digest_schemes(notices, today)
        emails, sent, closed = [], [], []
        for notice in notices:
            provider = notice.provider
            announced = schemes.get((provider.pk, notice.shares_claim))
            if provider.pk not in reachable or not announced:
                closed.append(notice.pk)
                continue
            sent.append(notice.pk)
            emails.append(
                NoticeEmail(
                    key=f"scheme-digest:{provider.pk}:{notice.shares_claim}",
                    to=[provider.email],
                    template="subsidies/emails/scheme_digest",
                    context={
                        "provider": provider,
                        "schemes": announced,
                        "unsubscribe_url": unsubscribe_url(provider),
                    },
                )
            )
        now = timezone.now()
        if sent:
            DigestNotice.objects.filter(pk__in=sent).update(emailed_at=now)
        if closed:
            DigestNotice.objects.filter(pk__in=closed).update(closed_at=now)
        emails_queue_new(emails=emails)
    return len(emails)


def digest_notices_send(*, notice_ids: list[int], today: dt.date | None = None) -> int:
    """Send each claimed digest once, ``DIGEST_BATCH`` per transaction (see
    ``_digest_batch_send``); returns how many e-mails this call queued. Idempotent: a digest
    sent or closed before, by this call or a concurrent one, is skipped."""
    today = today or timezone.localdate()
    return sum(
        _digest_batch_send(notice_ids[start : start + DIGEST_BATCH], today)
        for start in range(0, len(notice_ids), DIGEST_BATCH)
    )


def digest_send(*, today: dt.date | None = None, full: bool = False) -> int:
    """Sweep and send: e-mail each confirmed provider the open schemes that newly match it;
    returns the number of digests queued. Idempotent and safe to run concurrently; a digest
    claimed by a worker that died before sending it is sent by the next run. ``full`` checks
    every open scheme against every provider (as the first sweep does), e.g. after providers
    were loaded in bulk past the services."""
    result = digest_sweep(today=today, full=full)
    return digest_notices_send(notice_ids=result.to_send, today=today)


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


@transaction.atomic
def digest_resubscribe(*, provider: Provider) -> None:
    """Start the digest again for ``provider`` (e.g. from the providers' portal). Idempotent."""
    deleted, _rows = DigestOptOut.objects.filter(provider=provider).delete()
    if deleted:
        # The digest looks at providers changed since its last sweep: this one is a
        # recipient again, for every open scheme it did not receive.
        Provider.objects.filter(pk=provider.pk).update(updated_at=timezone.now())
        audit_record(
            subject=provider,
            actor=None,
            action="scheme_digest_resubscribed",
            summary=_("Subscribed to the scheme digest again"),
        )


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


BUDGET_FIELDS = ["name", "kind", "total"]


def _locked_budget(pk: int) -> Budget:
    """Re-read a budget under a row lock (``SELECT … FOR UPDATE``); call inside an atomic block.

    Every write that changes ``allocated`` or ``total`` takes this lock first, so allocating,
    withdrawing and editing the total are serialised per budget and each sees the others'
    effect; the CHECK ``allocated <= total`` backs this up in the database itself. On SQLite the
    IMMEDIATE transaction mode serialises writers in the same way."""
    return Budget.objects.select_for_update(of=("self",)).select_related("desk").get(pk=pk)


def _set_allocated(budget: Budget, delta: Decimal) -> None:
    """Add ``delta`` to ``allocated`` in the database; the CHECKs refuse a result above the
    total or below zero (a savepoint keeps the outer transaction usable)."""
    try:
        with transaction.atomic():
            Budget.objects.filter(pk=budget.pk).update(allocated=F("allocated") + delta)
    except IntegrityError as exc:
        raise DomainError(_("This is more than the balance of this budget.")) from exc


@transaction.atomic
def budget_update(
    *, budget: Budget, name: str, kind: BudgetKind, total: Decimal | str, by: AbstractBaseUser
) -> Budget:
    """Change a budget's name, kind or total, with audit trail.

    The total may go down, but never below what is already allocated: checked under the row
    lock, so an allocation at the same moment is either seen here or refused there. Desk and
    year stay as they are (decisions were made within them)."""
    total = money_validate(total)
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Give the budget a name."))
    locked = _locked_budget(budget.pk)
    if total < locked.allocated:
        raise DomainError(
            _(
                "The total cannot be lower than what has already been allocated "
                "(%(allocated)s). Withdraw allocations first, or choose a higher total."
            )
            % {"allocated": format_euro(locked.allocated)}
        )
    duplicate = Budget.objects.filter(desk=locked.desk, year=locked.year, name=name).exclude(
        pk=locked.pk
    )
    if duplicate.exists():
        raise DomainError(
            _("This desk already has a budget with this name in %(year)d.") % {"year": locked.year}
        )
    data = {"name": name, "kind": kind, "total": total}
    changes = model_changes(locked, data, BUDGET_FIELDS)
    if changes:
        Budget.objects.filter(pk=locked.pk).update(**data)
        audit_record(
            subject=locked,
            actor=by,
            action="budget_updated",
            changes=changes,
            summary=f"{name} {locked.year} {format_euro(total)}",
        )
    budget.refresh_from_db()
    return budget


@transaction.atomic
def allocation_create(
    *,
    budget: Budget,
    provider: Provider | None,
    amount: Decimal | str,
    decision: Decision,
    rationale: str,
    decided_on: dt.date,
    by: AbstractBaseUser,
    reference: str = "",
) -> Allocation:
    """Record a decision on money; a granted amount is taken from the budget.

    The recipient is a provider in the desk's area, or a case another app owns named by
    ``reference`` (``meetings`` passes a support question's number and, when it is a confirmed
    provider, the question's provider) — at least one of the two. The budget row is locked for
    the rest of the transaction (``_locked_budget``), so two staff members allocating at the
    same moment are serialised and the second sees the first's allocation; a caller that links
    the allocation to its own records does so in the same transaction."""
    amount = money_validate(amount)
    rationale = (rationale or "").strip()
    reference = (reference or "").strip()[:100]
    if provider is None and not reference:
        raise DomainError(_("Choose who receives it: a sport provider or a support question."))
    if not rationale:
        raise DomainError(_("Write down why: every decision needs a rationale."))
    if decided_on > timezone.localdate():
        raise DomainError(_("The decision date cannot be in the future."))
    locked = _locked_budget(budget.pk)
    if (
        provider is not None
        and not locked.desk.municipalities.filter(pk=provider.municipality_id).exists()
    ):
        raise DomainError(_("This provider is not in the area of the desk of this budget."))
    if decision == Decision.GRANTED:
        if amount > locked.remaining:
            raise DomainError(
                _("This is more than the balance: only %(remaining)s is left in this budget.")
                % {"remaining": format_euro(locked.remaining)}
            )
        _set_allocated(locked, amount)
    allocation = Allocation.objects.create(
        budget=locked,
        provider=provider,
        reference=reference,
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
        summary=f"{allocation.recipient}: {format_euro(amount)} ({Decision(decision).label})",
    )
    budget.refresh_from_db(fields=["allocated"])
    return allocation


@transaction.atomic
def allocation_withdraw(*, allocation: Allocation, reason: str, by: AbstractBaseUser) -> Allocation:
    """Withdraw a granted allocation: its amount goes back to the budget's balance, the row
    stays (shown as withdrawn, with who, when and why) and the audit trail records it.

    Locks the budget first, then the allocation — the same order as ``allocation_create`` —
    and decides on the re-read rows, so a withdrawal and an allocation at the same moment stay
    consistent and a second withdrawal of the same allocation is refused."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Write down why the allocation is withdrawn."))
    locked_budget = _locked_budget(allocation.budget_id)
    locked = Allocation.objects.select_for_update(of=("self",)).get(pk=allocation.pk)
    if locked.decision != Decision.GRANTED:
        raise DomainError(_("Only a granted allocation can be withdrawn; this one was rejected."))
    if locked.withdrawn_at is not None:
        raise DomainError(
            _("This allocation was already withdrawn on %(date)s.")
            % {"date": date_format(timezone.localtime(locked.withdrawn_at), "j-n-Y")}
        )
    _set_allocated(locked_budget, -locked.amount)
    Allocation.objects.filter(pk=locked.pk).update(
        withdrawn_at=timezone.now(), withdrawn_by=by, withdrawal_reason=reason
    )
    allocation.refresh_from_db()
    audit_record(
        subject=allocation,
        actor=by,
        action="allocation_withdrawn",
        changes={"withdrawal_reason": ["", reason[:500]]},
        summary=_("%(recipient)s: %(amount)s withdrawn")
        % {"recipient": allocation.recipient, "amount": format_euro(allocation.amount)},
    )
    return allocation
