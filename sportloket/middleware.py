import time

from django.conf import settings
from django.contrib.auth import logout
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


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


def session_started(sender, request, user, **kwargs) -> None:
    """On login: the session's clock starts (connected in SportloketConfig.ready)."""
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session["_sl_started"] = now
        request.session["_sl_seen"] = now
