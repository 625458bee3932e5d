from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TOTPDevice(models.Model):
    """A user's authenticator app. Unconfirmed (confirmed_at empty) while they enrol; it counts
    only once a code from the app has been entered."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="totp_device")
    sealed_secret = models.TextField()  # accounts.sealing; never shown again once confirmed
    created_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # The newest time step accepted: a code (or an older one) cannot be used twice.
    last_used_step = models.BigIntegerField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("two-factor device")
        verbose_name_plural = _("two-factor devices")

    def __str__(self):
        return f"{self.user} ({'confirmed' if self.confirmed_at else 'enrolling'})"


class RecoveryCode(models.Model):
    """A one-time code for when the phone is lost; only its SHA-256 is kept (each carries 60
    random bits, so a salt-free fast hash is enough and lets the code be looked up)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "code_hash"], name="recovery_code_unique_per_user")]
