from django.conf import settings
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
