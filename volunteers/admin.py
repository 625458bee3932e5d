"""Django admin: read-only views of the roster, activations and outbox, for inspection.

Coordinators keep the roster on the Relawan pages (/relawan/), whose writes go through
volunteers.services; edits here would skip its checks, so the admin only reads.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from volunteers.models import Activation, Message, Volunteer


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Volunteer)
class VolunteerAdmin(ReadOnlyAdmin):
    list_display = ("name", "phone", "kelurahan", "availability", "active", "joined_on", "is_demo")
    list_filter = ("active", "availability", "channel", "is_demo", "kelurahan__kecamatan")
    search_fields = ("name", "phone")
    list_select_related = ("kelurahan",)


@admin.register(Activation)
class ActivationAdmin(ReadOnlyAdmin):
    list_display = ("id", "incident", "volunteer", "status", "sent_at", "accepted_at", "arrived_at", "finished_at")
    list_filter = ("status",)
    search_fields = ("incident__reference", "volunteer__name")
    list_select_related = ("incident", "volunteer")
    exclude = ("token_nonce",)


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = ("id", "purpose", "recipient", "channel", "status", "attempts", "created_at", "sent_at", "gateway")
    list_filter = ("status", "purpose", "channel", "gateway")
    search_fields = ("recipient", "provider_id")
    readonly_fields = ("body",)
    exclude = ("claimed_until",)

    @admin.display(description=_("text"))
    def short_body(self, obj):
        return obj.body[:60]
