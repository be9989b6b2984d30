"""Retention: what has passed its retention period is deleted or anonymised, nightly.

Three parts:

* The inventory — every model that can hold personal data, which fields, and what happens to
  them (keep / anonymise / delete, and when). ``tests/hardening/test_retention.py`` fails for a
  model of our apps that is not in it, and for an e-mail or phone field it does not name.
* The rules and ``retention_sweep`` — the nightly sweep (beat ``sportloket-retention-sweep``).
  Periods are in ``settings.SPORTLOKET_RETENTION_DAYS``. Each rule selects the rows that are
  past their period *and still hold data*, so a second run finds nothing (idempotent), a late
  run catches up, and concurrent runs split the work (``SKIP LOCKED`` on PostgreSQL) or repeat
  an idempotent update. Work is done in batches of ``SPORTLOKET_RETENTION_BATCH_SIZE`` rows,
  each batch its own short transaction with a fixed number of queries, at most
  ``SPORTLOKET_RETENTION_MAX_BATCHES`` per rule and run. Anonymising keeps everything the
  dashboards, rollups and guideline checks count (status, category, dates, desk, provider
  links, flags) and empties what identifies a person (names, addresses, phone numbers, free
  text written by or about them).
* ``personal_data_leftovers`` — a scan of every text value of every model in the app registry
  for a person's e-mail address, name or phone number, used after an erasure or anonymisation.

This module is the registry and the machinery; it names no app above it. Each app contributes
its own rules and inventory in ``<app>/retention.py`` and calls ``register`` from its
``AppConfig.ready``. An explicit call rather than a signal (pretix collects its data shredders
through one): the order of the rules is then the order of ``INSTALLED_APPS``, which is the
dependency order, without receivers to sort; a registration is a plain function call a reader
can follow; and ``ready`` is where this project's apps already register their hooks. The core
keeps the rules about its own records (outbox, login records, sessions) and those of the audit
trail and the admin log, which run after every app's rules: the apps' anonymisers rewrite
audit events, which the audit rules then strip or delete.

``RULES`` and ``INVENTORY`` are read from this module as before (module attributes computed
from the registry), so callers need not know who contributed what.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .constants import EmailStatus
from .models import AuditEvent

logger = logging.getLogger(__name__)

DONE_STATUSES = (EmailStatus.SENT, EmailStatus.FAILED)


def anonymised_label() -> str:
    """What a required name or title becomes, in the site's language (it is stored)."""
    with translation.override(settings.LANGUAGE_CODE):
        return _("(anonymised)")


def blank_values(model: type[models.Model], fields: Iterable[str]) -> dict[str, Any]:
    """The anonymous value of each field: empty, or ``anonymised_label()`` for a required
    short text (a subject or a name the pages show), ``{}``/``[]`` for JSON."""
    values: dict[str, Any] = {}
    for name in fields:
        field = model._meta.get_field(name)
        if isinstance(field, models.JSONField):
            values[name] = field.get_default() if field.has_default() else []
        elif isinstance(field, models.EmailField | models.TextField) or field.blank:
            values[name] = ""
        else:
            values[name] = anonymised_label()[: field.max_length]
    return values


def _model(label: str) -> type[models.Model]:
    return apps.get_model(label)


def outbox_key_regex(prefixes: Iterable[str], ids: Iterable[int]) -> str | None:
    """A regex for the outbox keys ``<prefix>:<id>`` and ``<prefix>:<id>:…`` of the given
    rows (``email_queue`` keys name the row an e-mail is about); None without ids."""
    ids = list(ids)
    if not ids:
        return None
    return rf"^({'|'.join(map(re.escape, prefixes))}):({'|'.join(map(str, ids))})(:|$)"


# --- Helpers for the apps' rules and erasures ---------------------------------------------------


def audit_strip_fields(*, model: type[models.Model], ids: list[int], fields: Iterable[str]) -> int:
    """Remove the old/new values of ``fields`` from the audit events of these rows."""
    fields = tuple(fields)
    has_any = Q()
    for name in fields:
        has_any |= Q(changes__has_key=name)
    events = list(
        AuditEvent.objects.filter(
            has_any,
            content_type=ContentType.objects.get_for_model(model),
            object_id__in=[str(pk) for pk in ids],
        ).only("pk", "changes")
    )
    for event in events:
        event.changes = {k: v for k, v in event.changes.items() if k not in fields}
    AuditEvent.objects.bulk_update(events, ["changes"], batch_size=500)
    return len(events)


# --- Rules ---------------------------------------------------------------------------------------


Due = Callable[[QuerySet, dt.datetime], QuerySet]
Apply = Callable[[type[models.Model], list, dt.datetime], int]


@dataclass(frozen=True)
class Rule:
    """``due(queryset, cutoff)``: the rows past their period that still hold data (so a done row
    is never selected again); ``apply(model, ids, now)``: the change, returning the rows done.
    ``period`` names the entry of ``SPORTLOKET_RETENTION_DAYS``; None means "due now"."""

    name: str
    model: str
    period: str | None
    due: Due
    apply: Apply


def delete_rows(model: type[models.Model], ids: list, now: dt.datetime) -> int:
    return model._base_manager.filter(pk__in=ids).delete()[1].get(model._meta.label, 0)


def blank_fields(*fields: str) -> Apply:
    def apply(model: type[models.Model], ids: list, now: dt.datetime) -> int:
        return model._base_manager.filter(pk__in=ids).update(**blank_values(model, fields))

    return apply


def delete_with_files(*file_fields: str) -> Apply:
    """Delete the rows and the files their ``file_fields`` name in the default storage (local
    folder or S3): a file is removed after its row is gone, so a failure leaves an orphaned
    file at worst, never a row pointing at nothing."""

    def apply(model: type[models.Model], ids: list, now: dt.datetime) -> int:
        names = [
            name
            for row in model._base_manager.filter(pk__in=ids).values_list(*file_fields)
            for name in row
            if name
        ]
        done = delete_rows(model, ids, now)
        for name in names:
            try:
                default_storage.delete(name)
            except OSError:
                logger.warning("Retention: could not delete a stored file of %s", model._meta.label)
        return done

    return apply


def holds_data(model_label: str, *fields: str) -> Q:
    """Rows where any of ``fields`` differs from its anonymous value."""
    model = _model(model_label)
    holds = Q()
    for name, value in blank_values(model, fields).items():
        holds |= ~Q(**{name: value})
    return holds


def local_day(cutoff: dt.datetime) -> dt.date:
    return timezone.localtime(cutoff).date()


def _outbox_done_before(cutoff: dt.datetime) -> Q:
    return Q(status__in=DONE_STATUSES) & (
        Q(sent_at__lt=cutoff) | Q(sent_at__isnull=True, created_at__lt=cutoff)
    )


OUTBOX_CONTENT = (
    "to",
    "subject",
    "body",
    "html_body",
    "reply_to",
    "attachments",
    "last_error",
    "context",
)

# The core's own records, swept before the apps' rules.
FIRST_RULES: tuple[Rule, ...] = (
    Rule(
        "outbox_content",
        "sportloket.OutgoingEmail",
        "outbox_content",
        lambda qs, cutoff: qs.filter(_outbox_done_before(cutoff)).filter(
            holds_data("sportloket.OutgoingEmail", "to", "subject", "body")
        ),
        blank_fields(*OUTBOX_CONTENT),
    ),
    Rule(
        "outbox",
        "sportloket.OutgoingEmail",
        "outbox",
        lambda qs, cutoff: qs.filter(status__in=DONE_STATUSES, created_at__lt=cutoff),
        delete_rows,
    ),
    Rule(
        "login_attempts",
        "axes.AccessAttempt",
        "login_records",
        lambda qs, cutoff: qs.filter(attempt_time__lt=cutoff),
        delete_rows,
    ),
    Rule(
        "login_log",
        "axes.AccessLog",
        "login_records",
        lambda qs, cutoff: qs.filter(attempt_time__lt=cutoff),
        delete_rows,
    ),
    Rule(
        "login_failures",
        "axes.AccessFailureLog",
        "login_records",
        lambda qs, cutoff: qs.filter(attempt_time__lt=cutoff),
        delete_rows,
    ),
    Rule(
        "sessions",
        "sessions.Session",
        None,
        lambda qs, now: qs.filter(expire_date__lt=now),
        delete_rows,
    ),
)

# The audit trail and the admin log, swept after every app's rules (see the module docstring).
LAST_RULES: tuple[Rule, ...] = (
    Rule(
        "audit_details",
        "sportloket.AuditEvent",
        "audit_details",
        lambda qs, cutoff: qs.filter(at__lt=cutoff).filter(
            holds_data("sportloket.AuditEvent", "summary", "changes")
        ),
        blank_fields("summary", "changes"),
    ),
    Rule(
        "audit_events",
        "sportloket.AuditEvent",
        "audit_events",
        lambda qs, cutoff: qs.filter(at__lt=cutoff),
        delete_rows,
    ),
    Rule(
        "admin_log",
        "admin.LogEntry",
        "admin_log",
        lambda qs, cutoff: qs.filter(action_time__lt=cutoff),
        delete_rows,
    ),
)


# --- The sweep -----------------------------------------------------------------------------------


def _cutoff(rule: Rule, now: dt.datetime) -> dt.datetime:
    if rule.period is None:
        return now
    return now - dt.timedelta(days=settings.SPORTLOKET_RETENTION_DAYS[rule.period])


def _run(rule: Rule, now: dt.datetime, deadline: float) -> int:
    """Apply one rule batch by batch; each batch is one short transaction that locks only its
    own rows (PostgreSQL: ``FOR UPDATE SKIP LOCKED``, so a concurrent sweep takes other rows)."""
    model = _model(rule.model)
    size = settings.SPORTLOKET_RETENTION_BATCH_SIZE
    cutoff = _cutoff(rule, now)
    done = 0
    for _batch in range(settings.SPORTLOKET_RETENTION_MAX_BATCHES):
        if time.monotonic() >= deadline:
            break
        with transaction.atomic():
            ids = list(
                rule.due(model._base_manager.all(), cutoff)
                .select_for_update(skip_locked=True, of=("self",))
                .order_by()
                .values_list("pk", flat=True)[:size]
            )
            if ids:
                done += rule.apply(model, ids, now)
        if len(ids) < size:
            break
    return done


def retention_sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Delete or anonymise everything past its period; return how many rows per rule.

    Idempotent and safe to run concurrently (see the module docstring). When something was
    done, one audit event records the counts per rule — never which rows or what they held.
    """
    now = now or timezone.now()
    deadline = time.monotonic() + settings.SPORTLOKET_RETENTION_TIME_BUDGET
    done = {rule.name: _run(rule, now, deadline) for rule in rules()}
    if time.monotonic() >= deadline:
        logger.warning("Retention sweep stopped at its time budget; the next run goes on")
    total = sum(done.values())
    logger.info("Retention sweep: %s records deleted or anonymised %s", total, done)
    if total:
        AuditEvent.objects.create(
            content_type=ContentType.objects.get_for_model(AuditEvent),
            object_id="retention",
            action="retention.sweep",
            changes={name: count for name, count in done.items() if count},
            summary=_("Retention: %(count)s records deleted or anonymised.") % {"count": total},
        )
    return done


# --- What holds personal data, and what happens to it -------------------------------------------


@dataclass(frozen=True)
class Holding:
    """A model's personal data: ``fields`` that can hold it, ``rule`` in words (shown on
    docs/privacy/persoonsgegevens.md), ``rules`` the sweep rules that apply (empty: kept, with
    the reason in ``rule``)."""

    fields: tuple[str, ...]
    rule: str
    rules: tuple[str, ...] = ()


NONE = Holding((), "no personal data")

CORE_INVENTORY: dict[str, Holding] = {
    # Reference data and configuration.
    "sportloket.Municipality": NONE,
    "sportloket.TargetGroup": NONE,
    "sportloket.Theme": NONE,
    "sportloket.QuestionCategory": NONE,
    "sportloket.Sport": NONE,
    "sportloket.DeskPartner": NONE,
    # Health status: worker host names, periodic task names and times.
    "sportloket.HealthBeat": NONE,
    "sportloket.PrivacyController": Holding(
        ("email", "phone", "dpo_email"),
        "keep: the controller's general addresses, published on the privacy statement",
    ),
    "sportloket.RecoveryCodeDevice": Holding(
        (), "keep while the account exists; an administrator's reset removes it"
    ),
    "sportloket.IdentityProviderMfaDevice": Holding(
        (), "keep while the account exists: stands for the identity provider's second factor"
    ),
    "sportloket.IdentityProviderLink": Holding(
        (), "keep while the account exists: the provider's opaque subject, no name or address"
    ),
    "sportloket.ClaimRoleMapping": NONE,
    "sportloket.RecoveryCode": Holding(
        (), "keyed hashes only; deleted when used, replaced or reset"
    ),
    "sportloket.Organisation": Holding(
        ("email", "phone"), "keep: the organisation's general address and number"
    ),
    "sportloket.Desk": Holding(("email",), "keep: the desk's general address"),
    "sportloket.OrganisationContact": Holding(
        ("name", "email", "phone"),
        "keep while listed: business contact of a partner; administrators remove leavers",
    ),
    "sportloket.StaffProfile": Holding(
        ("phone",), "keep while the account exists (administrators manage accounts)"
    ),
    "sportloket.AuditEvent": Holding(
        ("summary", "changes"),
        "summary and old/new values stripped after `audit_details`, deleted after "
        "`audit_events`; contact-moment copies with the contact moment",
        ("audit_details", "audit_events", "contact_moment_audit"),
    ),
    "sportloket.OutgoingEmail": Holding(
        OUTBOX_CONTENT,
        "sent/failed: recipients, subject, body and attachments stripped `outbox_content` "
        "days after sending, the row (key, status, dates) deleted after `outbox`",
        ("outbox_content", "outbox"),
    ),
    # Third-party models that hold personal data.
    "auth.User": Holding(
        ("username", "first_name", "last_name", "email"), "keep while the staff account exists"
    ),
    "admin.LogEntry": Holding(
        ("object_repr", "change_message"),
        "deleted after `admin_log`; a requester's erasure replaces mentions of them",
        ("admin_log",),
    ),
    "sessions.Session": Holding(("session_data",), "deleted when expired", ("sessions",)),
    "axes.AccessAttempt": Holding(
        ("username", "ip_address", "user_agent"),
        "deleted after `login_records`",
        ("login_attempts",),
    ),
    "axes.AccessLog": Holding(
        ("username", "ip_address", "user_agent"),
        "deleted after `login_records`",
        ("login_log",),
    ),
    "axes.AccessFailureLog": Holding(
        ("username", "ip_address", "user_agent"),
        "deleted after `login_records`",
        ("login_failures",),
    ),
}


# --- The registry --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Contribution:
    rules: tuple[Rule, ...]
    inventory: dict[str, Holding]


_contributions: dict[str, Contribution] = {}


def register(app_label: str, *, rules: Iterable[Rule] = (), inventory: dict[str, Holding]) -> None:
    """Add an app's rules and inventory; call from its ``AppConfig.ready``. Registering the same
    app again replaces its contribution (``ready`` may run more than once in tests)."""
    _contributions[app_label] = Contribution(tuple(rules), dict(inventory))


def _registered() -> list[Contribution]:
    """The contributions in ``INSTALLED_APPS`` order (the dependency order)."""
    return [
        _contributions[config.label]
        for config in apps.get_app_configs()
        if config.label in _contributions
    ]


def rules() -> tuple[Rule, ...]:
    """Every rule in the order the sweep runs them: the core's own records, each app's rules
    in ``INSTALLED_APPS`` order, then the audit trail and the admin log."""
    app_rules = tuple(rule for part in _registered() for rule in part.rules)
    return FIRST_RULES + app_rules + LAST_RULES


def inventory() -> dict[str, Holding]:
    """The core's inventory with every app's; a model declared twice is a configuration error."""
    merged = dict(CORE_INVENTORY)
    for part in _registered():
        twice = sorted(set(merged) & set(part.inventory))
        if twice:
            raise ImproperlyConfigured(f"Retention inventory declares {twice} twice")
        merged.update(part.inventory)
    return merged


def __getattr__(name: str) -> Any:
    # ``RULES`` and ``INVENTORY`` as module attributes, computed once the apps are ready.
    if name == "RULES":
        return rules()
    if name == "INVENTORY":
        return inventory()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# --- The leftover scan ---------------------------------------------------------------------------

TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField, models.FileField)
PHONE_LIKE = re.compile(r"\+?[\d\s().-]{8,}")


def text_fields(model: type[models.Model]) -> list[str]:
    """Every stored text of a model: char, text, e-mail, URL, phone, JSON and file fields, and
    the texts the database derives from them (stored generated columns)."""
    return [
        field.attname
        for field in model._meta.concrete_fields
        if not field.is_relation
        and isinstance(
            field.output_field if isinstance(field, models.GeneratedField) else field,
            TEXT_FIELDS,
        )
    ]


def _needle_pattern(needle: str) -> re.Pattern:
    """A phone number is matched by its digits whatever the notation (+31 6 12…, 06-12…);
    anything else as text, ignoring case."""
    if PHONE_LIKE.fullmatch(needle):
        digits = re.sub(r"\D", "", needle)
        digits = re.sub(r"^(0031|31|0)", "", digits) if len(digits) > 8 else digits
        return re.compile(r"[\s().-]*".join(digits))
    return re.compile(re.escape(needle.strip()), re.IGNORECASE)


def _as_text(value: Any) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else str(value)


def personal_data_leftovers(
    needles: Iterable[str], *, model_list: Iterable[type[models.Model]] | None = None
) -> list[str]:
    """Where any of ``needles`` (an e-mail address, a name, a phone number) still occurs:
    ``app.Model#pk.field`` for every hit, over every text field of every model in the app
    registry — a model added later is searched without changing this function. Reads every
    row: meant for tests and for an administrator's check, not for a page."""
    patterns = [(needle, _needle_pattern(needle)) for needle in needles if needle.strip()]
    found: list[str] = []
    for model in model_list if model_list is not None else apps.get_models():
        fields = text_fields(model)
        if not fields or not patterns:
            continue
        for row in model._base_manager.values_list("pk", *fields).iterator():
            for name, value in zip(fields, row[1:], strict=True):
                text = _as_text(value)
                found.extend(
                    f"{model._meta.label}#{row[0]}.{name}: {needle}"
                    for needle, pattern in patterns
                    if pattern.search(text)
                )
    return found
