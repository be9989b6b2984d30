"""Retention: what has passed its retention period is deleted or anonymised, nightly.

Three parts:

* ``INVENTORY`` — every model that can hold personal data, which fields, and what happens to
  them (keep / anonymise / delete, and when). ``tests/hardening/test_retention.py`` fails for a
  model of our apps that is not in it, and for an e-mail or phone field it does not name.
* ``RULES`` and ``retention_sweep`` — the nightly sweep (beat ``sportloket-retention-sweep``).
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

The record types of other apps are reached through the app registry: this module sits in the
project package and must not import the apps above it. The apps may import it: the requester
erasure in ``meetings`` anonymises questions with ``support_requests_anonymise``, the same code
the sweep uses, so an erased and an expired question look the same.
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
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.db.models import F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Coalesce, Concat
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .constants import EmailStatus
from .models import AuditEvent, OutgoingEmail

logger = logging.getLogger(__name__)

# Replaces the private follow-up link code of an anonymised question: unique (it carries the
# primary key) and never a valid code (too short for meetings.selectors.TOKEN_RE), so the link
# that was e-mailed answers 404.
ERASED_TOKEN_PREFIX = "erased-"  # noqa: S105 - not a secret, the opposite
# providers.constants.PERSONAL_FIELDS (a test keeps the two equal; the core cannot import it).
PROVIDER_PERSONAL_FIELDS = ("contact_name", "email", "phone", "street")
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


# --- Anonymisers shared by the sweep and the erasures --------------------------------------------


def support_requests_anonymise(*, ids: list[int]) -> dict[str, int]:
    """Anonymise support questions: subject, question and requester, the text of every
    timeline event, the handover notes and the audit summaries; the private link stops working.

    Status, category, channel, priority, dates, desk, provider, assignee, organisation and the
    handovers' status stay, so the desk dashboard, its rollup and the monitoring export count
    exactly as before. Timeline events are append-only for the application; this is the one
    sanctioned rewrite (AVG art. 17 and the retention period outrank the history of a text).
    A fixed number of queries; idempotent. Call inside a transaction.
    """
    request_model = _model("meetings.SupportRequest")
    requests = request_model.objects.filter(pk__in=ids)
    done = requests.update(
        **blank_values(request_model, ("subject", "question", "requester_name", "requester_email")),
        public_token=Concat(Value(ERASED_TOKEN_PREFIX), Cast("pk", models.CharField())),
    )
    events = (
        _model("meetings.SupportRequestEvent")
        .objects.filter(support_request_id__in=ids)
        .exclude(text="")
        .update(text="")
    )
    handover_model = _model("meetings.Handover")
    handovers = handover_model.objects.filter(support_request_id__in=ids).update(
        **blank_values(handover_model, ("note", "decline_reason", "helper_name"))
    )
    audit = (
        AuditEvent.objects.filter(
            content_type=ContentType.objects.get_for_model(request_model),
            object_id__in=[str(pk) for pk in ids],
        )
        .exclude(summary="")
        .update(summary="")
    )
    return {"support_requests": done, "events": events, "handovers": handovers, "audit": audit}


def providers_anonymise(*, ids: list[int], now: dt.datetime) -> int:
    """The contact of providers that expired (never confirmed, long inactive): the same fields
    as ``providers.services.provider_erase_personal_data``, set-based, with their
    confirmation e-mails and the personal old/new values in their audit trail."""
    provider_model = _model("providers.Provider")
    done = provider_model.objects.filter(pk__in=ids).update(
        **blank_values(provider_model, PROVIDER_PERSONAL_FIELDS), erased_at=now, updated_at=now
    )
    OutgoingEmail.objects.filter(key__regex=outbox_key_regex(["provider"], ids)).delete()
    audit_strip_fields(model=provider_model, ids=ids, fields=PROVIDER_PERSONAL_FIELDS)
    return done


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


def _delete(model: type[models.Model], ids: list, now: dt.datetime) -> int:
    return model._base_manager.filter(pk__in=ids).delete()[1].get(model._meta.label, 0)


def _blank(*fields: str) -> Apply:
    def apply(model: type[models.Model], ids: list, now: dt.datetime) -> int:
        return model._base_manager.filter(pk__in=ids).update(**blank_values(model, fields))

    return apply


def _delete_with_files(*file_fields: str) -> Apply:
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
        done = _delete(model, ids, now)
        for name in names:
            try:
                default_storage.delete(name)
            except OSError:
                logger.warning("Retention: could not delete a stored file of %s", model._meta.label)
        return done

    return apply


def _holds(model_label: str, *fields: str) -> Q:
    """Rows where any of ``fields`` differs from its anonymous value."""
    model = _model(model_label)
    holds = Q()
    for name, value in blank_values(model, fields).items():
        holds |= ~Q(**{name: value})
    return holds


def _day(cutoff: dt.datetime) -> dt.date:
    return timezone.localtime(cutoff).date()


def _closed_questions(qs: QuerySet, cutoff: dt.datetime) -> QuerySet:
    # Closed = no longer open (resolved, closed, rejected); the moment of closing is the last
    # status change (a reopened question is open again and not due).
    last_change = (
        _model("meetings.SupportRequestEvent")
        .objects.filter(support_request=OuterRef("pk"), kind="status")
        .order_by("-at")
        .values("at")[:1]
    )
    return (
        # A question closed before the cutoff was received before it: the cheap test first.
        qs.filter(is_open=False, created_at__lt=cutoff)
        .exclude(question="")
        .annotate(closed_at=Coalesce(Subquery(last_change), F("created_at")))
        .filter(closed_at__lt=cutoff)
    )


def _outbox_done_before(cutoff: dt.datetime) -> Q:
    return Q(status__in=DONE_STATUSES) & (
        Q(sent_at__lt=cutoff) | Q(sent_at__isnull=True, created_at__lt=cutoff)
    )


OUTBOX_CONTENT = ("to", "subject", "body", "html_body", "reply_to", "attachments", "last_error")

RULES: tuple[Rule, ...] = (
    Rule(
        "outbox_content",
        "sportloket.OutgoingEmail",
        "outbox_content",
        lambda qs, cutoff: qs.filter(_outbox_done_before(cutoff)).filter(
            _holds("sportloket.OutgoingEmail", "to", "subject", "body")
        ),
        _blank(*OUTBOX_CONTENT),
    ),
    Rule(
        "outbox",
        "sportloket.OutgoingEmail",
        "outbox",
        lambda qs, cutoff: qs.filter(status__in=DONE_STATUSES, created_at__lt=cutoff),
        _delete,
    ),
    Rule(
        "login_attempts",
        "axes.AccessAttempt",
        "login_records",
        lambda qs, cutoff: qs.filter(attempt_time__lt=cutoff),
        _delete,
    ),
    Rule(
        "login_log",
        "axes.AccessLog",
        "login_records",
        lambda qs, cutoff: qs.filter(attempt_time__lt=cutoff),
        _delete,
    ),
    Rule(
        "login_failures",
        "axes.AccessFailureLog",
        "login_records",
        lambda qs, cutoff: qs.filter(attempt_time__lt=cutoff),
        _delete,
    ),
    Rule(
        "sessions",
        "sessions.Session",
        None,
        lambda qs, now: qs.filter(expire_date__lt=now),
        _delete,
    ),
    Rule(
        "unconfirmed_providers",
        "providers.Provider",
        "unconfirmed_registrations",
        lambda qs, cutoff: qs.filter(
            status="pending",
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
            status="inactive", erased_at__isnull=True, updated_at__lt=cutoff
        ),
        lambda model, ids, now: providers_anonymise(ids=ids, now=now),
    ),
    Rule(
        "unconfirmed_pos_interest",
        "poskantoor.InterestRegistration",
        "unconfirmed_registrations",
        lambda qs, cutoff: qs.filter(confirmed_at__isnull=True, created_at__lt=cutoff),
        _delete,
    ),
    Rule(
        "pos_interest",
        "poskantoor.InterestRegistration",
        "pos_interest",
        lambda qs, cutoff: qs.filter(confirmed_at__lt=cutoff).filter(
            _holds("poskantoor.InterestRegistration", "contact_name", "email", "phone", "message")
        ),
        _blank("contact_name", "email", "phone", "message"),
    ),
    Rule(
        "stopped_pos_offices",
        "poskantoor.PosOffice",
        "stopped_pos_offices",
        lambda qs, cutoff: qs.filter(status="stopped", stopped_on__lt=_day(cutoff)).filter(
            _holds("poskantoor.PosOffice", "contact_name", "contact_email")
        ),
        _blank("contact_name", "contact_email"),
    ),
    Rule(
        "deadline_notice_recipients",
        "poskantoor.DeadlineNotice",
        "outbox_content",
        lambda qs, cutoff: qs.filter(emailed_at__lt=cutoff).exclude(recipients=""),
        _blank("recipients"),
    ),
    Rule(
        "core_group_members",
        "poskantoor.CoreGroupMember",
        "core_group_members",
        lambda qs, cutoff: qs.filter(committed_until__lt=_day(cutoff)).filter(
            _holds("poskantoor.CoreGroupMember", "name", "email")
        ),
        _blank("name", "email"),
    ),
    Rule(
        "closed_support_requests",
        "meetings.SupportRequest",
        "closed_support_requests",
        _closed_questions,
        lambda model, ids, now: support_requests_anonymise(ids=ids)["support_requests"],
    ),
    Rule(
        "contact_moments",
        "meetings.ContactMoment",
        "contact_moments",
        lambda qs, cutoff: qs.filter(date__lt=_day(cutoff)).exclude(summary=""),
        _blank("summary"),
    ),
    Rule(
        # meetings.services.contact_moment_record copies the summary into the provider's trail.
        "contact_moment_audit",
        "sportloket.AuditEvent",
        "contact_moments",
        lambda qs, cutoff: qs.filter(action="contact_moment.create", at__lt=cutoff).exclude(
            summary=""
        ),
        _blank("summary"),
    ),
    Rule(
        # External people only: a staff member's attendance is part of their work record.
        "meeting_attendees",
        "meetings.Attendee",
        "meeting_attendees",
        lambda qs, cutoff: qs.filter(user__isnull=True, meeting__ends_at__lt=cutoff).filter(
            _holds("meetings.Attendee", "name", "email")
        ),
        _blank("name", "email"),
    ),
    Rule(
        "agreements",
        "meetings.Agreement",
        "agreements",
        lambda qs, cutoff: qs.filter(
            Q(done_on__lt=_day(cutoff)) | Q(done_on__isnull=True, due_on__lt=_day(cutoff))
        ).filter(_holds("meetings.Agreement", "owner_name", "owner_email")),
        _blank("owner_name", "owner_email"),
    ),
    Rule(
        "audit_details",
        "sportloket.AuditEvent",
        "audit_details",
        lambda qs, cutoff: qs.filter(at__lt=cutoff).filter(
            _holds("sportloket.AuditEvent", "summary", "changes")
        ),
        _blank("summary", "changes"),
    ),
    Rule(
        "audit_events",
        "sportloket.AuditEvent",
        "audit_events",
        lambda qs, cutoff: qs.filter(at__lt=cutoff),
        _delete,
    ),
    Rule(
        "import_jobs",
        "providers.ProviderImport",
        "import_jobs",
        lambda qs, cutoff: qs.filter(status__in=("done", "failed"), finished_at__lt=cutoff),
        _delete_with_files("file", "report"),
    ),
    Rule(
        "admin_log",
        "admin.LogEntry",
        "admin_log",
        lambda qs, cutoff: qs.filter(action_time__lt=cutoff),
        _delete,
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
    done = {rule.name: _run(rule, now, deadline) for rule in RULES}
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
    """A model's personal data: ``fields`` that can hold it, ``rule`` in words (README),
    ``rules`` the sweep rules that apply (empty: kept, with the reason in ``rule``)."""

    fields: tuple[str, ...]
    rule: str
    rules: tuple[str, ...] = ()


NONE = Holding((), "no personal data")

INVENTORY: dict[str, Holding] = {
    # Reference data and configuration.
    "sportloket.Municipality": NONE,
    "sportloket.TargetGroup": NONE,
    "sportloket.Theme": NONE,
    "sportloket.QuestionCategory": NONE,
    "sportloket.Sport": NONE,
    "sportloket.DeskPartner": NONE,
    "network.GoalNotice": NONE,
    # Health status: worker host names, periodic task names and times.
    "sportloket.HealthBeat": NONE,
    "sportloket.RecoveryCodeDevice": Holding(
        (), "keep while the account exists; an administrator's reset removes it"
    ),
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
    "network.NeighbourhoodSportCoach": Holding(
        ("name", "email"), "keep while registered: an employee in a professional role"
    ),
    "network.SmartGoal": Holding(("measured_by",), "keep: agreement with the municipality"),
    "network.GoalProgress": Holding(("note",), "keep: staff note on a measurement"),
    "network.DeskCriterionTick": Holding(("evidence",), "keep: staff evidence of a criterion"),
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
    "poskantoor.InterestRegistration": Holding(
        ("contact_name", "email", "phone", "message"),
        "never confirmed: deleted after `unconfirmed_registrations`; confirmed: contact "
        "anonymised after `pos_interest` (the office keeps its own contact)",
        ("unconfirmed_pos_interest", "pos_interest"),
    ),
    "poskantoor.PosOffice": Holding(
        ("contact_name", "contact_email"),
        "contact anonymised `stopped_pos_offices` days after the office stopped",
        ("stopped_pos_offices",),
    ),
    "poskantoor.FoundingStep": Holding(
        ("evidence_note",), "keep: evidence of a founding step (written by staff)"
    ),
    "poskantoor.StartSession": Holding(("evidence_note",), "keep: notes of a start session"),
    "poskantoor.CoreGroupMember": Holding(
        ("name", "email"),
        "name and e-mail anonymised `core_group_members` days after the commitment ended "
        "(kind, hours and dates stay for the guideline)",
        ("core_group_members",),
    ),
    "poskantoor.DeadlineNotice": Holding(
        ("recipients",),
        "recipients emptied with the e-mail's content (`outbox_content`)",
        ("deadline_notice_recipients",),
    ),
    "poskantoor.YearPlan": Holding(
        ("stakeholder_analysis", "cooperation_agreements"), "keep: the office's plan"
    ),
    "meetings.SupportRequest": Holding(
        ("subject", "question", "requester_name", "requester_email"),
        "anonymised `closed_support_requests` days after closing (status, category, dates, "
        "desk, provider stay); erasure of a requester on request",
        ("closed_support_requests",),
    ),
    "meetings.SupportRequestEvent": Holding(
        ("text",), "text emptied with its question", ("closed_support_requests",)
    ),
    "meetings.Handover": Holding(
        ("note", "decline_reason", "helper_name"),
        "texts emptied with its question (organisation and status stay)",
        ("closed_support_requests",),
    ),
    "meetings.ContactMoment": Holding(
        ("summary",),
        "summary emptied `contact_moments` days after the contact (date, channel, provider "
        "and desk stay for the 12-month contact share)",
        ("contact_moments",),
    ),
    "meetings.Meeting": Holding(
        ("agenda", "goals", "minutes"),
        "keep: the network's record of its meetings; a requester's erasure replaces mentions "
        "of them in the desk's meetings",
    ),
    "meetings.Attendee": Holding(
        ("name", "email"),
        "external people: name and e-mail anonymised `meeting_attendees` days after the "
        "meeting (role, provider, presence stay for the guideline)",
        ("meeting_attendees",),
    ),
    "meetings.Agreement": Holding(
        ("owner_name", "owner_email"),
        "owner anonymised `agreements` days after it was done (or due)",
        ("agreements",),
    ),
    "meetings.AgreementNotice": NONE,
    "network.Signal": Holding(
        ("description",),
        "keep: a theme among providers; a requester's erasure replaces mentions of them "
        "(and in the audit copy)",
    ),
    "meetings.QuestionWeekStat": NONE,
    "meetings.EntrepreneursReachedStat": NONE,
    "meetings.SupportRequestAllocation": NONE,
    "subsidies.Scheme": NONE,
    "subsidies.SchemeShare": Holding(
        (),
        "keep: who received which scheme (provider, staff member, the provider's kind and "
        "municipality) — no contact data; the e-mails follow the outbox rules",
    ),
    "subsidies.DigestOptOut": Holding((), "keep: needed to honour the opt-out"),
    "subsidies.Budget": NONE,
    "subsidies.Allocation": Holding(
        ("rationale", "withdrawal_reason", "reference"),
        "keep: decision on public money (transparency); archived by the municipality; a "
        "requester's erasure replaces mentions of them (also in the audit copy and the CSV)",
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


# --- The leftover scan ---------------------------------------------------------------------------

TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField, models.FileField)
PHONE_LIKE = re.compile(r"\+?[\d\s().-]{8,}")


def text_fields(model: type[models.Model]) -> list[str]:
    """Every stored text of a model: char, text, e-mail, URL, phone, JSON and file fields."""
    return [
        field.attname
        for field in model._meta.concrete_fields
        if not field.is_relation and isinstance(field, TEXT_FIELDS)
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
