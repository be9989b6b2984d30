"""Roles as the pages have them: a view lists the roles that may read (``read_roles``) and
write (``write_roles``); administrators may do everything, as on the pages. Row scoping is
the selectors' (404), never this layer's."""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission

from sportloket.constants import Role
from sportloket.permissions import STAFF_ROLES
from sportloket.selectors import user_scope


class HasRole(BasePermission):
    def has_permission(self, request, view) -> bool:
        if getattr(view, "public", False):
            return True
        if not request.user or not request.user.is_authenticated:
            return False
        role = user_scope(request.user).role
        if role is None:
            return False
        if role == Role.ADMINISTRATOR:
            return True
        if request.method in SAFE_METHODS:
            roles = getattr(view, "read_roles", STAFF_ROLES)
        else:
            roles = getattr(view, "write_roles", ())
        return role in roles
