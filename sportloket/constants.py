from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CLUB_SUPPORTER = "club_supporter", _("Club supporter")
    POLICY_STAFF = "policy_staff", _("Municipal policy staff")
    POS_STAFF = "pos_staff", _("POS staff")
    ADMINISTRATOR = "administrator", _("Administrator")


# Django group names, one per role; kept in sync by sportloket.services.staff_set_role.
ROLE_GROUP_NAMES = {
    Role.CLUB_SUPPORTER: "Clubondersteuners",
    Role.POLICY_STAFF: "Beleidsmedewerkers gemeente",
    Role.POS_STAFF: "POS-medewerkers",
    Role.ADMINISTRATOR: "Beheerders",
}


class OrganisationType(models.TextChoices):
    MUNICIPALITY = "municipality", _("Municipality department")
    SPORTBEDRIJF = "sportbedrijf", _("Sportbedrijf")
    FEDERATION = "federation", _("Sport federation")
    POS = "pos", _("POS")
    SPORT_PLATFORM = "sport_platform", _("Local sport platform / sport council")
    WELFARE = "welfare", _("Welfare")
    CARE = "care", _("Care")
    EDUCATION = "education", _("Education")
    FUND = "fund", _("Fund")
    PARTICIPATION = "participation", _("Participation")
    SPORT_CLUB = "sport_club", _("Sport club")
    OTHER = "other", _("Other")


class ThemeKind(models.TextChoices):
    SPORTAKKOORD = "sportakkoord", _("Sportakkoord II theme")
    SIGNAL = "signal", _("Signal theme")


class EmailStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Criterion(models.TextChoices):
    """Desk quality criteria (seed 002, "Wanneer ben je een sport- en beweegloket?" and
    "Hoe werkt een sport- en beweegloket?"). Which ones are computed lives in meetings.quality."""

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
