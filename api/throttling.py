"""The project's rate limiter (sportloket.ratelimit) applied to the API: the same counters in
the shared cache, the same limits, a logged-in caller counted per account and an anonymous
one per address. A view says which kind of limit applies (``throttle_kind``, default
"search": the staff lists' limit)."""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import BaseThrottle

from sportloket.ratelimit import KINDS, client_address, hit, seconds_left


class ProjectRateThrottle(BaseThrottle):
    def allow_request(self, request, view) -> bool:
        kind = getattr(view, "throttle_kind", "search")
        setting, self.window_seconds, _methods = KINDS[kind]
        user = request.user
        key = f"user:{user.pk}" if user and user.is_authenticated else client_address(request)
        return hit(
            f"api:{kind}", key, limit=getattr(settings, setting), window_seconds=self.window_seconds
        )

    def wait(self) -> float:
        return seconds_left(self.window_seconds)
