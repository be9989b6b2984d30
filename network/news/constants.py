from django.db import models
from django.utils.translation import gettext_lazy as _


class Audience(models.TextChoices):
    NATIONAL = "national", _("All POS offices (national)")
    OFFICE = "office", _("One POS office")


class UpdateStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")


class SubscriptionSource(models.TextChoices):
    CONFIRMATION_LINK = "confirmation_link", _("Confirmed the link in the sign-up e-mail")
