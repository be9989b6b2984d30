"""Reads of sport providers."""

from django.db.models import Q

from .constants import BASIC_REQUIREMENTS, SafetyStatus


def eligible_q(prefix: str = "") -> Q:
    """Seed 003's eligibility rule as a filter: none of the four basic requirements is
    "not met". Same rule as ``Provider.is_eligible``; ``prefix`` for a relation, e.g.
    ``eligible_q("provider__")``."""
    return Q(
        **{
            f"{prefix}{p}_status__in": [SafetyStatus.MET, SafetyStatus.IN_PROGRESS]
            for p in BASIC_REQUIREMENTS
        }
    )
