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
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from django.utils.translation import ngettext

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
        count = _count(cache_key, timeout=window_seconds + 5)
    except Exception:  # noqa: BLE001 - a broken cache must not take the public forms down
        CACHE_BREAKER.trip()
        return True
    return count <= limit


def _count(cache_key: str, *, timeout: int) -> int:
    """Add one to the counter ``cache_key`` (made with ``timeout`` if new); the new count.

    On Redis (production) one round trip: ``SET key 0 EX timeout NX`` and ``INCR key`` in one
    pipeline, on the cache's own connection pool and key (prefix and version). Django's
    ``add`` + ``incr`` were three round trips (``incr`` asks ``EXISTS`` first), each with a new
    client object: about half a millisecond of every rate-limited page (a profile of the
    board under gunicorn). Other caches: ``add`` and ``incr``."""
    backend = caches["default"]  # ``cache`` is a proxy of this
    if isinstance(backend, RedisCache):
        key = backend.make_and_validate_key(cache_key)
        pipeline = backend._cache.get_client(key, write=True).pipeline(transaction=False)
        pipeline.set(key, 0, ex=timeout, nx=True)
        pipeline.incr(key)
        return pipeline.execute()[1]
    cache.add(cache_key, 0, timeout=timeout)
    return cache.incr(cache_key)


def seconds_left(window_seconds: int, now: float | None = None) -> int:
    """Seconds until the current fixed window ends and the count starts again (at least 1)."""
    now = time.time() if now is None else now
    return max(1, window_seconds - int(now) % window_seconds)


def wait_in_words(seconds: int) -> str:
    """How long to wait, as a person reads it: whole minutes rounded up, or whole hours."""
    minutes = max(1, -(-seconds // 60))
    if minutes % 60 == 0:
        hours = minutes // 60
        return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}
    return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}


def too_many_requests(request: HttpRequest, *, kind: str, window_seconds: int) -> HttpResponse:
    """The 429 page in the words of the page refused (``kind``: login, public_form, or any
    other limit), saying how long to wait; ``Retry-After`` says the same to programs."""
    wait = seconds_left(window_seconds)
    response = render(
        request,
        "429.html",
        {"kind": kind, "wait": wait_in_words(wait)},
        status=429,
    )
    response["Retry-After"] = str(wait)
    return response


def account_lock_seconds_left(request: HttpRequest, credentials: dict | None = None) -> int:
    """Seconds until django-axes lets this user name log in from this address again: the
    cool-off counted from the latest failure that counts (failures while locked do not move it,
    ``AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT``). Never less than 1, never more than the
    cool-off; the whole cool-off when the attempts cannot be read."""
    from axes.helpers import get_cool_off
    from axes.models import AccessAttempt

    cool_off = get_cool_off(request)
    whole = int(cool_off.total_seconds()) if cool_off else 0
    if not whole:
        return 0
    username = login_username(request, credentials)
    address = getattr(request, "axes_ip_address", None) or login_address(request)
    latest = (
        AccessAttempt.objects.filter(username=username, ip_address=address)
        .order_by("-attempt_time")
        .values_list("attempt_time", flat=True)
        .first()
    )
    if latest is None:
        return whole
    left = int((latest + cool_off - timezone.now()).total_seconds())
    return min(whole, max(1, left))


def account_locked(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict | None = None,
) -> HttpResponse:
    """django-axes' lockout page (``AXES_LOCKOUT_CALLABLE``): 429 with how long is left in
    words, and ``Retry-After`` with the same time for programs, like every other 429 here."""
    wait = account_lock_seconds_left(request, credentials)
    response = render(
        request,
        "account_locked.html",
        {"wait": wait_in_words(wait) if wait else ""},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
    if wait:
        response["Retry-After"] = str(wait)
    return response


SEARCH = ("SPORTLOKET_SEARCH_RATE", 600, ("GET",))
EXPORT = ("SPORTLOKET_EXPORT_RATE", 3600, ("GET", "POST"))
LOGIN = ("SPORTLOKET_LOGIN_RATE", 900, ("POST",))
# Logging in through the identity provider: its start and its callback are GETs that count in
# the login's bucket, so a flood of either is a flood of logins.
SSO = ("SPORTLOKET_LOGIN_RATE", 900, ("GET",))
PUBLIC_FORM = ("SPORTLOKET_PUBLIC_FORM_RATE", 3600, ("POST",))
# Calendar feeds (no login): fetches per client address per hour, high because one calendar
# service fetches the feeds of many subscribers from a few addresses.
FEED = ("SPORTLOKET_FEED_ADDRESS_RATE", 3600, ("GET",))

# The kinds a view can declare (kind -> (setting with the limit, window in seconds, methods)).
KINDS: dict[str, tuple[str, int, tuple[str, ...]]] = {
    "login": LOGIN,
    "sso": SSO,
    "public_form": PUBLIC_FORM,
    "search": SEARCH,
    "export": EXPORT,
    "feed": FEED,
}

# Each view declares its own limit, the way each app registers its part and the core only
# collects: a class-based view has ``rate_limit = "<kind>"`` (a plain class attribute, so a
# view needs no import for it), a function view is wrapped in ``rate_limited("<kind>")``. Login
# and two-step login, password reset and the public forms' confirmation links count POSTs;
# staff search and list pages GETs; every export both. tests/hardening/test_security.py checks
# that every export route declares a limit and lists the kind of every limited route.
#
# Views we do not write declare nothing, so they are named here. Django's admin login checks
# the same passwords as the staff login: it counts in the staff login's bucket
# (SHARED_BUCKETS), so switching forms buys an attacker nothing.
LIMITED_BY_NAME: dict[str, str] = {"admin:login": "login"}

# Views that count in another view's bucket (view name -> bucket).
SHARED_BUCKETS = {"admin:login": "login", "oidc_start": "login", "oidc_callback": "login"}


def rate_limited(kind: str) -> Callable:
    """Declare the rate limit of a view function or class (sets its ``rate_limit``)."""
    if kind not in KINDS:
        raise ValueError(f"unknown rate limit kind {kind!r}; known: {sorted(KINDS)}")

    def declare(view):
        view.rate_limit = kind
        return view

    return declare


def declared_kind(view_func: Callable, view_name: str) -> str | None:
    """The kind of limit a resolved view declares (its function, or the class behind
    ``as_view()``), else the one named in ``LIMITED_BY_NAME``; None when it has none. An
    unknown kind is a configuration error, not a silently unlimited view."""
    kind = getattr(view_func, "rate_limit", None)
    if kind is None:
        kind = getattr(getattr(view_func, "view_class", None), "rate_limit", None)
    if kind is None:
        kind = LIMITED_BY_NAME.get(view_name)
    if kind is not None and kind not in KINDS:
        raise ImproperlyConfigured(f"{view_name}: unknown rate limit kind {kind!r}")
    return kind


def limited_views() -> dict[str, str]:
    """Every URL name whose view declares a limit, with its kind (for checks and operators)."""
    found: dict[str, str] = {}

    def walk(resolver: URLResolver, namespace: tuple[str, ...]) -> None:
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                inner = (*namespace, pattern.namespace) if pattern.namespace else namespace
                walk(pattern, inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                name = ":".join((*namespace, pattern.name))
                kind = declared_kind(pattern.callback, name)
                if kind is not None:
                    found.setdefault(name, kind)

    walk(get_resolver(), ())
    return found


# A page that downloads a file when asked through its query string (``?format=csv``) is an
# export like any other: a GET with one of these parameters set gets the export limit.
EXPORT_QUERY_PARAMETERS = ("format", "export", "download")


def query_export(request: HttpRequest) -> bool:
    """True for a GET that asks a page for a download through its query string."""
    return request.method == "GET" and any(request.GET.get(p) for p in EXPORT_QUERY_PARAMETERS)


def limit_for(
    request: HttpRequest, view_name: str, view_func: Callable
) -> tuple[str, str, int, str] | None:
    """(bucket, setting with the limit, window in seconds, kind) for this request, or None."""
    if query_export(request):
        return f"{view_name}:export", EXPORT[0], EXPORT[1], "export"
    kind = declared_kind(view_func, view_name)
    rule = KINDS[kind] if kind is not None else None
    if rule is not None and request.method in rule[2]:
        return SHARED_BUCKETS.get(view_name, view_name), rule[0], rule[1], kind
    return None


class RateLimitMiddleware:
    """Apply the limits the views declare and the query-string exports: logged-in users are
    counted per user (colleagues behind one office address do not share a budget), anonymous
    requests per address.

    The login is anonymous, so it counts per address: a town hall puts a whole municipality
    behind one address, so that ceiling (``SPORTLOKET_LOGIN_RATE``) is high and only stops a
    flood. Guessing one account's password is stopped per account by django-axes (5 failures
    lock that user name from that address for ``AXES_COOLOFF_TIME``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        limit = limit_for(request, match.view_name, match.func) if match else None
        if limit is None:
            return None
        bucket, setting, window_seconds, kind = limit
        user = getattr(request, "user", None)
        key = f"user:{user.pk}" if user is not None and user.is_authenticated else None
        allowed = hit(
            bucket,
            key or client_address(request),
            limit=getattr(settings, setting),
            window_seconds=window_seconds,
        )
        if allowed:
            return None
        return too_many_requests(request, kind=kind, window_seconds=window_seconds)


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
                    return too_many_requests(
                        request, kind="public_form", window_seconds=window_seconds
                    )
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
