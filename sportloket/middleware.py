import time

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.cache import add_never_cache_headers, patch_vary_headers

# Browser features the app never uses, switched off for every page and every frame (it embeds
# none): a script that slipped in still cannot reach the camera, the location or a payment.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "bluetooth",
        "camera",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
)

# Content types that are downloads (exports, calendar files, PDFs, personal-data JSON).
DOWNLOAD_TYPES = {
    "application/json",
    "application/octet-stream",
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "text/calendar",
    "text/csv",
}
# URL arguments that are secrets: whoever holds the URL sees the page.
SECRET_URL_ARGUMENTS = {"token", "uidb64"}


class DutchFirstLocaleMiddleware(LocaleMiddleware):
    """Dutch unless the user picked another language with the language switch (cookie).

    Django's LocaleMiddleware follows the browser's Accept-Language, which would show municipal
    staff with an English browser an English interface; the product is Dutch first.
    """

    def process_request(self, request) -> None:
        code = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if code not in dict(settings.LANGUAGES):
            code = settings.LANGUAGE_CODE
        translation.activate(code)
        request.LANGUAGE_CODE = translation.get_language()


class SessionTimeoutMiddleware:
    """Log a user out after an idle period and after an absolute session lifetime.

    The session keeps when it started and when it was last used; "last used" is written at
    most once a minute, so an active user does not cause a session write on every request.
    """

    TOUCH_EVERY = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            session = request.session
            started = session.setdefault("_sl_started", now)
            last_seen = session.get("_sl_seen", now)
            if (
                now - last_seen > settings.SPORTLOKET_SESSION_IDLE_SECONDS
                or now - started > settings.SPORTLOKET_SESSION_ABSOLUTE_SECONDS
            ):
                logout(request)
            elif now - last_seen >= self.TOUCH_EVERY or "_sl_seen" not in session:
                session["_sl_seen"] = now
        return self.get_response(request)


def session_time_left(session, now: int | None = None) -> tuple[int, int]:
    """(seconds until the idle logout, seconds until the absolute end) of a logged-in session,
    as SessionTimeoutMiddleware will judge them; the page's session warning counts down from
    these."""
    now = int(time.time()) if now is None else now
    idle_left = settings.SPORTLOKET_SESSION_IDLE_SECONDS - (now - session.get("_sl_seen", now))
    absolute_left = settings.SPORTLOKET_SESSION_ABSOLUTE_SECONDS - (
        now - session.get("_sl_started", now)
    )
    return max(0, idle_left), max(0, absolute_left)


def session_extend(session) -> tuple[int, int]:
    """Count the session as used now (the "stay logged in" button): the idle time starts again;
    the absolute lifetime does not move. Returns ``session_time_left`` after the extension."""
    now = int(time.time())
    session["_sl_seen"] = now
    return session_time_left(session, now)


def session_started(sender, request, user, **kwargs) -> None:
    """On login: the session's clock starts (connected in SportloketConfig.ready)."""
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session["_sl_started"] = now
        request.session["_sl_seen"] = now


def must_not_be_stored(request: HttpRequest, response: HttpResponse) -> bool:
    """The rule for ``Cache-Control: no-store``: nothing that may hold personal data stays in
    a browser cache, a shared computer's history or a proxy. That is every response to a
    logged-in user (staff pages are about people), every download (attachment or a download
    content type), every page whose URL carries a secret token (the requester's status page,
    confirmation, unsubscribe and password-reset links) and every answer to anything but
    GET/HEAD (a refused form shows back what was typed). What remains are the public pages
    anyone gets alike (forms, privacy statement, static files)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return True
    if response.has_header("Content-Disposition"):
        return True
    content_type = response.get("Content-Type", "").split(";")[0].strip().lower()
    if content_type in DOWNLOAD_TYPES:
        return True
    match = request.resolver_match
    if match is not None and SECRET_URL_ARGUMENTS.intersection(match.kwargs):
        return True
    return request.method not in ("GET", "HEAD")


class ResponseHeadersMiddleware:
    """``Permissions-Policy`` on every response and ``Cache-Control: no-store`` (with
    ``Pragma: no-cache`` for old proxies) where ``must_not_be_stored`` says so. It sits just
    inside SecurityMiddleware, so that static files, 429 and lockout pages and CSRF refusals
    pass it too.

    ``Vary: HX-Request`` on every response: a view may answer an htmx request with a fragment
    and the same URL without it with the whole page (sportloket.formviews and the list pages
    do), so no cache may hand one for the other. Setting it everywhere, rather than in each
    view that branches, means a new view cannot forget it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response["Permissions-Policy"] = PERMISSIONS_POLICY
        patch_vary_headers(response, ("HX-Request",))
        if must_not_be_stored(request, response):
            add_never_cache_headers(response)
            response["Pragma"] = "no-cache"
        return response
