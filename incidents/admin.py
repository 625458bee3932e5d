from django.contrib import admin

from incidents.models import Agency


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "phone", "active")
    list_filter = ("kind", "active")
    search_fields = ("code", "name")
