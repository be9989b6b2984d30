"""Choices of the POS-office founding process (seed 000 §6, design §2 poskantoor/)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OfficeStatus(models.TextChoices):
    ORIENTATION = "orientation", _("Orientation")
    FOUNDING = "founding", _("Founding")
    ACTIVE = "active", _("Active")
    STOPPED = "stopped", _("Stopped")


# Offices whose founding steps are still running (and whose deadlines are enforced).
OPEN_STATUSES = (OfficeStatus.ORIENTATION, OfficeStatus.FOUNDING)


class StepCode(models.TextChoices):
    REGISTRATION = "1", _("1. Registration via the interest form")
    INTRO_SCHEDULED = "2a", _("2a. POS schedules the introduction call")
    INTRO_HELD = "2b", _("2b. Introduction call held")
    KARTREKKERS = "3", _("3. Kartrekkers meeting with GO / NO-GO")
    START_MEETING = "4", _("4. First start meeting with entrepreneurs")
    START_SESSIONS = "5", _("5. Three start sessions of the core group")
    SECOND_PLENARY = "6", _("6. Second plenary meeting with entrepreneurs")
    FOLLOW_UP = "7", _("7. Follow-up meetings")


# The founding steps in the handreiking's order (the codes; their rules live in the process
# definition, see ``poskantoor.process``).
STEP_SEQUENCE: tuple[str, ...] = tuple(StepCode.values)


class Party(models.TextChoices):
    """Who owns a step (design §2 table, column "who")."""

    MUNICIPALITY = "municipality", _("Municipality")
    POS = "pos", _("POS")
    POS_AND_MUNICIPALITY = "pos_municipality", _("POS and municipality")
    CORE_GROUP_AND_POS = "core_group_pos", _("Core group and POS")
    FACILITATOR = "facilitator", _("Process facilitator (POS or SPN)")
    CORE_GROUP = "core_group", _("Core group")
    CORE_GROUP_WITH_MUNICIPALITY = (
        "core_group_municipality",
        _("Core group including the municipality"),
    )


# Owners whose steps municipal policy staff complete ("their side"); POS staff complete any step.
MUNICIPALITY_SIDE = frozenset(
    {
        Party.MUNICIPALITY,
        Party.POS_AND_MUNICIPALITY,
        Party.CORE_GROUP_AND_POS,
        Party.CORE_GROUP,
        Party.CORE_GROUP_WITH_MUNICIPALITY,
    }
)
# Owners whose reminders go to the core group's members (their own e-mail addresses).
CORE_GROUP_SIDE = frozenset(
    {Party.CORE_GROUP_AND_POS, Party.CORE_GROUP, Party.CORE_GROUP_WITH_MUNICIPALITY}
)
# Owners whose reminders go to POS staff.
POS_SIDE = frozenset(
    {Party.POS, Party.POS_AND_MUNICIPALITY, Party.CORE_GROUP_AND_POS, Party.FACILITATOR}
)


class Moment(models.TextChoices):
    """The moment of a step a deadline applies to, or counts from (seed 000 §6: "plant ... in"
    versus "vindt ... plaats")."""

    PLANNED = "planned", _("planned")
    HELD = "held", _("held")


class DeadlineUnit(models.TextChoices):
    WEEKS = "weeks", _("weeks")
    MONTHS = "months", _("months")


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class Decision(models.TextChoices):
    """The joint decision at step 3."""

    GO = "go", _("GO: prepare the start meeting")
    NO_GO_NEW_KARTREKKERS = "no_go_retry", _("NO-GO: approach new kartrekkers")
    NO_GO_STOP = "no_go_stop", _("NO-GO: end the founding process")


class NoticeKind(models.TextChoices):
    REMINDER = "reminder", _("Reminder before the deadline")
    DUE_TODAY = "due_today", _("Deadline is today")
    ESCALATION = "escalation", _("Escalation: deadline passed")


class MemberKind(models.TextChoices):
    ENTREPRENEUR = "entrepreneur", _("Entrepreneur / kartrekker")
    MUNICIPALITY = "municipality", _("Municipality")
    SPORTBEDRIJF = "sportbedrijf", _("Sportbedrijf")


# Members who count as "professional of the municipality/sportbedrijf" (seed 000 §6.1).
PROFESSIONAL_KINDS = (MemberKind.MUNICIPALITY, MemberKind.SPORTBEDRIJF)


class SessionTopic(models.TextChoices):
    """Topics of the three start sessions of step 5 (seed 000 §6, stap 5)."""

    SHORT_TERM_GOALS = "short_term_goals", _("Short-term goals")
    STAKEHOLDER_ANALYSIS = "stakeholder_analysis", _("Stakeholder analysis")
    COOPERATION_AGREEMENTS = "cooperation", _("Agreements on cooperation")
    YEAR_PLAN = "year_plan", _("Year plan and long-term vision")


START_SESSIONS_REQUIRED = 3
