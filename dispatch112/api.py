"""What every API view shares: one error format, optimistic-locking versions, idempotent POSTs.

Errors are JSON: {"detail": "<what went wrong>", "code": "<machine code>", "fields": {"<field>": ["<message>"]}}
— `fields` names each bad field; a 409 also carries `current`, the object as it is now.
"""

import functools
import hashlib
import json
import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from dispatch112.errors import ConflictError
from dispatch112.models import IdempotencyRecord

logger = logging.getLogger(__name__)
IDEMPOTENCY_HEADER = "HTTP_IDEMPOTENCY_KEY"
MAX_IDEMPOTENCY_KEY = 128


def _flatten(detail):
    if isinstance(detail, dict):
        return {str(k): _flatten(v) for k, v in detail.items()}
    if isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            return [str(item) for item in detail]
        return [_flatten(item) for item in detail]
    return [str(detail)]


def _summary(fields):
    parts = []
    for name, messages in fields.items():
        first = messages[0] if isinstance(messages, list) and messages else messages
        if isinstance(first, dict):
            first = next(iter(_summary(first).split("; ")), "")
        parts.append(f"{name}: {first}")
    return "; ".join(parts)


# Seconds a client is asked to wait before retrying after the database went away.
RETRY_AFTER_SECONDS = 2


def database_unavailable_response():
    """A lost or refused database connection (the server was restarted, a failover, the connection
    was killed, a deadlock): the transaction was rolled back, nothing of the request was written,
    and the same request may simply be sent again."""
    body = {
        "detail": _("The database is not available at the moment; nothing was saved. Try again in a few seconds."),
        "code": "database_unavailable",
        "fields": {},
    }
    response = JsonResponse(body, status=status.HTTP_503_SERVICE_UNAVAILABLE)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error(request):
    """handler500: the API answers JSON in its one error format; pages keep Django's plain page
    (no template: rendering the layout could need the very database or cache that just failed)."""
    if request.path.startswith("/api/"):
        body = {"detail": _("An unexpected error occurred on the server; it has been logged."), "code": "server_error", "fields": {}}
        return JsonResponse(body, status=status.HTTP_500_INTERNAL_SERVER_ERROR)
    from django.views.defaults import server_error as page_server_error

    return page_server_error(request)


def exception_handler(exc, context):
    if isinstance(exc, (OperationalError, InterfaceError)):
        logger.warning("database unavailable during %s: %s", getattr(context.get("request"), "path", "?"), exc)
        return database_unavailable_response()
    if isinstance(exc, DjangoValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(fields)
    elif isinstance(exc, ConflictError):
        body = {"detail": str(exc.message), "code": exc.code, "fields": {}}
        if exc.current is not None and context.get("view") is not None and hasattr(context["view"], "represent_current"):
            body["current"] = context["view"].represent_current(exc.current)
        return Response(body, status=status.HTTP_409_CONFLICT)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(_("Not found."))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail})
        response.data = {"detail": _summary(fields), "code": "invalid", "fields": fields}
    elif isinstance(exc, exceptions.ParseError):
        response.data = {"detail": _("Malformed request body: %(error)s") % {"error": exc.detail}, "code": "parse_error", "fields": {"body": [str(exc.detail)]}}
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        response.data = {"detail": str(detail), "code": code if isinstance(code, str) else "error", "fields": {}}
    return response


def requested_version(request):
    """The version the client saw: body `version`, or an If-Match header (ETag "3" or W/"3")."""
    header = request.headers.get("If-Match")
    body_version = request.data.get("version") if hasattr(request.data, "get") else None
    if body_version not in (None, ""):
        return body_version
    if header:
        value = header.strip().removeprefix("W/").strip('"')
        if not value.isdigit():
            raise exceptions.ValidationError({"If-Match": [_("Must be the incident's version, e.g. \"3\".")]})
        return int(value)
    return None


def idempotent(view_method):
    """A POST retried with the same Idempotency-Key gets the first answer and changes nothing.

    The record is inserted inside the same transaction as the change: a concurrent retry waits on
    the unique index until the first commits, then finds its stored answer. A failed request rolls
    back its record, so it may be retried.
    """

    @functools.wraps(view_method)
    def wrapper(self, request, *args, **kwargs):
        key = request.META.get(IDEMPOTENCY_HEADER, "").strip()
        if not key:
            return view_method(self, request, *args, **kwargs)
        if len(key) > MAX_IDEMPOTENCY_KEY:
            raise exceptions.ValidationError({"Idempotency-Key": [_("At most %(n)d characters.") % {"n": MAX_IDEMPOTENCY_KEY}]})
        request_hash = _request_hash(request)
        replay = _replay(request, key, request_hash)
        if replay is not None:
            return replay
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(user=request.user, key=key, path=request.path, request_hash=request_hash)
                response = view_method(self, request, *args, **kwargs)
                if response.status_code >= 400:
                    transaction.set_rollback(True)
                    return response
                record.status_code = response.status_code
                record.response = response.data
                record.save(update_fields=["status_code", "response"])
                return response
        except IntegrityError:
            replay = _replay(request, key, request_hash)
            if replay is None:
                raise
            return replay

    return wrapper


def _request_hash(request):
    """The request's content, independent of how the client spelled it (key order, spacing)."""
    data = request.data
    if hasattr(data, "lists"):  # a form or multipart body: every value of every field
        data = {name: values for name, values in data.lists()}
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay(request, key, request_hash):
    record = IdempotencyRecord.objects.filter(user=request.user, key=key).first()
    if record is None:
        return None
    if record.path != request.path:
        raise ConflictError(_("This Idempotency-Key was already used for another request."), code="idempotency_key_reused")
    if record.request_hash and record.request_hash != request_hash:
        # A record exists only for a request that succeeded (a failure rolls its record back): the
        # client lost that answer and sent an edited body under the same key. What was done is
        # said, so the client can show it instead of doing it twice.
        return Response(
            {
                "detail": _("This Idempotency-Key was already used with a different request body; use a new key for a new request."),
                "code": "idempotency_key_mismatch",
                "fields": {"Idempotency-Key": [_("Already used with a different body.")]},
                "original": {"status": record.status_code, "body": record.response},
            },
            status=status.HTTP_422_UNPROCESSABLE_ENTITY,
        )
    response = Response(record.response, status=record.status_code)
    response["Idempotent-Replayed"] = "true"
    return response
