import json

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponseBadRequest, JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.translation import gettext as _


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


NUL = "\x00"


def _nul_in_json(value, path=""):
    """The path ("messages[0].text") of the first string in a parsed JSON document with a NUL."""
    if isinstance(value, str):
        return (path or "body") if NUL in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if NUL in str(key):
                return where
            found = _nul_in_json(item, where)
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _nul_in_json(item, f"{path}[{index}]" if path else f"[{index}]")
            if found:
                return found
    return None


def nul_field(request):
    """Where a request carries a NUL character, or None: the path, a header, a query parameter, a
    form field, a string in a JSON body, or the body of another text type."""
    if NUL in request.path:
        return "path"
    for key, value in request.META.items():
        if key.startswith("HTTP_") and NUL in str(value):
            return key.removeprefix("HTTP_").replace("_", "-").title()
    for key, values in request.GET.lists():
        if NUL in key or any(NUL in v for v in values):
            return key.replace(NUL, "\\x00")
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    content_type = request.content_type or ""
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        # Uploaded files may be binary: only the form fields are text.
        for key, values in request.POST.lists():
            if NUL in key or any(NUL in v for v in values):
                return key.replace(NUL, "\\x00")
        return None
    try:
        body = request.body
    except RequestDataTooBig:
        return None  # not read here: the view's own limit answers it, as it did before this check
    if b"\x00" not in body and b"\\u0000" not in body:
        return None
    if content_type.endswith("json"):
        try:
            document = json.loads(body)
        except ValueError:
            return "body" if b"\x00" in body else None  # malformed JSON: the parser's 400 says so
        return _nul_in_json(document)
    return "body" if b"\x00" in body else None


class RejectNulMiddleware:
    """A NUL character anywhere in a request is a 400 that names where it was.

    PostgreSQL cannot store NUL in text (nor compare a text column with it), so a NUL that reached a
    query or a save was a 500; Django's and DRF's form fields refuse it, but headers (Idempotency-Key,
    User-Agent that django-axes records), query filters, admin searches, URL paths and webhook bodies
    that are parsed by hand are not form fields. One check at the door covers them all.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        field = nul_field(request)
        if field is None:
            return self.get_response(request)
        message = _("Contains control characters (such as a null byte) that are not allowed.")
        if request.path.startswith("/api/"):
            body = {"detail": f"{field}: {message}", "code": "invalid", "fields": {field: [message]}}
            return JsonResponse(body, status=400)
        return HttpResponseBadRequest(f"{field}: {message}", content_type="text/plain; charset=utf-8")
