from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from dispatch112.models import Kecamatan, Kelurahan, Region, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = DjangoUserAdmin.fieldsets + ((_("Command Center"), {"fields": ("phone", "agency")}),)
    list_display = ("username", "first_name", "last_name", "agency", "is_active", "last_login")
    list_filter = ("groups", "agency", "is_active")
    list_select_related = ("agency",)


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "province_name", "latitude", "longitude")


@admin.register(Kecamatan)
class KecamatanAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "region", "latitude", "longitude")
    list_filter = ("region",)
    search_fields = ("code", "name")
    list_select_related = ("region",)


@admin.register(Kelurahan)
class KelurahanAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "kecamatan", "latitude", "longitude")
    list_filter = ("kind", "kecamatan__region", "kecamatan")
    search_fields = ("code", "name", "kecamatan__name")
    list_select_related = ("kecamatan",)
