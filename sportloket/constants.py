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
