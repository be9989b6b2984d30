"""Statuses, kinds and the workflow table of support questions (hulpvragen)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SupportStatus(models.TextChoices):
    NEW = "new", _("New")
    TRIAGED = "triaged", _("Triaged")
    HANDED_OVER = "handed_over", _("Handed over")
    WAITING_FOR_PROVIDER = "waiting", _("Waiting for provider")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    REJECTED = "rejected", _("Rejected")


S = SupportStatus

# The workflow (design §2): the only status changes the application allows. A handover
# (to HANDED_OVER) additionally needs an organisation and a note, so it has its own service.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.NEW: frozenset({S.TRIAGED, S.HANDED_OVER, S.WAITING_FOR_PROVIDER, S.RESOLVED, S.REJECTED}),
    S.TRIAGED: frozenset({S.HANDED_OVER, S.WAITING_FOR_PROVIDER, S.RESOLVED, S.REJECTED}),
    S.HANDED_OVER: frozenset({S.TRIAGED, S.WAITING_FOR_PROVIDER, S.RESOLVED}),
    S.WAITING_FOR_PROVIDER: frozenset({S.TRIAGED, S.RESOLVED, S.CLOSED}),
    S.RESOLVED: frozenset({S.CLOSED, S.TRIAGED}),
    S.CLOSED: frozenset(),
    S.REJECTED: frozenset(),
}

OPEN_STATUSES = frozenset({S.NEW, S.TRIAGED, S.HANDED_OVER, S.WAITING_FOR_PROVIDER})
# While a question has one of these statuses, the desk owes a response and its clock runs.
CLOCK_RUNNING_STATUSES = frozenset({S.NEW, S.TRIAGED})


# Bootstrap badge class per status, for the board and the question page.
STATUS_BADGE = {
    S.NEW: "text-bg-primary",
    S.TRIAGED: "text-bg-light border",
    S.HANDED_OVER: "text-bg-info",
    S.WAITING_FOR_PROVIDER: "text-bg-secondary",
    S.RESOLVED: "text-bg-success",
    S.CLOSED: "text-bg-success",
    S.REJECTED: "text-bg-dark",
}


class Channel(models.TextChoices):
    FORM = "form", _("Question form")
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Phone")
    VISIT = "visit", _("Visit")
    SPORT_PLATFORM = "sport_platform", _("Via the sport platform")


class Priority(models.IntegerChoices):
    LOW = 1, _("Low")
    NORMAL = 2, _("Normal")
    HIGH = 3, _("High")
    URGENT = 4, _("Urgent")


class EventKind(models.TextChoices):
    CREATED = "created", _("Question received")
    STATUS = "status", _("Status changed")
    ASSIGNMENT = "assignment", _("Assignment")
    CATEGORY = "category", _("Category changed")
    PRIORITY = "priority", _("Priority changed")
    HANDOVER = "handover", _("Handed over")
    HANDOVER_ACCEPTED = "handover_accepted", _("Handover accepted")
    HANDOVER_DECLINED = "handover_declined", _("Handover declined")
    HANDOVER_EXPIRED = "handover_expired", _("Handover not answered in time")
    DEADLINE = "deadline", _("Deadline recalculated")
    MESSAGE = "message", _("Message")
    PROVIDER_MESSAGE = "provider_message", _("Message from the provider")
    NOTE = "note", _("Internal note")
    REMINDER = "reminder", _("Reminder sent")
    ESCALATION = "escalation", _("Escalated to the coordinator")


class HandoverStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting acknowledgement")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    EXPIRED = "expired", _("Not answered in time")


class ContactChannel(models.TextChoices):
    VISIT = "visit", _("Visit")
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("E-mail")
    MEETING = "meeting", _("Meeting")
    OTHER = "other", _("Other")


# --- Meetings of POS offices and desks (design §2 meetings/, seed 000 §5 and §6) -----------


class MeetingKind(models.TextChoices):
    INTRO_CALL = "intro_call", _("Introduction call")
    KARTREKKERS = "kartrekkers", _("Kartrekkers meeting")
    START_MEETING = "start_meeting", _("Start meeting")
    START_SESSION_1 = "start_session_1", _("Start session 1")
    START_SESSION_2 = "start_session_2", _("Start session 2")
    START_SESSION_3 = "start_session_3", _("Start session 3")
    SECOND_PLENARY = "second_plenary", _("Second plenary meeting")
    FOLLOW_UP = "follow_up", _("Follow-up meeting")
    MUNICIPAL_GOALS = "municipal_goals", _("Presentation of municipal goals")
    COOPERATION_SESSION = "cooperation_session", _("Work session on local cooperation")
    NEW_YEAR = "new_year", _("New-year reception")
    FUNDS = "funds", _("Funds")
    ACCOMMODATIONS = "accommodations", _("Accommodations and rates")
    TRAINING = "training", _("Training")
    EXCHANGE = "exchange", _("Exchange between POS offices")
    EXTERNAL_EXPERTISE = "external_expertise", _("External expertise")
    EVALUATION = "evaluation", _("Evaluation")
    SPORT_CAFE = "sport_cafe", _("Sport café / theme meeting")


# Meeting kinds that are founding steps of a POS office (poskantoor StepCode values).
FOUNDING_STEP_OF_KIND = {
    MeetingKind.INTRO_CALL: "2b",
    MeetingKind.KARTREKKERS: "3",
    MeetingKind.START_MEETING: "4",
    MeetingKind.START_SESSION_1: "5",
    MeetingKind.START_SESSION_2: "5",
    MeetingKind.START_SESSION_3: "5",
    MeetingKind.SECOND_PLENARY: "6",
}
START_SESSION_NUMBER = {
    MeetingKind.START_SESSION_1: 1,
    MeetingKind.START_SESSION_2: 2,
    MeetingKind.START_SESSION_3: 3,
}
# Kinds at which the municipality presents its target groups and themes (seed 000 §4, §5 and
# §6 stap 6); a planned meeting of these kinds starts with the flag on.
PRESENTING_KINDS = frozenset(
    {MeetingKind.MUNICIPAL_GOALS, MeetingKind.SECOND_PLENARY, MeetingKind.NEW_YEAR}
)


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


class AttendeeRole(models.TextChoices):
    ENTREPRENEUR = "entrepreneur", _("Sport entrepreneur")
    PROVIDER = "provider", _("Other sport provider")
    POLICY_MAKER = "policy_maker", _("Policy maker of the municipality")
    MUNICIPALITY = "municipality", _("Municipality / sportbedrijf")
    SOCIAL_DOMAIN = "social_domain", _("Social domain (welfare, care, education, participation)")
    POS = "pos", _("POS")
    OTHER = "other", _("Other")


# Organisation types (sportloket OrganisationType values) that belong to the social domain.
SOCIAL_DOMAIN_ORGANISATION_TYPES = frozenset({"welfare", "care", "education"})


class AgreementKind(models.TextChoices):
    AGREEMENT = "agreement", _("Agreement")
    PROJECT = "project", _("Cooperation project")


# Audit-trail actions of a meeting, as shown on its page.
MEETING_AUDIT_ACTIONS = {
    "meeting_planned": _("Planned"),
    "meeting_changed": _("Changed"),
    "meeting_cancelled": _("Cancelled"),
    "meeting_held": _("Held"),
    "attendance_recorded": _("Attendance recorded"),
    "minutes_saved": _("Minutes saved"),
    "agreement_added": _("Agreement added"),
    "agreement_done": _("Agreement done"),
    "invitations_sent": _("Invitations sent"),
    "signal_on_agenda": _("Signal put on the agenda"),
}
