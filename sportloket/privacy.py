"""The privacy statement's content (``/privacy/``): which data the product holds, why, who
receives it, and how long it is kept.

The retention periods are not written here: each kind of data names the retention rules that
apply to it, and the rules and their periods are read from the retention registry
(``sportloket.retention.rules()``, filled by every app's ``retention.py``) and
``SPORTLOKET_RETENTION_DAYS``, so the page shows what the nightly sweep does. The core names
no app: a rule registered later that no kind names is listed under "Other records", described
by its model, never left out (and a test asks for it to be placed).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import PrivacyController
from .retention import Rule, rules


@dataclass(frozen=True)
class DataKind:
    """One kind of personal data as the statement presents it: what, why (and on which
    legal ground), who receives it, and the names of the retention rules that apply."""

    key: str
    title: Promise
    data: Promise
    purpose: Promise
    basis: Promise
    recipients: Promise
    rules: tuple[str, ...]


KINDS: tuple[DataKind, ...] = (
    DataKind(
        "sport_providers",
        _("Sport providers"),
        _(
            "Name of the club or business, contact person, e-mail address, phone number, "
            "address, sports offered and target groups; the evidence of the social-safety "
            "basics (for example a certificate of conduct) that a provider sends through the "
            "portal, and the desk's decision on it."
        ),
        _(
            "To know the sport providers of the area, to contact them proactively, to help "
            "them with questions and to inform them about schemes and subsidies that suit them."
        ),
        _(
            "Consent given on registration and the municipality's public task for sport and "
            "movement (GDPR article 6(1)(a) and (e))."
        ),
        _("Staff of the desk and policy staff of the municipality, as far as their work needs."),
        (
            "unconfirmed_providers",
            "inactive_providers",
            "import_jobs",
            "safety_claims",
            "safety_claims_of_erased_providers",
        ),
    ),
    DataKind(
        "questions",
        _("Questions for the desk"),
        _(
            "Your name and contact details, your question, the messages exchanged about it "
            "and notes of contact moments (visits, calls)."
        ),
        _(
            "To answer your question, or to hand it over to a partner organisation that can "
            "help you, and to follow up until it is resolved."
        ),
        _("The municipality's public task for sport and movement (GDPR article 6(1)(e))."),
        _(
            "Club supporters of the desk. When your question is handed over, the partner "
            "organisation that takes it over (for example a welfare organisation, the sports "
            "company or a sports federation) receives your question and contact details."
        ),
        (
            "closed_support_requests",
            "contact_moments",
            "contact_moment_audit",
            "portal_sign_in_links",
            "portal_contacts_of_erased_providers",
        ),
    ),
    DataKind(
        "pos",
        _("POS offices and core groups"),
        _(
            "Name, e-mail address and phone number of the contact person of a municipality "
            "and of the members of a local core group, with their hours and commitment."
        ),
        _(
            "To found and support a local POS office (Platform Ondernemende Sportaanbieders) "
            "and to remind those involved of the next steps."
        ),
        _("The municipality's public task for sport and movement (GDPR article 6(1)(e))."),
        _("POS staff and policy staff of the municipality concerned."),
        (
            "unconfirmed_pos_interest",
            "pos_interest",
            "stopped_pos_offices",
            "core_group_members",
            "deadline_notice_recipients",
        ),
    ),
    DataKind(
        "participants",
        _("Meetings"),
        _(
            "Name and e-mail address of participants, attendance, and the agreements made "
            "with the person responsible for them."
        ),
        _("To invite participants, to keep track of attendance and to follow up agreements."),
        _("The municipality's public task for sport and movement (GDPR article 6(1)(e))."),
        _("The organisers of the meeting: POS staff and policy staff of the municipality."),
        ("meeting_attendees", "agreements"),
    ),
    DataKind(
        "records",
        _("E-mails, login records and audit trail"),
        _(
            "E-mails the product sends, login attempts of staff (user name, IP address, "
            "browser) and a record of who changed what and when."
        ),
        _(
            "To deliver e-mails, to protect accounts against misuse, and to account for "
            "decisions and changes."
        ),
        _("Legal obligations and the municipality's public task (GDPR article 6(1)(c) and (e))."),
        _("Administrators of the desk."),
        (
            "outbox_content",
            "outbox",
            "login_attempts",
            "login_log",
            "login_failures",
            "sessions",
            "audit_details",
            "audit_events",
            "admin_log",
        ),
    ),
)

OTHER = DataKind(
    "other",
    _("Other records"),
    _("Other records that can hold personal data."),
    _("As described for the kinds of data above."),
    _("The municipality's public task for sport and movement (GDPR article 6(1)(e))."),
    _("Staff of the desk, as far as their work needs."),
    (),
)

# What each retention rule does, in the reader's words; ``%(period)s`` is filled in from the
# rule's period. A rule without an entry is described by its model (``rule_text``).
RULE_TEXTS: dict[str, Promise] = {
    "outbox_content": _(
        "Sent e-mails: recipients, subject and content removed %(period)s after sending."
    ),
    "outbox": _("Delivery record of an e-mail deleted %(period)s after it was made."),
    "login_attempts": _("Login attempts deleted after %(period)s."),
    "login_log": _("Login records deleted after %(period)s."),
    "login_failures": _("Failed logins deleted after %(period)s."),
    "sessions": _("Login sessions deleted when they expire."),
    "unconfirmed_providers": _(
        "A registration never confirmed by e-mail deleted %(period)s after it was sent."
    ),
    "inactive_providers": _(
        "An inactive provider's contact details anonymised %(period)s after the last change."
    ),
    "import_jobs": _("Imported files and their reports deleted %(period)s after the import."),
    "safety_claims": _(
        "Evidence of the social-safety basics (the file, the date and the desk's reason) "
        "deleted %(period)s after the desk checked it; kept while it waits for the check."
    ),
    "safety_claims_of_erased_providers": _(
        "Evidence of the social-safety basics deleted with the provider's contact data on erasure."
    ),
    "unconfirmed_pos_interest": _(
        "A POS registration never confirmed by e-mail deleted %(period)s after it was sent."
    ),
    "pos_interest": _(
        "Contact details of a POS registration anonymised %(period)s after confirmation."
    ),
    "stopped_pos_offices": _(
        "Contact person of a stopped POS office anonymised %(period)s after it stopped."
    ),
    "deadline_notice_recipients": _("Recipients of reminders removed %(period)s after sending."),
    "core_group_members": _(
        "Name and contact details of a core-group member anonymised %(period)s after the "
        "commitment ended."
    ),
    "closed_support_requests": _(
        "Your name, contact details and the texts of your question anonymised %(period)s "
        "after it was closed."
    ),
    "contact_moments": _("Notes of a contact moment anonymised %(period)s after the contact."),
    "portal_sign_in_links": _(
        "Requests for a sign-in link to the providers' portal deleted as soon as the link has "
        "expired."
    ),
    "portal_contacts_of_erased_providers": _(
        "Access to the providers' portal deleted when the provider's contact data is erased."
    ),
    "contact_moment_audit": _(
        "Copies of those notes in the audit trail removed %(period)s after the contact."
    ),
    "meeting_attendees": _(
        "Name and e-mail address of an external participant anonymised %(period)s after the "
        "meeting."
    ),
    "agreements": _(
        "The person responsible for an agreement anonymised %(period)s after it was done."
    ),
    "audit_details": _("Details of the audit trail (old and new values) removed after %(period)s."),
    "audit_events": _("The audit trail itself deleted after %(period)s."),
    "admin_log": _("The administrators' change log deleted after %(period)s."),
}


def period_words(days: int) -> str:
    """Whole years as years ("2 jaar"), anything else in days ("30 dagen")."""
    if days and days % 365 == 0:
        years = days // 365
        return ngettext("%(count)d year", "%(count)d years", years) % {"count": years}
    return ngettext("%(count)d day", "%(count)d days", days) % {"count": days}


def rule_days(rule: Rule) -> int | None:
    """The rule's period in days from ``SPORTLOKET_RETENTION_DAYS``; None: due at once."""
    if rule.period is None:
        return None
    return settings.SPORTLOKET_RETENTION_DAYS[rule.period]


def rule_text(rule: Rule) -> str:
    days = rule_days(rule)
    period = period_words(days) if days is not None else ""
    text = RULE_TEXTS.get(rule.name)
    if text is None:
        records = apps.get_model(rule.model)._meta.verbose_name_plural
        if days is None:
            return _("%(records)s: deleted or anonymised when no longer needed.") % {
                "records": str(records).capitalize()
            }
        text = _("%(records)s: deleted or anonymised after %(period)s.")
        return text % {"records": str(records).capitalize(), "period": period}
    return text % {"period": period} if "%(period)s" in str(text) else str(text)


@dataclass(frozen=True)
class Section:
    kind: DataKind
    retention: list[str]


def privacy_sections() -> list[Section]:
    """Every kind of data with the retention of its rules, in the sweep's order; the rules no
    kind names are gathered in a last "Other records" section."""
    claimed = {name: kind.key for kind in KINDS for name in kind.rules}
    texts: dict[str, list[str]] = {kind.key: [] for kind in (*KINDS, OTHER)}
    for rule in rules():
        texts[claimed.get(rule.name, OTHER.key)].append(rule_text(rule))
    sections = [Section(kind, texts[kind.key]) for kind in KINDS]
    if texts[OTHER.key]:
        sections.append(Section(OTHER, texts[OTHER.key]))
    return sections


@dataclass(frozen=True)
class Controller:
    name: str
    address: str
    email: str
    phone: str
    dpo_email: str


# Each field of the controller and the setting it falls back to.
CONTROLLER_SETTINGS = {
    "name": "SPORTLOKET_PRIVACY_CONTROLLER_NAME",
    "address": "SPORTLOKET_PRIVACY_CONTROLLER_ADDRESS",
    "email": "SPORTLOKET_PRIVACY_CONTROLLER_EMAIL",
    "phone": "SPORTLOKET_PRIVACY_CONTROLLER_PHONE",
    "dpo_email": "SPORTLOKET_PRIVACY_DPO_EMAIL",
}


def privacy_controller() -> Controller:
    """The controller as an administrator entered it in the admin (``PrivacyController``),
    field by field; an empty field falls back to its setting (``SPORTLOKET_PRIVACY_*``).
    One query."""
    row = PrivacyController.objects.filter(pk=1).first()

    def value(field: str) -> str:
        entered = (getattr(row, field) if row is not None else "").strip()
        return entered or getattr(settings, CONTROLLER_SETTINGS[field]).strip()

    return Controller(**{field: value(field) for field in CONTROLLER_SETTINGS})
