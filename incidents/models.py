from django.db import models
from django.utils.translation import gettext_lazy as _


class AgencyKind(models.TextChoices):
    FIRE = "fire", _("fire and rescue")
    MEDICAL = "medical", _("medical / ambulance")
    POLICE = "police", _("police")
    DISASTER = "disaster", _("disaster management")
    SEARCH_RESCUE = "sar", _("search and rescue")
    PUBLIC_ORDER = "public_order", _("public order")
    TRANSPORT = "transport", _("transport")
    ELECTRICITY = "electricity", _("electricity")
    WATER = "water", _("water")
    SOCIAL = "social", _("social / other")


class Agency(models.Model):
    """An OPD or other responding organisation that incidents are dispatched to."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=16, choices=AgencyKind.choices)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("agency (OPD)")
        verbose_name_plural = _("agencies (OPD)")

    def __str__(self):
        return self.name
