"""The visitor's language: from their explicit choice (the language cookie) only, Indonesian
unless they switched (portal.middleware.CookieLanguageMiddleware says why). Read here without
Django's middleware, so the page cache can pick the copy before any middleware runs."""

from django.conf import settings


def cookie_language(request) -> str:
    language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if language not in {code for code, _name in settings.LANGUAGES}:
        return settings.LANGUAGE_CODE
    return language
