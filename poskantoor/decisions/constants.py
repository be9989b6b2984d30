"""Choices of the joint decision."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DecisionSide(models.TextChoices):
    """The two parties of "Deze lokale kerngroep en POS besluiten gezamenlijk" (seed 000 §6
    stap 3): POS, and the municipality/sportbedrijf that convenes the core group."""

    POS = "pos", _("POS")
    MUNICIPALITY = "municipality", _("Municipality / sportbedrijf")


class ProposalStatus(models.TextChoices):
    OPEN = "open", _("Awaiting the other side")
    CONFIRMED = "confirmed", _("Confirmed by both sides")
    OBJECTED = "objected", _("Objected by the other side")


# Short names of the basic conditions (``selectors.basic_conditions`` keys), for the decision
# record, the dashboard and the CSV.
CONDITION_NAMES = {
    "support": _("support base"),
    "mapped": _("entrepreneurs mapped"),
    "professional": _("professional commitment"),
    "entrepreneurs": _("entrepreneurs' investment"),
}


def condition_names(keys) -> str:
    """The short names of basic condition keys, comma separated, in the active language."""
    return ", ".join(str(CONDITION_NAMES.get(key, key)) for key in keys)
