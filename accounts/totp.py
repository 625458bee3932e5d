"""Time-based one-time passwords (RFC 6238, on HOTP, RFC 4226): what authenticator apps compute."""

import base64
import hashlib
import hmac
import secrets
import struct
from urllib.parse import quote, urlencode

STEP_SECONDS = 30
DIGITS = 6
SECRET_BYTES = 20  # 160 bits, RFC 4226's recommendation for HMAC-SHA1


def new_secret():
    """A random secret, base32 without padding (what the apps accept when typed in)."""
    return base64.b32encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii").rstrip("=")


def secret_bytes(secret_b32):
    cleaned = secret_b32.replace(" ", "").upper()
    return base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))


def hotp(key, counter, *, digits=DIGITS, digest=hashlib.sha1):
    mac = hmac.new(key, struct.pack(">Q", counter), digest).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


def time_step(unix_time, *, step=STEP_SECONDS):
    return int(unix_time) // step


def totp(key, unix_time, *, digits=DIGITS, digest=hashlib.sha1, step=STEP_SECONDS):
    return hotp(key, time_step(unix_time, step=step), digits=digits, digest=digest)


def matching_step(key, code, unix_time, *, window=1):
    """The time step (within ±window of now) whose code is `code`, or None. Every candidate is
    compared, in constant time, so the answer's timing does not tell which step was near."""
    found = None
    now_step = time_step(unix_time)
    for candidate in range(now_step - window, now_step + window + 1):
        if hmac.compare_digest(hotp(key, candidate), code) and found is None:
            found = candidate
    return found


def provisioning_uri(secret_b32, *, account, issuer):
    """The otpauth:// URI the QR code carries (Google Authenticator's key URI format)."""
    label = quote(f"{issuer}:{account}", safe="")
    query = urlencode({"secret": secret_b32, "issuer": issuer, "algorithm": "SHA1", "digits": DIGITS, "period": STEP_SECONDS})
    return f"otpauth://totp/{label}?{query}"
