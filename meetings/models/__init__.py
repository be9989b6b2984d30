"""The app's models, split by area; importing them here is how Django finds them."""

from .feeds import CalendarFeed
from .portal import PortalContact, PortalSignInLink, SafetyClaim
from .programme import Agreement, AgreementNotice, Attendee, Meeting
from .stats import EntrepreneursReachedStat, QuestionStatMark, QuestionWeekStat
from .support import (
    AppendOnlyError,
    ContactMoment,
    DeskOverviewNotice,
    DeskOverviewOptOut,
    Handover,
    HandoverReminder,
    SupportRequest,
    SupportRequestAllocation,
    SupportRequestEvent,
)

__all__ = [
    "Agreement",
    "AgreementNotice",
    "AppendOnlyError",
    "Attendee",
    "CalendarFeed",
    "ContactMoment",
    "DeskOverviewNotice",
    "DeskOverviewOptOut",
    "EntrepreneursReachedStat",
    "Handover",
    "HandoverReminder",
    "Meeting",
    "PortalContact",
    "PortalSignInLink",
    "QuestionStatMark",
    "QuestionWeekStat",
    "SafetyClaim",
    "SupportRequest",
    "SupportRequestAllocation",
    "SupportRequestEvent",
]
