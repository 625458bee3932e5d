from importlib import import_module

from django.apps import AppConfig, apps
from django.contrib.admin.apps import SimpleAdminConfig
from django.utils.module_loading import module_has_submodule
from django.utils.translation import gettext_lazy as _


class Dispatch112Config(AppConfig):
    name = "dispatch112"
    verbose_name = _("Dispatch112 core")


class AdminConfig(SimpleAdminConfig):
    """Django's admin, discovering every app's admin module except django-leaflet's.

    django-leaflet's admin imports GeoDjango form widgets, which need the GDAL system library;
    Dispatch112 stores plain latitude/longitude and uses django-leaflet only for its map
    template tags and static files, so GDAL is not a dependency.
    """

    skip_apps = {"leaflet"}

    def ready(self):
        super().ready()
        for app_config in apps.get_app_configs():
            if app_config.label not in self.skip_apps and module_has_submodule(app_config.module, "admin"):
                import_module(f"{app_config.name}.admin")
