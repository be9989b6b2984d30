"""The desk's count of portal evidence waiting for a check, for its start page."""

from django import template

from ..portal.selectors import desk_pending_claim_count

register = template.Library()


@register.simple_tag
def pending_safety_claims(user) -> int:
    """Pending evidence of the providers in the user's desk area (one COUNT); 0 without a desk."""
    profile = getattr(user, "staff_profile", None)
    if profile is None or profile.desk_id is None:
        return 0
    return desk_pending_claim_count(desk_id=profile.desk_id)
