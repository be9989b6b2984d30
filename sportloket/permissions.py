"""View mixins that turn roles into 403s. Row-level scoping lives in the selectors (404s)."""

from __future__ import annotations

from typing import ClassVar

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied

from .constants import Role
from .selectors import Scope, user_scope

STAFF_ROLES = (Role.CLUB_SUPPORTER, Role.POLICY_STAFF, Role.POS_STAFF, Role.ADMINISTRATOR)


class RoleRequiredMixin(LoginRequiredMixin):
    """Anonymous users are sent to the login page; a logged-in user without the role gets 403.

    Administrators may open every staff page.
    """

    allowed_roles: ClassVar[tuple[Role, ...]] = STAFF_ROLES

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.scope: Scope = user_scope(request.user)
        if self.scope.role is None or (
            self.scope.role not in self.allowed_roles and self.scope.role != Role.ADMINISTRATOR
        ):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)
