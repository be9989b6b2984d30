"""Request id and one log line per request.

First in MIDDLEWARE, so that it sees every response (static files and refusals of the inner
middleware included). The id comes from a well-formed ``X-Request-ID`` header (a proxy's) or is
made here; it is returned in the response header, set on every log line of the request and
passed on to the tasks the request enqueues (``sportloket.observability``).

The line names the URL pattern, never the path: paths such as ``/hulpvraag/volg/<token>/``
hold secrets, and query strings are not logged at all.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from .observability import REQUEST_ID, request_id_or_new

logger = logging.getLogger("sportloket.request")

UNMATCHED = "(unmatched)"


def route_of(request: HttpRequest) -> str:
    """The URL pattern that served ``request`` (``/hulpvraag/volg/<str:token>/``)."""
    match = getattr(request, "resolver_match", None)
    if match is not None and match.route:
        return "/" + match.route.lstrip("^").rstrip("$")
    if request.path.startswith(settings.STATIC_URL):
        return request.path
    return UNMATCHED


class RequestLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_or_new(request.headers.get("X-Request-ID"))
        request.request_id = request_id
        token = REQUEST_ID.set(request_id)
        start = time.monotonic()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            duration_ms = round((time.monotonic() - start) * 1000, 1)
            user = getattr(request, "user", None)
            user_id = user.pk if user is not None and user.is_authenticated else None
            route = route_of(request)
            match = getattr(request, "resolver_match", None)
            logger.info(
                "%s %s %s %sms",
                request.method,
                route,
                response.status_code,
                duration_ms,
                extra={
                    "method": request.method,
                    "path": route,
                    "route_name": match.view_name if match is not None else None,
                    "status": response.status_code,
                    "duration_ms": duration_ms,
                    "user_id": user_id,
                },
            )
            return response
        finally:
            REQUEST_ID.reset(token)
