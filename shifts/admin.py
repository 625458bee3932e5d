"""Django admin: shift types (times and minimum staffing) are edited here; the roster, swaps and
handovers are read-only here because their rules live in the services (the roster calendar and
the handover pages are where they change)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from django.utils.translation import ngettext

from shifts.models import Handover, RosterEntry, ShiftType, SwapRequest
from shifts.services import shift_type_check, shift_type_save


class ShiftTypeForm(forms.ModelForm):
    class Meta:
        model = ShiftType
        fields = ["code", "name", "starts_at", "ends_at", "min_operators", "min_supervisors", "sort_order", "active"]

    def clean(self):
        data = super().clean()
        if not self.errors:
            candidate = ShiftType(pk=self.instance.pk, **{name: data.get(name) for name in self.Meta.fields})
            try:
                shift_type_check(shift_type=candidate)
            except ValidationError as error:
                for field_name, field_errors in error.message_dict.items():
                    for message in field_errors:
                        self.add_error(field_name if field_name in self.fields else None, message)
        return data


@admin.register(ShiftType)
class ShiftTypeAdmin(admin.ModelAdmin):
    form = ShiftTypeForm
    list_display = ("name", "code", "starts_at", "ends_at", "min_operators", "min_supervisors", "sort_order", "active")
    list_editable = ("min_operators", "min_supervisors")
    ordering = ("sort_order", "starts_at")

    def save_model(self, request, obj, form, change):
        moved = shift_type_save(shift_type=obj, by=request.user)
        if moved:
            messages.info(
                request,
                ngettext(
                    "%(n)d coming roster entry moved to the new times.", "%(n)d coming roster entries moved to the new times.", moved
                )
                % {"n": moved},
            )

    def has_delete_permission(self, request, obj=None):
        # Past roster entries and handovers point at their shift type: deactivate it instead.
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RosterEntry)
class RosterEntryAdmin(ReadOnlyAdmin):
    list_display = ("date", "shift_type", "user", "duty", "volunteer", "starts_at", "ends_at", "created_by")
    list_filter = ("shift_type", "duty", "volunteer")
    search_fields = ("user__username", "user__first_name", "user__last_name")
    date_hierarchy = "date"
    list_select_related = ("shift_type", "user", "created_by")


@admin.register(Handover)
class HandoverAdmin(ReadOnlyAdmin):
    list_display = ("date", "shift_type", "outgoing_supervisor", "incoming_supervisor", "acknowledged_at")
    list_filter = ("shift_type",)
    search_fields = ("notes", "outgoing_supervisor__username", "incoming_supervisor__username")
    date_hierarchy = "date"
    list_select_related = ("shift_type", "outgoing_supervisor", "incoming_supervisor")


@admin.register(SwapRequest)
class SwapRequestAdmin(ReadOnlyAdmin):
    list_display = ("requested_at", "first_user", "first_label", "second_user", "second_label", "status")
    list_filter = ("status",)
    list_select_related = ("first_user", "second_user")
