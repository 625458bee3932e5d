from importlib import import_module

from django.apps import AppConfig, apps
from django.contrib.admin.apps import SimpleAdminConfig
from django.utils.module_loading import module_has_submodule
from django.utils.translation import gettext_lazy as _


class Dispatch112Config(AppConfig):
    default = True  # apps.py also holds AdminConfig: this is the app's own configuration
    name = "dispatch112"
    verbose_name = _("Dispatch112 core")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from dispatch112 import idle

        # Every way in (the login page, the two-factor step, the admin's login, a test's
        # force_login) goes through django.contrib.auth.login: the idle clock starts there, in the
        # session write the login makes anyway, not in an extra write on the next request.
        user_logged_in.connect(idle.start_on_login, dispatch_uid="dispatch112-idle-start")
        _forget_region_on_wilayah_change()


def _forget_region_on_wilayah_change():
    """A region, kecamatan or kelurahan saved or deleted (the admin, a script) renews the region's
    info and with it what every process keeps of the wilayah (dispatch112.region.RegionInfo.token);
    the wilayah import does the same for its bulk writes."""
    from django.db import transaction
    from django.db.models.signals import post_delete, post_save

    from dispatch112.models import Kecamatan, Kelurahan, Region
    from dispatch112.region import forget_region_cache

    def changed(**_kwargs):
        transaction.on_commit(forget_region_cache)

    for model in (Region, Kecamatan, Kelurahan):
        post_save.connect(changed, sender=model, weak=False, dispatch_uid=f"dispatch112-region-{model.__name__}-saved")
        post_delete.connect(changed, sender=model, weak=False, dispatch_uid=f"dispatch112-region-{model.__name__}-deleted")


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
