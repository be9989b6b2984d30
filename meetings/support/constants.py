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
    HANDOVER_OUTCOME = "handover_outcome", _("Outcome reported by the partner")
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
