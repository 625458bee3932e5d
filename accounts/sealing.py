"""TOTP secrets are stored encrypted (Fernet: AES-CBC + HMAC), with a key derived from SECRET_KEY.

A database dump alone then gives no one the second factor. SECRET_KEY_FALLBACKS still open
secrets sealed under an old key, so the usual SECRET_KEY rotation does not lock anyone out.
"""

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings

PURPOSE = b"dispatch112.accounts.totp-secret"


def _fernet(secret_key):
    derived = hmac.new(secret_key.encode(), PURPOSE, hashlib.sha256).digest()
    return Fernet(base64.urlsafe_b64encode(derived))


def _keys():
    return MultiFernet([_fernet(k) for k in (settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", ()))])


def seal(text):
    return _keys().encrypt(text.encode()).decode("ascii")


def unseal(token):
    return _keys().decrypt(token.encode("ascii")).decode()
