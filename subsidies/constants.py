from django.db import models
from django.utils.translation import gettext_lazy as _


class BudgetKind(models.TextChoices):
    """Seed 002: a desk has a say over these three kinds of money."""

    EXECUTION = "execution", _("Execution budget for support activities")
    SERVICES = "services", _("Services budget")
    OTHER = "other", _("Other funds for support")


class Decision(models.TextChoices):
    GRANTED = "granted", _("Granted")
    REJECTED = "rejected", _("Rejected")


class ShareChannel(models.TextChoices):
    MANUAL = "manual", _("Shared by staff")
    DIGEST = "digest", _("Periodic digest")


# Providers have no themes of their own. Theme matching derives them from what a provider is
# (docs/ontwikkelaars/apps.md): every provider works on being a vital provider; serving any
# target group other than youth counts as inclusion work; serving youth as "vaardig in
# bewegen"; a provider with a social-safety basic not yet met fits social-safety schemes.
# "Ruimte voor sport en bewegen" and "Maatschappelijke waarde van topsport" are not derived.
THEME_VITAL = "vitale-sportaanbieders"
THEME_INCLUSION = "inclusie-diversiteit"
THEME_SKILLS = "vaardig-in-bewegen"
THEME_SAFETY = "sociaal-veilige-sport"
YOUTH_TARGET_GROUP = "jeugd"
