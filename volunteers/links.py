"""The personal link in an activation message: signed, expiring, bound to one activation, no login.

The value signed is "<activation id in base62>.<the activation's nonce>", with a timestamp
(django.core.signing.TimestampSigner, salted for this use). The signature is HMAC-SHA256 cut to 16
base64 characters (96 bits): the whole link must fit one SMS beside the incident, and 96 bits of
HMAC (as in HMAC-SHA1-96 of IPsec; RFC 2104 §5) are far beyond guessing for a link that works a
few hours and is checked online, one request at a time.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.crypto import get_random_string

from dispatch112 import clock

SALT = "volunteers.activation-link"
SIGNATURE_LENGTH = 16
NONCE_LENGTH = 6


class ShortTimestampSigner(signing.TimestampSigner):
    """TimestampSigner with a shorter signature, on the services' clock (dispatch112.clock), so
    that a link's age is measured on the same time line as the activation it belongs to."""

    def signature(self, value, key=None):
        return super().signature(value, key)[:SIGNATURE_LENGTH]

    def timestamp(self):
        return signing.b62_encode(int(clock.now().timestamp()))

    def unsign(self, value, max_age=None):
        result = signing.Signer.unsign(self, value)
        value, timestamp = result.rsplit(self.sep, 1)
        try:
            timestamp = signing.b62_decode(timestamp)
        except ValueError:
            raise signing.BadSignature("bad timestamp") from None
        if max_age is not None:
            age = clock.now().timestamp() - timestamp
            if age > max_age:
                raise signing.SignatureExpired(f"Signature age {age} > {max_age} seconds")
        return value


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
