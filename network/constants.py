"""Choices of the network: desk quality criteria, goal flags, signal sources."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Criterion(models.TextChoices):
    """Desk quality criteria (seed 002, "Wanneer ben je een sport- en beweegloket?" and
    "Hoe werkt een sport- en beweegloket?"). Which ones are computed lives in network.quality."""

    RECOGNISED = (
        "recognised",
        _(
            "Recognised as coordination point by providers (sport platform), municipality, "
            "federations and sportbedrijf"
        ),
    )
    PROACTIVE_CONTACT = "proactive_contact", _("Proactive contact with the area's providers")
    BUDGETS = "budgets", _("Insight in execution budget, services budget and other funds")
    QUALITY_SYSTEMS = "quality_systems", _("Supporters take part in SPN, ASK, KSS or LAB")
    NETWORK_OVERVIEW = (
        "network_overview",
        _("Overview of providers, supporters, organisations, federations and platforms"),
    )
    DECLARATIONS = "declarations", _("Declaration of intent of all parties")
    DATA_SHARING = "data_sharing", _("All parties contribute to sharing data and knowledge")
    WORKING_AREA = (
        "working_area",
        _("Working area agreed with federations and neighbouring municipalities"),
    )
    TRANSPARENT_DECISIONS = "transparent_decisions", _("Open and transparent decisions on support")
    NETWORK_GATHERINGS = (
        "network_gatherings",
        _("Brings the local sport network together regularly, with the sport platform"),
    )
    LOCAL_DATA = "local_data", _("Collects local data on providers and shares it")
    OTHER_DESKS = "other_desks", _("Works with other desks on knowledge exchange")
    COOPERATION = (
        "cooperation",
        _("Stimulates cooperation between providers, supporters and other domains"),
    )


class GoalFlag(models.TextChoices):
    NO_MEASUREMENT = "no_measurement", _("No measurement in the agreed period")
    PAST_DEADLINE = "past_deadline", _("Past its deadline without reaching the target")


# Criteria the data cannot show; a club supporter ticks them with evidence and a date.
MANUAL_CRITERIA = frozenset(
    {
        Criterion.DATA_SHARING,
        Criterion.WORKING_AREA,
        Criterion.TRANSPARENT_DECISIONS,
        Criterion.NETWORK_GATHERINGS,
        Criterion.LOCAL_DATA,
        Criterion.OTHER_DESKS,
        Criterion.COOPERATION,
    }
)


class SignalSource(models.TextChoices):
    """Who brought a strategic signal in (seed 001: loket, sportplatform, gemeente)."""

    DESK = "desk", _("Desk staff")
    SPORT_PLATFORM = "sport_platform", _("Sport platform / sport council")
    MUNICIPALITY = "municipality", _("Municipality")
    PROVIDERS = "providers", _("Providers")
    OTHER = "other", _("Other")
