"""The desk's part of the retention sweep (``sportloket.retention``): the rules and
personal-data inventory of support questions, contact moments and meetings, registered from
``MeetingsConfig.ready``. ``support_requests_anonymise`` is shared with the requester's erasure,
so an erased and an expired question look the same."""

from __future__ import annotations

import datetime as dt

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Coalesce, Concat

from sportloket.models import AuditEvent
from sportloket.retention import (
    NONE,
    Holding,
    Rule,
    blank_fields,
    blank_values,
    delete_rows,
    delete_with_files,
    holds_data,
    local_day,
)

from .portal.constants import SafetyClaimState
from .support.constants import EventKind

# Replaces the private follow-up link code of an anonymised question: unique (it carries the
# primary key) and never a valid code (too short for meetings.selectors.TOKEN_RE), so the link
# that was e-mailed answers 404.
ERASED_TOKEN_PREFIX = "erased-"  # noqa: S105 - not a secret, the opposite


def support_requests_anonymise(*, ids: list[int]) -> dict[str, int]:
    """Anonymise support questions: subject, question and requester, the text of every
    timeline event, the handover notes and the audit summaries; the private link stops working.

    Status, category, channel, priority, dates, desk, provider, assignee, organisation and the
    handovers' status stay, so the desk dashboard, its rollup and the monitoring export count
    exactly as before. Timeline events are append-only for the application; this is the one
    sanctioned rewrite (AVG art. 17 and the retention period outrank the history of a text).
    A fixed number of queries; idempotent. Call inside a transaction.
    """
    request_model = apps.get_model("meetings.SupportRequest")
    requests = request_model.objects.filter(pk__in=ids)
    done = requests.update(
        **blank_values(request_model, ("subject", "question", "requester_name", "requester_email")),
        public_token=Concat(Value(ERASED_TOKEN_PREFIX), Cast("pk", models.CharField())),
    )
    events = (
        apps.get_model("meetings.SupportRequestEvent")
        .objects.filter(support_request_id__in=ids)
        .exclude(text="")
        .update(text="")
    )
    handover_model = apps.get_model("meetings.Handover")
    handovers = handover_model.objects.filter(support_request_id__in=ids).update(
        **blank_values(handover_model, ("note", "decline_reason", "helper_name", "outcome"))
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


def _closed_questions(qs: QuerySet, cutoff: dt.datetime) -> QuerySet:
    # Closed = no longer open (resolved, closed, rejected); the moment of closing is the last
    # status change (a reopened question is open again and not due).
    last_change = (
        apps.get_model("meetings.SupportRequestEvent")
        .objects.filter(support_request=OuterRef("pk"), kind=EventKind.STATUS)
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


RULES: tuple[Rule, ...] = (
    Rule(
        # A sign-in link is of no use once expired: the request and its address go.
        "portal_sign_in_links",
        "meetings.PortalSignInLink",
        None,
        lambda qs, cutoff: qs.filter(expires_at__lt=cutoff),
        delete_rows,
    ),
    Rule(
        # The portal erases its contacts with the organisation's data; an erasure done by the
        # desk (the providers app) leaves them to this sweep.
        "portal_contacts_of_erased_providers",
        "meetings.PortalContact",
        None,
        lambda qs, cutoff: qs.filter(provider__erased_at__isnull=False),
        delete_rows,
    ),
    Rule(
        # Evidence of an organisation erased by the desk (the providers app) goes with its
        # files; the portal's own erasure deletes it at once.
        "safety_claims_of_erased_providers",
        "meetings.SafetyClaim",
        None,
        lambda qs, cutoff: qs.filter(provider__erased_at__isnull=False),
        delete_with_files("file"),
    ),
    Rule(
        # Checked evidence: the decision lives on in the provider's basics and its audit
        # trail; the file (which can show a person, e.g. a VOG) and the reason go.
        "safety_claims",
        "meetings.SafetyClaim",
        "safety_claims",
        lambda qs, cutoff: qs.exclude(state=SafetyClaimState.PENDING).filter(decided_at__lt=cutoff),
        delete_with_files("file"),
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
        lambda qs, cutoff: qs.filter(date__lt=local_day(cutoff)).exclude(summary=""),
        blank_fields("summary"),
    ),
    Rule(
        # meetings.services.contact_moment_record copies the summary into the provider's trail.
        "contact_moment_audit",
        "sportloket.AuditEvent",
        "contact_moments",
        lambda qs, cutoff: qs.filter(action="contact_moment.create", at__lt=cutoff).exclude(
            summary=""
        ),
        blank_fields("summary"),
    ),
    Rule(
        # External people only: a staff member's attendance is part of their work record.
        "meeting_attendees",
        "meetings.Attendee",
        "meeting_attendees",
        lambda qs, cutoff: qs.filter(user__isnull=True, meeting__ends_at__lt=cutoff).filter(
            holds_data("meetings.Attendee", "name", "email")
        ),
        blank_fields("name", "email"),
    ),
    Rule(
        "agreements",
        "meetings.Agreement",
        "agreements",
        lambda qs, cutoff: qs.filter(
            Q(done_on__lt=local_day(cutoff)) | Q(done_on__isnull=True, due_on__lt=local_day(cutoff))
        ).filter(holds_data("meetings.Agreement", "owner_name", "owner_email")),
        blank_fields("owner_name", "owner_email"),
    ),
)

INVENTORY: dict[str, Holding] = {
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
        ("note", "decline_reason", "helper_name", "outcome"),
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
    "meetings.PortalContact": Holding(
        ("email", "name"),
        "keep while the organisation's portal access lasts (a revoked address stays, so it "
        "cannot ask itself back in); deleted with the organisation's contact data on erasure",
        ("portal_contacts_of_erased_providers",),
    ),
    "meetings.SafetyClaim": Holding(
        ("file", "file_name", "reason"),
        "evidence file (in the file storage under safety-evidence/) deleted with the claim "
        "`safety_claims` days after the desk checked it; kept while it waits for the check; "
        "deleted with the organisation's contact data on erasure",
        ("safety_claims", "safety_claims_of_erased_providers"),
    ),
    "meetings.PortalSignInLink": Holding(
        ("email",),
        "deleted as soon as the link has expired (15 minutes)",
        ("portal_sign_in_links",),
    ),
    "meetings.AgreementNotice": NONE,
    "meetings.CalendarFeed": Holding(
        (), "keep while its owner exists (deleted with the person, desk or office); a key only"
    ),
    "meetings.HandoverReminder": NONE,
    # The daily overview's once-only claims and a club supporter's choice to switch it off:
    # the account they point at is handled by the accounts' own rules.
    "meetings.DeskOverviewNotice": NONE,
    "meetings.DeskOverviewOptOut": NONE,
    "meetings.QuestionWeekStat": NONE,
    "meetings.QuestionStatMark": NONE,
    "meetings.EntrepreneursReachedStat": NONE,
    "meetings.SupportRequestAllocation": NONE,
}
