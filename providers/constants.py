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
    QUESTION_FORM = "question", _("Desk question form")
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


class Eligibility(models.TextChoices):
    """Filter values for the social-safety basics in the registry."""

    ELIGIBLE = "eligible", _("Eligible for club support")
    NOT_ELIGIBLE = "not_eligible", _("Not eligible (a basic requirement not met)")
    ALL_MET = "all_met", _("All four basic requirements met")


class ImportOutcome(models.TextChoices):
    CREATED = "created", _("Created")
    UPDATED = "updated", _("Updated")
    UNCHANGED = "unchanged", _("Unchanged")
    REJECTED = "rejected", _("Rejected")


class StatusAction(models.TextChoices):
    """What staff may do to a provider's status from the detail page."""

    CONFIRM = "confirm", _("Confirm")
    DEACTIVATE = "deactivate", _("Deactivate")
    REACTIVATE = "reactivate", _("Reactivate")


# Contact fields that hold personal data: exported and erased on request (AVG/GDPR).
PERSONAL_FIELDS = ("contact_name", "email", "phone", "street")

# Import files: refused above these limits before or while parsing, so that one upload cannot
# tie up a worker's time or memory (a CSV with a million columns, an XLSX "zip bomb").
IMPORT_MAX_BYTES = 5 * 1024 * 1024
IMPORT_MAX_ROWS = 20_000
IMPORT_MAX_COLUMNS = 50
IMPORT_MAX_CELL_CHARS = 1000
# A CSV line longer than this cannot hold IMPORT_MAX_COLUMNS cells of the allowed size.
IMPORT_MAX_LINE_CHARS = IMPORT_MAX_COLUMNS * (IMPORT_MAX_CELL_CHARS + 3)
# XLSX: checked on the zip directory before openpyxl opens anything. A legitimate sheet of
# 20,000 rows unpacks to some 15-30 MB; XML rarely compresses better than 1:100.
IMPORT_MAX_UNPACKED_BYTES = 64 * 1024 * 1024
IMPORT_MAX_MEMBER_BYTES = {"xl/sharedStrings.xml": 24 * 1024 * 1024}
IMPORT_MAX_ZIP_RATIO = 200
IMPORT_MAX_ZIP_MEMBERS = 200


class ImportMode(models.TextChoices):
    CHECK = "check", _("Check (dry run)")
    APPLY = "apply", _("Import")


class ImportJobStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("Running")
    DONE = "done", _("Finished")
    FAILED = "failed", _("Failed")


class ImportPhase(models.TextChoices):
    """An import checks every row first and writes only when none is rejected."""

    CHECK = "check", _("Checking rows")
    WRITE = "write", _("Saving rows")


# Registry page sizes users can choose; the first is the default.
PAGE_SIZES = (25, 50, 100)

# How the audit trail's actions read on the detail page.
AUDIT_ACTIONS = {
    "register": _("Registered (interest form)"),
    "register_again": _("Registered again (interest form)"),
    "confirm_email": _("E-mail address confirmed"),
    "create": _("Created"),
    "update": _("Changed"),
    "import": _("Imported"),
    "confirm": _("Confirmed by staff"),
    "deactivate": _("Deactivated"),
    "reactivate": _("Reactivated"),
    "erase": _("Personal data erased"),
    "export_personal_data": _("Personal data exported"),
    "portal.safety_claim": _("Social-safety evidence sent through the portal"),
    "portal.safety_confirm": _("Social-safety basic confirmed from the portal's evidence"),
    "portal.safety_claim_confirm": _("Social-safety evidence confirmed by the desk"),
    "portal.safety_claim_reject": _("Social-safety evidence rejected by the desk"),
}
