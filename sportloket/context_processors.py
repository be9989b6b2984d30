from .selectors import user_scope


def staff(request) -> dict:
    """Expose the user's role to templates (for navigation only; never for access control)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"user_role": None}
    return {"user_role": user_scope(user).role}
