"""Messaging gateways, chosen by settings.MESSAGING_GATEWAY:

- "console": writes each message to the log (the embedded default; nothing leaves the machine);
- "http": a generic HTTP SMS/WhatsApp provider adapter — a URL, an auth header and a payload
  template are all most Indonesian providers need;
- or the dotted path of a class with the same `send(message)`.

A gateway answers a send with a SendResult, or raises TransientSendError (the provider is down,
slow or busy: try again later) or PermanentSendError (it refused this message: retrying will not help).
"""

import json
import logging
import re
import urllib.parse
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from dispatch112.outbox import PermanentSendError, SendError, TransientSendError, http_post  # noqa: F401 — part of this module's interface

logger = logging.getLogger("volunteers.messaging")

PLACEHOLDERS = ("to", "to_local", "body", "channel", "message_id", "key")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
FORM = "application/x-www-form-urlencoded"


@dataclass
class SendResult:
    provider_id: str = ""
    detail: dict = field(default_factory=dict)


class Gateway:
    name = "gateway"

    def send(self, message):
        raise NotImplementedError


class ConsoleGateway(Gateway):
    """Writes the message to the log. The coordinators' outbox page shows it, link included."""

    name = "console"

    def send(self, message):
        logger.info("%s to %s (message %s): %s", message.channel.upper(), message.recipient, message.pk, message.body)
        return SendResult(provider_id=f"console-{message.pk}")


def placeholder_values(message):
    local = "0" + message.recipient[3:] if message.recipient.startswith("+62") else message.recipient
    return {
        "to": message.recipient,
        "to_local": local,
        "body": message.body,
        "channel": message.channel,
        "message_id": str(message.pk),
        # Sent with every attempt of one message: a provider that honours it drops a repeat that
        # follows a lost answer (a timeout after the provider had accepted).
        "key": f"d112-msg-{message.pk}",
    }


def _fill(text, values):
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)] if m.group(1) in values else m.group(0), text)


def _fill_json(node, values):
    if isinstance(node, str):
        return _fill(node, values)
    if isinstance(node, list):
        return [_fill_json(item, values) for item in node]
    if isinstance(node, dict):
        return {_fill(key, values): _fill_json(value, values) for key, value in node.items()}
    return node


def template_problems(template, content_type):
    """What is wrong with a payload template, as sentences (empty if it is usable)."""
    problems = []
    if content_type.split(";")[0].strip() == FORM:
        text = template
    else:
        try:
            text = json.dumps(json.loads(template))
        except ValueError as error:
            return [f"MESSAGING_HTTP_PAYLOAD_TEMPLATE is not valid JSON: {error}"]
    unknown = sorted({m for m in _PLACEHOLDER.findall(text)} - set(PLACEHOLDERS))
    if unknown:
        problems.append(f"MESSAGING_HTTP_PAYLOAD_TEMPLATE has unknown placeholder(s) {unknown}; known: {list(PLACEHOLDERS)}")
    if "{body}" not in text or "{to" not in text:
        problems.append("MESSAGING_HTTP_PAYLOAD_TEMPLATE must contain {body} and {to} (or {to_local}).")
    return problems


class HttpGateway(Gateway):
    """POSTs each message to a provider's HTTP API.

    The payload is the template with {to}, {to_local}, {body}, {channel}, {message_id} and {key}
    filled in: in a JSON template only inside string values (so a message can never break the JSON),
    in a form template (application/x-www-form-urlencoded) only in the values.
    """

    name = "http"

    def __init__(self, *, url, payload_template, content_type="application/json", auth_header="", timeout=10, provider_id_field="id"):
        if not url:
            raise ImproperlyConfigured("MESSAGING_GATEWAY=http needs MESSAGING_HTTP_URL.")
        problems = template_problems(payload_template, content_type)
        if problems:
            raise ImproperlyConfigured(" ".join(problems))
        self.url = url
        self.payload_template = payload_template
        self.content_type = content_type
        self.auth_header = parse_auth_header(auth_header)
        self.timeout = timeout
        self.provider_id_field = provider_id_field

    @classmethod
    def from_settings(cls):
        return cls(
            url=settings.MESSAGING_HTTP_URL,
            payload_template=settings.MESSAGING_HTTP_PAYLOAD_TEMPLATE,
            content_type=settings.MESSAGING_HTTP_CONTENT_TYPE,
            auth_header=settings.MESSAGING_HTTP_AUTH_HEADER,
            timeout=settings.MESSAGING_HTTP_TIMEOUT_SECONDS,
            provider_id_field=settings.MESSAGING_HTTP_PROVIDER_ID_FIELD,
        )

    def build(self, message):
        """(body bytes, headers) for one message."""
        values = placeholder_values(message)
        if self.content_type.split(";")[0].strip() == FORM:
            pairs = urllib.parse.parse_qsl(self.payload_template, keep_blank_values=True)
            body = urllib.parse.urlencode([(key, _fill(value, values)) for key, value in pairs]).encode("ascii")
        else:
            body = json.dumps(_fill_json(json.loads(self.payload_template), values), ensure_ascii=False).encode("utf-8")
        headers = {
            "Content-Type": self.content_type if "charset" in self.content_type or self.content_type.split(";")[0].strip() == FORM else f"{self.content_type}; charset=utf-8",
            "Accept": "application/json",
            "User-Agent": "Dispatch112-outbox/1",
            "Idempotency-Key": values["key"],
        }
        if self.auth_header:
            headers[self.auth_header[0]] = self.auth_header[1]
        return body, headers

    def send(self, message):
        body, headers = self.build(message)
        status, raw = http_post(self.url, body, headers, timeout=self.timeout, peer="provider")
        return SendResult(provider_id=_provider_id(raw, self.provider_id_field), detail={"status": status})


def parse_auth_header(text):
    """'Authorization: Bearer abc' → ("Authorization", "Bearer abc"); '' → None."""
    text = (text or "").strip()
    if not text:
        return None
    name, sep, value = text.partition(":")
    if not sep or not re.fullmatch(r"[A-Za-z0-9-]+", name.strip()):
        raise ImproperlyConfigured("MESSAGING_HTTP_AUTH_HEADER must look like 'Authorization: Bearer <token>'.")
    return name.strip(), value.strip()


def _provider_id(raw, path):
    if not path:
        return ""
    try:
        node = json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return ""
    for part in path.split("."):
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return ""
    return "" if node is None or isinstance(node, (dict, list)) else str(node)[:120]


def get_gateway(name=None):
    name = name or settings.MESSAGING_GATEWAY
    if name == "console":
        return ConsoleGateway()
    if name == "http":
        return HttpGateway.from_settings()
    try:
        gateway_class = import_string(name)
    except ImportError as error:
        raise ImproperlyConfigured(f"MESSAGING_GATEWAY={name!r}: use 'console', 'http' or the dotted path of a gateway class ({error}).") from None
    return gateway_class()
