"""A fixed-window rate limit per client address, kept in the Django cache.

Honest users never notice it; a burst from one address gets a friendly 429 page and nothing is
stored. The counter lives in the shared cache (Redis in production) so all web processes count
together.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def client_address(request: HttpRequest) -> str:
    """The client's address, trusting X-Forwarded-For only as far as configured proxies go."""
    proxies = settings.SPORTLOKET_TRUSTED_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [h.strip() for h in forwarded.split(",") if h.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR", "unknown")


def hit(bucket: str, key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one hit; return True while the caller is within ``limit`` for this window."""
    window = int(time.time() // window_seconds)
    cache_key = f"rl:{bucket}:{key}:{window}"
    try:
        cache.add(cache_key, 0, timeout=window_seconds + 5)
        count = cache.incr(cache_key)
    except Exception:  # noqa: BLE001 - a broken cache must not take the public forms down
        return True
    return count <= limit


def too_many_requests(request: HttpRequest) -> HttpResponse:
    return render(request, "429.html", status=429)


def ratelimit_post(
    bucket: str, *, limit: int | None = None, window_seconds: int = 3600
) -> Callable:
    """Decorate a view: POSTs beyond ``limit`` per client address and window get a 429."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs):
            if request.method == "POST":
                allowed = hit(
                    bucket,
                    client_address(request),
                    limit=limit or settings.SPORTLOKET_PUBLIC_FORM_RATE,
                    window_seconds=window_seconds,
                )
                if not allowed:
                    return too_many_requests(request)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
