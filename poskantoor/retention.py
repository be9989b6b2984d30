"""The POS offices' part of the retention sweep (``sportloket.retention``): their rules and
personal-data inventory, registered from ``PoskantoorConfig.ready``."""

from __future__ import annotations

from sportloket.retention import (
    NONE,
    Holding,
    Rule,
    blank_fields,
    delete_rows,
    holds_data,
    local_day,
)

from .constants import OfficeStatus

# The office's own contact and its public contact person (shown on the public page with
# consent): both go when the office has stopped long enough.
OFFICE_CONTACT_FIELDS = (
    "contact_name",
    "contact_email",
    "public_contact_name",
    "public_contact_email",
    "public_contact_phone",
)

RULES: tuple[Rule, ...] = (
    Rule(
        "unconfirmed_pos_interest",
        "poskantoor.InterestRegistration",
        "unconfirmed_registrations",
        lambda qs, cutoff: qs.filter(confirmed_at__isnull=True, created_at__lt=cutoff),
        delete_rows,
    ),
    Rule(
        "pos_interest",
        "poskantoor.InterestRegistration",
        "pos_interest",
        lambda qs, cutoff: qs.filter(confirmed_at__lt=cutoff).filter(
            holds_data(
                "poskantoor.InterestRegistration", "contact_name", "email", "phone", "message"
            )
        ),
        blank_fields("contact_name", "email", "phone", "message"),
    ),
    Rule(
        "stopped_pos_offices",
        "poskantoor.PosOffice",
        "stopped_pos_offices",
        lambda qs, cutoff: qs.filter(
            status=OfficeStatus.STOPPED, stopped_on__lt=local_day(cutoff)
        ).filter(holds_data("poskantoor.PosOffice", *OFFICE_CONTACT_FIELDS)),
        blank_fields(*OFFICE_CONTACT_FIELDS),
    ),
    Rule(
        "deadline_notice_recipients",
        "poskantoor.DeadlineNotice",
        "outbox_content",
        lambda qs, cutoff: qs.filter(emailed_at__lt=cutoff).exclude(recipients=""),
        blank_fields("recipients"),
    ),
    Rule(
        "core_group_members",
        "poskantoor.CoreGroupMember",
        "core_group_members",
        lambda qs, cutoff: qs.filter(committed_until__lt=local_day(cutoff)).filter(
            holds_data("poskantoor.CoreGroupMember", "name", "email")
        ),
        blank_fields("name", "email"),
    ),
)

INVENTORY: dict[str, Holding] = {
    "poskantoor.InterestRegistration": Holding(
        ("contact_name", "email", "phone", "message"),
        "never confirmed: deleted after `unconfirmed_registrations`; confirmed: contact "
        "anonymised after `pos_interest` (the office keeps its own contact)",
        ("unconfirmed_pos_interest", "pos_interest"),
    ),
    "poskantoor.PosOffice": Holding(
        OFFICE_CONTACT_FIELDS,
        "contacts (also the public contact person) anonymised `stopped_pos_offices` days "
        "after the office stopped; the public contact is also removed when their consent is "
        "withdrawn",
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
    "poskantoor.DecisionProposal": Holding(
        ("reason", "conditions_reason", "objection_reason"),
        "keep: the joint GO / NO-GO decision and its reasons (written by staff)",
    ),
    "poskantoor.MappingStatement": Holding(
        ("note",), "keep: the municipality's statement that its entrepreneurs are mapped"
    ),
    # The process definition: configuration (``published_by`` points at a user account, which
    # the accounts' own rules handle).
    "poskantoor.ProcessVersion": NONE,
    "poskantoor.ProcessStepRule": NONE,
    "poskantoor.YearPlan": Holding(
        ("stakeholder_analysis", "cooperation_agreements"), "keep: the office's plan"
    ),
}
