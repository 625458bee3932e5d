"""Admin: agency webhooks and trackers are configured here; alerts and deliveries are read-only
records (they are written by the services)."""

from django.contrib import admin
from django.db import models

from integrations.models import AgencyWebhook, PublishedAlert, ReceivedAlert, Unit, WebhookDelivery


# An address typed without a scheme is taken as https (Django 6's default; 5.2 still assumes http
# and warns on every form with a URL field).
HTTPS_URLS = {models.URLField: {"assume_scheme": "https"}}


@admin.register(AgencyWebhook)
class AgencyWebhookAdmin(admin.ModelAdmin):
    formfield_overrides = HTTPS_URLS
    list_display = ("agency", "url", "active", "share_caller_data")
    list_filter = ("active", "share_caller_data")
    list_select_related = ("agency",)


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("name", "agency", "user", "assignment", "active", "last_pushed_at")
    list_filter = ("active", "agency")
    list_select_related = ("agency", "user", "assignment")
    raw_id_fields = ("user", "assignment")
    readonly_fields = ("last_pushed_at",)


class ReadOnly(admin.ModelAdmin):
    formfield_overrides = HTTPS_URLS

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnly):
    list_display = ("key", "webhook", "status", "attempts", "response_status", "created_at", "sent_at", "last_error")
    list_filter = ("status",)


@admin.register(PublishedAlert)
class PublishedAlertAdmin(ReadOnly):
    list_display = ("identifier", "msg_type", "headline", "sent", "created_by")


@admin.register(ReceivedAlert)
class ReceivedAlertAdmin(ReadOnly):
    list_display = ("identifier", "sender", "msg_type", "event", "severity", "sent", "expires", "cancelled_at")
