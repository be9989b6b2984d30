"""Statuses and kinds of meetings, attendance and agreements (the POS programme)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

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


# Organisation types (sportloket OrganisationType values) that belong to the social domain:
# seed 000 §4 names "Zorg & Welzijn | Participatie" among the partners, so an attendee of a
# participation organisation counts for "Waarvan met sociaal domein 1".
SOCIAL_DOMAIN_ORGANISATION_TYPES = frozenset({"welfare", "care", "education", "participation"})

# Founding meetings that are not meetings of the POS office with its network of entrepreneurs,
# so they do not count for the guideline's "Bijeenkomsten per jaar 3" (seed 000 §4): the
# introduction call (POS and municipality), the kartrekkers meeting and the core group's start
# sessions.
NOT_NETWORK_MEETING_KINDS = frozenset(
    {
        "intro_call",
        "kartrekkers",
        "start_session_1",
        "start_session_2",
        "start_session_3",
    }
)


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
