"""Two-factor login: enrol an authenticator, check a code at login, turn it off.

Codes are checked with the device row locked: two requests carrying the same code cannot both
pass (the step is recorded before the lock is released).
"""

import hashlib
import logging
import re
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts import sealing, selectors, totp
from accounts.models import RecoveryCode, TOTPDevice
from dispatch112 import clock

logger = logging.getLogger(__name__)

RECOVERY_CODE_COUNT = 10
RECOVERY_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"  # 32 symbols: 5 bits each, 60 bits a code
RECOVERY_GROUPS = 3
TOTP_CODE = re.compile(r"\A[0-9]{6}\Z")  # ASCII digits: compare_digest refuses other text


def wrong_code_error():
    return ValidationError({"code": _("Wrong or expired code.")})


def normalise_code(raw):
    return re.sub(r"[\s-]", "", raw or "").lower()


def _recovery_hash(code):
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def _new_recovery_code():
    groups = ("".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(4)) for _ in range(RECOVERY_GROUPS))
    return "-".join(groups)


def totp_enrolment_begin(*, user):
    """The pending device and its secret (base32) to show: the same one on every reload until
    it is confirmed, so a QR code already scanned stays valid."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user).first()
        if device is not None and device.confirmed_at is not None:
            raise ValidationError(_("Two-factor login is already on for this account."))
        if device is None:
            device = TOTPDevice.objects.create(user=user, sealed_secret=sealing.seal(totp.new_secret()), created_at=clock.now())
    return device, sealing.unseal(device.sealed_secret)


def _accept_totp(device, code, now):
    """Whether `code` is the device's code for now ±1 step and newer than the last one used;
    records the step. The device row must be locked."""
    step = totp.matching_step(totp.secret_bytes(sealing.unseal(device.sealed_secret)), code, now.timestamp())
    if step is None or (device.last_used_step is not None and step <= device.last_used_step):
        return False
    device.last_used_step, device.last_used_at = step, now
    return True


def totp_enrolment_confirm(*, user, code):
    """Turns two-factor login on once the app's first code matches; returns the recovery codes
    (shown once: only their hashes are kept)."""
    code = normalise_code(code)
    if not TOTP_CODE.match(code):
        raise ValidationError({"code": _("Enter the 6-digit code from the authenticator app.")})
    now = clock.now()
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed_at__isnull=True).first()
        if device is None:
            raise ValidationError({"code": _("Start the enrolment again: no authenticator is waiting for a code.")})
        if not _accept_totp(device, code, now):
            raise wrong_code_error()
        device.confirmed_at = now
        device.save(update_fields=["confirmed_at", "last_used_step", "last_used_at"])
        codes = _replace_recovery_codes(user, now)
    logger.info("two-factor login turned on", extra={"target_user_id": user.pk})
    return codes


def _replace_recovery_codes(user, now):
    RecoveryCode.objects.filter(user=user).delete()
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    RecoveryCode.objects.bulk_create(RecoveryCode(user=user, code_hash=_recovery_hash(c), created_at=now) for c in codes)
    return codes


def totp_check(*, user, code):
    """The login's second step: a code from the app, or an unused recovery code (then used up).
    True when it opens the session; the caller counts a False as a failed login."""
    code = normalise_code(code)
    now = clock.now()
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed_at__isnull=False).first()
        if device is None:
            return False
        if TOTP_CODE.match(code):
            if not _accept_totp(device, code, now):
                return False
            device.save(update_fields=["last_used_step", "last_used_at"])
            return True
        used = RecoveryCode.objects.filter(user=user, code_hash=_recovery_hash(code), used_at__isnull=True).update(used_at=now)
    if used:
        logger.info("recovery code used", extra={"target_user_id": user.pk})
    return bool(used)


def totp_disable(*, user, code):
    """Turns two-factor login off; it takes a current code (or a recovery code), so a session
    left open on a desk cannot remove the second factor."""
    if selectors.totp_required(user):
        raise ValidationError({"code": _("Your role must use two-factor login; it cannot be turned off.")})
    if not normalise_code(code):
        raise ValidationError({"code": _("Enter the 6-digit code from the authenticator app.")})
    with transaction.atomic():
        if not totp_check(user=user, code=code):
            raise wrong_code_error()
        TOTPDevice.objects.filter(user=user).delete()
        RecoveryCode.objects.filter(user=user).delete()
    logger.info("two-factor login turned off", extra={"target_user_id": user.pk})
