"""A fixed-window rate limit per client address, kept in the Django cache.

Honest users never notice it; a burst from one address gets a friendly 429 page and nothing is
stored. The counter lives in the shared cache (Redis in production) so all web processes count
together.
"""

from __future__ import annotations

import functools
import ipaddress
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .services import CircuitBreaker

# With the cache (Redis) hung, stop asking it for 30 s after a failure: forms stay fast.
CACHE_BREAKER = CircuitBreaker(30)


def client_address(request: HttpRequest) -> str:
    """The client's address as limits count it: X-Forwarded-For is trusted only as far as the
    configured proxies go, and an IPv6 client is its /64 (see ``normalise_address``)."""
    proxies = settings.SPORTLOKET_TRUSTED_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    address = request.META.get("REMOTE_ADDR", "unknown")
    if proxies and forwarded:
        hops = [h.strip() for h in forwarded.split(",") if h.strip()]
        if len(hops) >= proxies:
            address = hops[-proxies]
    return normalise_address(address)


def normalise_address(address: str) -> str:
    """One key per client network. An IPv6 subscriber gets a whole /64 (and often more): an
    attacker rotating addresses inside it is still one client, so IPv6 addresses become the
    network address of their /64. IPv4 stays as it is, an IPv4-mapped IPv6 address becomes
    its IPv4 address, anything that is not an address is kept (bounded) as text."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return address[:64]
    if ip.version == 6 and ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False).network_address)
    return str(ip)


def login_address(request: HttpRequest) -> str | None:
    """The client address for django-axes: a valid IP address (an IPv6 client as its /64's
    network address, like the rate limits) or None (axes stores it in an inet column on
    PostgreSQL; a test client or a garbled proxy header has none)."""
    address = client_address(request)
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def login_username(request: HttpRequest, credentials: dict | None = None) -> str:
    """The username for django-axes, as the login form would accept it: at most 150
    characters and no NUL (axes keeps it in a varchar(255); PostgreSQL refuses NUL)."""
    source = credentials if credentials else getattr(request, "POST", {})
    username = str(source.get("username") or "")
    return username.replace("\0", "")[:150]


def hit(bucket: str, key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one hit; return True while the caller is within ``limit`` for this window."""
    if CACHE_BREAKER.is_open():
        return True
    window = int(time.time() // window_seconds)
    cache_key = f"rl:{bucket}:{key}:{window}"
    try:
        cache.add(cache_key, 0, timeout=window_seconds + 5)
        count = cache.incr(cache_key)
    except Exception:  # noqa: BLE001 - a broken cache must not take the public forms down
        CACHE_BREAKER.trip()
        return True
    return count <= limit


def too_many_requests(request: HttpRequest) -> HttpResponse:
    return render(request, "429.html", status=429)


SEARCH = ("SPORTLOKET_SEARCH_RATE", 600, ("GET",))
EXPORT = ("SPORTLOKET_EXPORT_RATE", 3600, ("GET", "POST"))
LOGIN = ("SPORTLOKET_LOGIN_RATE", 900, ("POST",))

# Views limited by name (URL name -> (setting with the limit, window in seconds, methods)).
# Public forms carry @ratelimit_post themselves; here are login, password reset, staff search
# and list pages, and every export. tests/hardening/test_security.py checks that every export
# route is listed, and that every download reached through a query string is limited.
LIMITED_VIEWS: dict[str, tuple[str, int, tuple[str, ...]]] = {
    "login": LOGIN,
    # Django's admin login checks the same passwords: it counts in the staff login's bucket
    # (SHARED_BUCKETS), so switching forms buys an attacker nothing.
    "admin:login": LOGIN,
    "password_reset": ("SPORTLOKET_PUBLIC_FORM_RATE", 3600, ("POST",)),
    # The confirmation links of the public forms: the signed token is the gate, the limit
    # keeps a flood of POSTs from one address off the database.
    "providers:confirm": ("SPORTLOKET_PUBLIC_FORM_RATE", 3600, ("POST",)),
    "poskantoor:interest_confirm": ("SPORTLOKET_PUBLIC_FORM_RATE", 3600, ("POST",)),
    "otp_verify": LOGIN,
    "otp_setup": LOGIN,
    "otp_recovery_codes": LOGIN,
    "otp_replace": LOGIN,
    "providers:list": SEARCH,
    "providers:export": EXPORT,
    "providers:personal_data": EXPORT,
    "providers:import_report": EXPORT,
    "meetings:requester_export": EXPORT,
    "poskantoor:list": SEARCH,
    "meetings:board": SEARCH,
    "meetings:meeting_list": SEARCH,
    "meetings:meeting_ics": EXPORT,
    "network:network": SEARCH,
    "network:signals": SEARCH,
    "network:comparison": SEARCH,
    "network:coach_list": SEARCH,
    "poskantoor:year_plan_pdf": EXPORT,
    "reports:pos_dashboard_csv": EXPORT,
    "reports:desk_dashboard_csv": EXPORT,
    "reports:monitoring_export": EXPORT,
    "subsidies:scheme_list": SEARCH,
    "subsidies:provider_list": SEARCH,
}


# Views that count in another view's bucket (view name -> bucket).
SHARED_BUCKETS = {"admin:login": "login"}

# A page that downloads a file when asked through its query string (``?format=csv``) is an
# export like any other: a GET with one of these parameters set gets the export limit.
EXPORT_QUERY_PARAMETERS = ("format", "export", "download")


def query_export(request: HttpRequest) -> bool:
    """True for a GET that asks a page for a download through its query string."""
    return request.method == "GET" and any(request.GET.get(p) for p in EXPORT_QUERY_PARAMETERS)


def limit_for(request: HttpRequest, view_name: str) -> tuple[str, str, int] | None:
    """(bucket, setting with the limit, window in seconds) for this request, or None."""
    if query_export(request):
        return f"{view_name}:export", EXPORT[0], EXPORT[1]
    rule = LIMITED_VIEWS.get(view_name)
    if rule is not None and request.method in rule[2]:
        return SHARED_BUCKETS.get(view_name, view_name), rule[0], rule[1]
    return None


class RateLimitMiddleware:
    """Apply ``LIMITED_VIEWS`` and the query-string exports: logged-in users are counted per
    user (colleagues behind one office address do not share a budget), anonymous requests per
    address."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        limit = limit_for(request, match.view_name) if match else None
        if limit is None:
            return None
        bucket, setting, window_seconds = limit
        user = getattr(request, "user", None)
        key = f"user:{user.pk}" if user is not None and user.is_authenticated else None
        allowed = hit(
            bucket,
            key or client_address(request),
            limit=getattr(settings, setting),
            window_seconds=window_seconds,
        )
        return None if allowed else too_many_requests(request)


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
