"""States and limits of the portal's social-safety evidence."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SafetyClaimState(models.TextChoices):
    """A provider's claim that it meets one of the social-safety basics, as the desk sees it:
    submitted "to be checked", then confirmed or rejected (with a reason) by the desk."""

    PENDING = "pending", _("To be checked")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected")


# An evidence file is refused above this size (a scan or a photo of a certificate fits easily).
EVIDENCE_MAX_BYTES = 5 * 1024 * 1024
# What an evidence file may be: the type read from its first bytes -> the suffixes its name may
# have, the suffix it is stored under and the content type it is served with.
EVIDENCE_TYPES = {
    "pdf": ((".pdf",), ".pdf", "application/pdf"),
    "png": ((".png",), ".png", "image/png"),
    "jpeg": ((".jpg", ".jpeg"), ".jpg", "image/jpeg"),
}
# Images are also opened to check that they are what they say; a picture larger than this
# (in pixels) is refused before it is decoded (a "decompression bomb").
EVIDENCE_MAX_PIXELS = 40_000_000
