from django.contrib import admin

from accounts.models import TOTPDevice


@admin.register(TOTPDevice)
class TOTPDeviceAdmin(admin.ModelAdmin):
    """For the user who lost both phone and recovery codes: an admin deletes the device and the
    user logs in with the password alone (and enrols again, if their role must). The secret is
    never shown here."""

    list_display = ("user", "created_at", "confirmed_at", "last_used_at")
    list_select_related = ("user",)
    fields = ("user", "created_at", "confirmed_at", "last_used_at")
    readonly_fields = fields
    search_fields = ("user__username",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
