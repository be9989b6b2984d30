from django.db import models
from django.utils.translation import gettext_lazy as _


class ProviderKind(models.TextChoices):
    CLUB = "club", _("Club (vereniging)")
    ENTREPRENEUR = "entrepreneur", _("Sport entrepreneur")
    OTHER = "other", _("Other")


class ProviderStatus(models.TextChoices):
    PENDING = "pending", _("Pending (e-mail not confirmed)")
    ACTIVE = "active", _("Active")
    INACTIVE = "inactive", _("Inactive")


class ProviderSource(models.TextChoices):
    INTEREST_FORM = "form", _("Interest form")
    IMPORT = "import", _("Import")
    STAFF = "staff", _("Entered by staff")


class SafetyStatus(models.TextChoices):
    MET = "met", _("Met")
    IN_PROGRESS = "in_progress", _("In progress")
    NOT_MET = "not_met", _("Not met")


# The social-safety basics of seed 003 (opgave 3 and 4): field prefix -> label. The first four
# are "the four basic requirements" that decide eligibility for club support; the e-learning
# is recorded but does not decide it.
BASIC_REQUIREMENTS = {
    "vog": _("Certificate of conduct (VOG)"),
    "vcp": _("Confidential contact person (VCP)"),
    "code_of_conduct": _("Code of conduct"),
    "trainer_qualification": _("Trainers' pedagogical-didactic qualification"),
}
SAFETY_BASICS = {**BASIC_REQUIREMENTS, "elearning": _("Social safety e-learning")}
