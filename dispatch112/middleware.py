from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class ConsoleLocaleMiddleware(LocaleMiddleware):
    """Bahasa Indonesia unless the user chose otherwise with the language switch.

    Control-room browsers are often installed in English; the browser's Accept-Language must not
    switch an operator's console. Machine clients of the API may still ask with Accept-Language.
    """

    def process_request(self, request):
        if request.path.startswith("/api/"):
            return super().process_request(request)
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = dict(settings.LANGUAGES)
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
