"""Admin pages for the camera registry: edit, CSV import (all rows or none) and export.

Edits go through cctv.services like every other change, so the consoles' maps and walls update
live. The password is write-only here: the form never puts it back into the page.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cctv import csvfile, services
from cctv.models import Camera, WallLayout


class CameraForm(forms.ModelForm):
    # Not a model field of the form: the stored password is never rendered back into the page,
    # and an empty one means "keep it" (see CameraAdmin.save_model).
    password = forms.CharField(
        label=_("feed password"),
        required=False,
        strip=False,
        max_length=255,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Leave empty to keep the stored password. It is never shown again."),
    )
    clear_credentials = forms.BooleanField(label=_("Remove the stored user name and password"), required=False)

    class Meta:
        model = Camera
        fields = [name for name in services.EDITABLE_FIELDS if name != "password"]

    def clean(self):
        cleaned = super().clean()
        url, username, password = services.split_url_credentials(cleaned.get("feed_url", ""))
        if username or password:
            cleaned["feed_url"], cleaned["username"], cleaned["password"] = url, username, password
        return cleaned


class CsvImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file"), help_text=_("UTF-8, columns: %(columns)s") % {"columns": ", ".join(csvfile.COLUMNS)})


@admin.register(Camera)
class CameraAdmin(admin.ModelAdmin):
    form = CameraForm
    change_list_template = "cctv/admin/camera_change_list.html"
    list_display = ("code", "name", "kelurahan", "feed_kind", "status", "status_changed_at", "last_seen", "active", "is_demo")
    list_filter = ("status", "feed_kind", "active", "is_demo", "kelurahan__kecamatan")
    search_fields = ("code", "name", "location")
    list_select_related = ("kelurahan",)
    readonly_fields = ("status", "status_changed_at", "last_seen", "last_checked_at", "last_error", "failures")
    actions = ["export_selected"]
    fieldsets = (
        (None, {"fields": ("code", "name", "location", "kelurahan", ("latitude", "longitude"), "direction", "active", "is_demo")}),
        (_("Feed"), {"fields": ("feed_kind", "feed_url", "username", "password", "clear_credentials")}),
        (_("Health"), {"fields": readonly_fields}),
    )

    def save_model(self, request, obj, form, change):
        fields = form._meta.fields
        password = form.cleaned_data.get("password") or ""
        if change:
            changes = {name: form.cleaned_data[name] for name in form.changed_data if name in fields}
            if form.cleaned_data.get("username", "") != form.initial.get("username", ""):
                changes["username"] = form.cleaned_data["username"]  # may come from a user:password@ URL
            if password:
                changes["password"] = password
            saved = services.camera_update(
                camera=obj, by=request.user, changes=changes, clear_credentials=form.cleaned_data.get("clear_credentials", False)
            )
        else:
            data = {name: form.cleaned_data[name] for name in fields if name in form.cleaned_data}
            saved = services.camera_create(by=request.user, data={**data, "password": password})
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        services.camera_delete(camera=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for camera in queryset:
            services.camera_delete(camera=camera, by=request.user)

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="cctv_camera_import"),
            path("export/", self.admin_site.admin_view(self.export_view), name="cctv_camera_export"),
        ] + super().get_urls()

    @admin.action(description=_("Export the selected cameras as CSV"))
    def export_selected(self, request, queryset):
        return _csv_response(queryset.select_related("kelurahan").order_by("code"))

    def export_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        return _csv_response(Camera.objects.select_related("kelurahan").order_by("code"))

    def import_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        problems = []
        form = CsvImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                text = form.cleaned_data["file"].read().decode("utf-8-sig")
            except UnicodeDecodeError:
                form.add_error("file", _("The file is not UTF-8 text."))
            else:
                try:
                    summary = services.cameras_import_csv(text=text, by=request.user)
                except csvfile.CameraImportError as error:
                    problems = error.problems
                    messages.error(request, str(error))
                else:
                    messages.success(
                        request,
                        _("Imported: %(created)s created, %(updated)s updated, %(unchanged)s unchanged.")
                        % {"created": len(summary.created), "updated": len(summary.updated), "unchanged": len(summary.unchanged)},
                    )
                    return redirect(reverse("admin:cctv_camera_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Import cameras from CSV"),
            "form": form,
            "problems": problems,
            "columns": csvfile.COLUMNS,
        }
        return TemplateResponse(request, "cctv/admin/camera_import.html", context)


def _csv_response(cameras):
    response = HttpResponse(csvfile.export(cameras).encode("utf-8-sig"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="cameras-{timezone.localdate():%Y%m%d}.csv"'
    return response


@admin.register(WallLayout)
class WallLayoutAdmin(admin.ModelAdmin):
    list_display = ("user", "tiles_per_page", "version", "updated_at")
    readonly_fields = ("version", "updated_at")
