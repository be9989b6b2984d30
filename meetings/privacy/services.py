"""A requester's data-subject rights on support questions: erasure (AVG art. 17) and access
(art. 15). The provider side has its own (``providers.services.provider_erase_personal_data``
and ``provider_personal_data``); both are reused here for the requester's own providers, never
copied.

Erasure anonymises exactly as the retention sweep does when a question expires
(``meetings.retention.support_requests_anonymise``), so the two cannot drift apart; it adds
what only a request of the person justifies: their open questions too, the desk's e-mails
about them, the follow-up links, mentions in the desk's contact moments, signals (through
``meetings.hooks``), meeting minutes, decisions on money and the admin's log, their attendance
and agreements at the desk's meetings, and (when chosen) the contact data of their providers.
"""

from __future__ import annotations

import re
from typing import Any

from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from meetings.retention import support_requests_anonymise
from providers.models import Provider
from providers.services import provider_erase_personal_data, provider_personal_data
from sportloket.models import AuditEvent, OutgoingEmail
from sportloket.retention import anonymised_label, blank_values
from sportloket.selectors import user_scope
from sportloket.services import DomainError, audit_record
from subsidies.models import Allocation

from .. import hooks
from ..models import (
    Agreement,
    Attendee,
    ContactMoment,
    Handover,
    Meeting,
    SupportRequest,
    SupportRequestEvent,
)
from ..support.selectors import can_triage
from .selectors import Requester, contact_moments_of, requester_get


def _mentions(requester: Requester, providers: list) -> re.Pattern | None:
    """The person's address, names and phone numbers as they may appear in staff's text."""
    needles = {requester.email, *requester.names}
    needles.update(p.contact_name for p in providers)
    alternatives = [rf"(?<!\w){re.escape(n.strip())}(?!\w)" for n in needles if n and n.strip()]
    for provider in providers:
        digits = re.sub(r"\D", "", str(provider.phone or ""))
        digits = re.sub(r"^31", "", digits)
        if len(digits) >= 8:
            alternatives.append(r"(?:\+31|0031|0)?[\s().-]*" + r"[\s().-]*".join(digits))
    if not alternatives:
        return None
    return re.compile("|".join(alternatives), re.IGNORECASE)


def _scrub_contact_moments(
    *, desk_id: int, provider_ids: list[int], pattern: re.Pattern | None, label: str
) -> int:
    """Replace mentions of the person in the desk's contact moments with their providers, and
    in the audit copies of those summaries."""
    if pattern is None or not provider_ids:
        return 0
    moments = [
        m
        for m in contact_moments_of(desk_id=desk_id, provider_ids=provider_ids).only(
            "pk", "summary"
        )
        if pattern.search(m.summary)
    ]
    for moment in moments:
        moment.summary = pattern.sub(label, moment.summary)
    ContactMoment.objects.bulk_update(moments, ["summary"], batch_size=500)
    copies = [
        e
        for e in AuditEvent.objects.filter(
            content_type=ContentType.objects.get_for_model(Provider),
            object_id__in=[str(pk) for pk in provider_ids],
            action="contact_moment.create",
        ).only("pk", "summary")
        if pattern.search(e.summary)
    ]
    for event in copies:
        event.summary = pattern.sub(label, event.summary)
    AuditEvent.objects.bulk_update(copies, ["summary"], batch_size=500)
    return len(moments)


def _redact(value: Any, pattern: re.Pattern, label: str) -> Any:
    """``value`` with every mention replaced; JSON (audit changes) string by string."""
    if isinstance(value, str):
        return pattern.sub(label, value)
    if isinstance(value, list):
        return [_redact(item, pattern, label) for item in value]
    if isinstance(value, dict):
        return {key: _redact(item, pattern, label) for key, item in value.items()}
    return value


def _redact_rows(rows, fields: tuple[str, ...], pattern: re.Pattern, label: str) -> list:
    """Replace mentions in ``fields`` of these rows (saved in one bulk update); returns the
    rows that changed."""
    changed = []
    for row in rows:
        new = {name: _redact(getattr(row, name), pattern, label) for name in fields}
        if any(new[name] != getattr(row, name) for name in fields):
            for name, value in new.items():
                setattr(row, name, value)
            changed.append(row)
    if changed:
        type(changed[0])._base_manager.bulk_update(changed, list(fields), batch_size=500)
    return changed


def _desk_records(desk_id: int) -> dict[type, Any]:
    """The desk's records whose texts staff write freely (and the audit trail copies)."""
    records: dict[type, Any] = {
        texts.rows.model: texts.rows for texts in hooks.desk_texts(desk_id=desk_id)
    }
    records[Meeting] = Meeting.objects.filter(desk_id=desk_id)
    records[Allocation] = Allocation.objects.filter(budget__desk_id=desk_id)
    return records


def _audit_of(model, ids) -> Any:
    return AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(model),
        object_id__in=[str(pk) for pk in ids],
    )


def _redact_desk_records(
    *, desk_id: int, requester: Requester, pattern: re.Pattern | None, label: str
) -> int:
    """Mentions of the person in what the desk wrote elsewhere: its signals, the minutes (and
    agenda, goals) of its meetings, the rationale of its budgets' decisions on money (the
    transparency overview and its CSV show it), the audit copies of those texts, and the admin's
    log entries about those records and the person's questions. Only the desk's own records:
    another desk's texts are that desk's to erase. Returns how many records changed."""
    if pattern is None:
        return 0
    elsewhere = 0
    for texts in hooks.desk_texts(desk_id=desk_id):
        changed = _redact_rows(texts.rows, texts.fields, pattern, label)
        # Such an audit summary is str(row): a cut-off copy the pattern may not match.
        for row in changed if texts.summary_action else ():
            _audit_of(type(row), [row.pk]).filter(action=texts.summary_action).update(
                summary=str(row)
            )
        elsewhere += len(changed)
    meetings = _redact_rows(
        Meeting.objects.filter(desk_id=desk_id).only("pk", "title", "agenda", "goals", "minutes"),
        ("title", "agenda", "goals", "minutes"),
        pattern,
        label,
    )
    allocations = _redact_rows(
        Allocation.objects.filter(budget__desk_id=desk_id).only(
            "pk", "rationale", "withdrawal_reason", "reference"
        ),
        ("rationale", "withdrawal_reason", "reference"),
        pattern,
        label,
    )
    copies = Q()
    for model, rows in _desk_records(desk_id).items():
        copies |= Q(
            content_type=ContentType.objects.get_for_model(model),
            object_id__in=[str(pk) for pk in rows.values_list("pk", flat=True)],
        )
    _redact_rows(
        AuditEvent.objects.filter(copies).only("pk", "summary", "changes"),
        ("summary", "changes"),
        pattern,
        label,
    )
    _redact_admin_log(desk_id=desk_id, requester=requester, pattern=pattern, label=label)
    return elsewhere + len(meetings) + len(allocations)


def _redact_admin_log(
    *, desk_id: int, requester: Requester, pattern: re.Pattern, label: str
) -> None:
    """The admin's log names each record it changed (``object_repr``: a question's subject, an
    attendee's name): the person's questions get the anonymised name, and mentions in the log of
    the desk's other records are replaced."""
    questions = ContentType.objects.get_for_model(SupportRequest)
    LogEntry.objects.filter(
        content_type=questions, object_id__in=[str(pk) for pk in requester.request_ids]
    ).update(object_repr=label)
    records = {
        **_desk_records(desk_id),
        Attendee: Attendee.objects.filter(pk__in=requester.attendee_ids),
        Agreement: Agreement.objects.filter(pk__in=requester.agreement_ids),
        ContactMoment: ContactMoment.objects.filter(desk_id=desk_id),
        Handover: Handover.objects.filter(support_request_id__in=requester.request_ids),
        SupportRequest: SupportRequest.objects.filter(pk__in=requester.request_ids),
    }
    for model, rows in records.items():
        entries = LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(model),
            object_id__in=[str(pk) for pk in rows.values_list("pk", flat=True)],
        ).only("pk", "object_repr", "change_message")
        _redact_rows(entries, ("object_repr", "change_message"), pattern, label)


def _check_desk_staff(*, support_request: SupportRequest, by: AbstractBaseUser) -> None:
    if not can_triage(user_scope(by), support_request):
        raise DomainError(_("Only club supporters of the question's desk can do this."))


@transaction.atomic
def requester_erase(
    *, support_request: SupportRequest, by: AbstractBaseUser, include_providers: bool
) -> dict[str, int]:
    """Erase the requester of ``support_request`` at its desk, all in one transaction: either
    everything below happens or nothing does.

    Their questions are anonymised (also open ones: the desk can still close them), timeline
    texts and handover notes emptied, follow-up links stop working; the desk's e-mails about
    those questions, that attendance and those agreements are deleted from the outbox (an unsent
    one is never sent; another desk's e-mail to the same address is not this desk's to erase);
    mentions of the person in the desk's contact moments with their providers are
    replaced, and so are mentions in the desk's signals, meeting minutes, decisions on money
    (the transparency overview), their audit copies and the admin's log; their attendance and
    agreements at the desk's meetings are anonymised; with
    ``include_providers`` the contact data of providers in the user's scope that have the same
    address is erased by the providers app. Audited with counts and question numbers only.
    Returns the counts. Refuses (DomainError) when nothing is left to erase.
    """
    _check_desk_staff(support_request=support_request, by=by)
    requester = requester_get(user=by, support_request=support_request)
    providers = requester.providers if include_providers else []
    if not requester.holds_data(include_providers=include_providers):
        raise DomainError(_("No personal data of this requester is left to erase."))
    ids = list(
        SupportRequest.objects.select_for_update()
        .filter(pk__in=requester.request_ids)
        .values_list("pk", flat=True)
    )
    label = anonymised_label()
    pattern = _mentions(requester, providers)
    provider_ids = sorted({r.provider_id for r in requester.requests} | {p.pk for p in providers})
    email_ids = requester.desk_email_ids
    done = support_requests_anonymise(ids=ids)
    done["emails"] = OutgoingEmail.objects.filter(pk__in=email_ids).delete()[0]
    done["contact_moments"] = _scrub_contact_moments(
        desk_id=support_request.desk_id, provider_ids=provider_ids, pattern=pattern, label=label
    )
    done["mentions"] = _redact_desk_records(
        desk_id=support_request.desk_id, requester=requester, pattern=pattern, label=label
    )
    done["attendees"] = Attendee.objects.filter(pk__in=requester.attendee_ids).update(
        **blank_values(Attendee, ["name", "email"])
    )
    done["agreements"] = Agreement.objects.filter(pk__in=requester.agreement_ids).update(
        **blank_values(Agreement, ["owner_name", "owner_email"])
    )
    for provider in providers:
        provider_erase_personal_data(provider=provider, actor=by)
    done["providers"] = len(providers)
    _audit_erasure(support_request=support_request, ids=ids, by=by, done=done)
    return done


def _audit_erasure(
    *, support_request: SupportRequest, ids: list[int], by: AbstractBaseUser, done: dict
) -> None:
    summary = _("Personal data of a requester erased on request (GDPR art. 17).")
    content_type = ContentType.objects.get_for_model(SupportRequest)
    actor = by if by.is_authenticated else None
    AuditEvent.objects.bulk_create(
        AuditEvent(
            content_type=content_type,
            object_id=str(pk),
            actor=actor,
            action="support_request.erase_requester",
            summary=summary,
        )
        for pk in ids
    )
    audit_record(
        subject=support_request.desk,
        actor=by,
        action="requester.erase",
        changes={**done, "support_request_ids": ids},
        summary=summary,
    )


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def requester_personal_data(
    *, support_request: SupportRequest, by: AbstractBaseUser
) -> dict[str, Any]:
    """Everything held on the requester at the desk (AVG art. 15), as a JSON-ready dict: their
    questions with the public timeline and the handovers, the desk's e-mails to them, their
    attendance and agreements at the desk's meetings, and the providers' own export for
    providers with their address; a note says what others may hold. Internal notes are the
    desk's deliberation and are left out (as on the requester's own follow-up page). Audited
    without the data."""
    _check_desk_staff(support_request=support_request, by=by)
    requester = requester_get(user=by, support_request=support_request)
    ids = requester.request_ids
    events: dict[int, list[dict]] = {pk: [] for pk in ids}
    for event in SupportRequestEvent.objects.filter(
        support_request_id__in=ids, public=True
    ).order_by("at", "pk"):
        events[event.support_request_id].append(
            {"at": _iso(event.at), "kind": str(event.get_kind_display()), "text": event.text}
        )
    handovers: dict[int, list[dict]] = {pk: [] for pk in ids}
    for handover in Handover.objects.filter(support_request_id__in=ids).select_related(
        "organisation"
    ):
        handovers[handover.support_request_id].append(
            {
                "organisation": handover.organisation.name,
                "status": str(handover.get_status_display()),
                "helper": handover.helper_name,
                "help_by": _iso(handover.help_by),
            }
        )
    data = {
        "exported_at": _iso(timezone.now()),
        "desk": support_request.desk.name,
        "scope": _(
            "This export holds what %(desk)s holds on you. Other sport desks, POS offices and "
            "municipalities decide on their own records: they may hold your questions, e-mails "
            "or registration too. Ask them directly for their copy."
        )
        % {"desk": support_request.desk.name},
        "requester": {"names": requester.names, "email": requester.email},
        "support_questions": [
            {
                "number": r.pk,
                "received_at": _iso(r.created_at),
                "subject": r.subject,
                "question": r.question,
                "channel": str(r.get_channel_display()),
                "status": str(r.get_status_display()),
                "category": str(r.category or ""),
                "provider": r.provider.name,
                "requester_name": r.requester_name,
                "requester_email": r.requester_email,
                "timeline": events[r.pk],
                "handovers": handovers[r.pk],
            }
            for r in requester.requests
        ],
        "emails_sent": [
            {
                "subject": e.subject,
                "to": e.to,
                "created_at": _iso(e.created_at),
                "sent_at": _iso(e.sent_at),
                "status": str(e.get_status_display()),
            }
            for e in OutgoingEmail.objects.filter(pk__in=requester.email_ids).order_by(
                "created_at", "pk"
            )
        ],
        "meetings": [
            {
                "meeting": a.meeting.title,
                "starts_at": _iso(a.meeting.starts_at),
                "name": a.name,
                "email": a.email,
                "present": a.present,
            }
            for a in Attendee.objects.filter(pk__in=requester.attendee_ids).select_related(
                "meeting"
            )
        ],
        "agreements": [
            {"description": a.description, "owner": a.owner_name, "due_on": _iso(a.due_on)}
            for a in Agreement.objects.filter(pk__in=requester.agreement_ids)
        ],
        "providers": [provider_personal_data(provider=p) for p in requester.providers],
    }
    audit_record(
        subject=support_request.desk,
        actor=by,
        action="requester.export",
        changes={"support_request_ids": ids},
        summary=_("Personal data of a requester exported on request (GDPR art. 15)."),
    )
    return data
