"""The personal link in an activation message: signed, expiring, bound to one activation, no login.

The value signed is "<activation id in base62>.<the activation's nonce>", with a timestamp
(django.core.signing.TimestampSigner). The signature is HMAC-SHA256 cut to 22 base64 characters
(132 bits): the whole link must fit one SMS beside the incident, and a truncated HMAC of that length
is far beyond guessing for a link that works a few hours (RFC 2104 §5 allows truncation to half the
hash or more; 132 of 256 bits).
"""

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.crypto import get_random_string

SALT = "volunteers.activation-link"
SIGNATURE_LENGTH = 22
NONCE_LENGTH = 8


class ShortTimestampSigner(signing.TimestampSigner):
    def signature(self, value, key=None):
        return super().signature(value, key)[:SIGNATURE_LENGTH]


def _signer():
    return ShortTimestampSigner(salt=SALT)


def new_nonce():
    return get_random_string(NONCE_LENGTH)


def make_token(activation):
    return _signer().sign(f"{signing.b62_encode(activation.pk)}.{activation.token_nonce}")


def link_path(activation):
    return reverse("volunteer-link", kwargs={"token": make_token(activation)})


def link_url(activation, base=""):
    base = (settings.VOLUNTEER_LINK_BASE_URL or base or "").rstrip("/")
    return base + link_path(activation)


class LinkProblem(Exception):
    code = "invalid"


class LinkTampered(LinkProblem):
    code = "tampered"


class LinkExpired(LinkProblem):
    code = "expired"


@dataclass(frozen=True)
class LinkClaim:
    activation_id: int
    nonce: str


def read_token(token):
    """The activation a token names. Raises LinkExpired or LinkTampered; says nothing about whether
    the activation still exists or still matches (the caller checks the nonce)."""
    max_age = settings.VOLUNTEER_LINK_MAX_AGE_HOURS * 3600
    try:
        value = _signer().unsign(token, max_age=max_age)
    except signing.SignatureExpired as error:
        raise LinkExpired(str(error)) from None
    except signing.BadSignature as error:
        raise LinkTampered(str(error)) from None
    encoded_id, _sep, nonce = value.partition(".")
    try:
        activation_id = signing.b62_decode(encoded_id)
    except (ValueError, KeyError):
        raise LinkTampered("bad activation id") from None
    return LinkClaim(activation_id, nonce)
