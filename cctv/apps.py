from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CctvConfig(AppConfig):
    name = "cctv"
    verbose_name = _("CCTV")
