from datetime import datetime, time, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.audited import labels
from audit.models import Action, AuditEntry


class AuditFilterForm(forms.Form):
    model = forms.ChoiceField(label=_("Data"), required=False)
    action = forms.ChoiceField(label=_("Action"), required=False, choices=[("", _("all"))] + list(Action.choices))
    actor = forms.CharField(label=_("By (username)"), required=False, max_length=150)
    object_id = forms.CharField(label=_("Object id"), required=False, max_length=64)
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["model"].choices = [("", _("all"))] + labels()

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end date is before the start date."))
        return data


def _day_start(day):
    # Days are WITA days, as the operators read them.
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


def audit_entries(filters):
    """The entries matching a valid AuditFilterForm's cleaned_data, newest first."""
    entries = AuditEntry.objects.all()
    if filters.get("model"):
        entries = entries.filter(model_label=filters["model"])
    if filters.get("action"):
        entries = entries.filter(action=filters["action"])
    if filters.get("actor"):
        entries = entries.filter(actor_username__iexact=filters["actor"].strip())
    if filters.get("object_id"):
        entries = entries.filter(object_id=filters["object_id"].strip())
    if filters.get("date_from"):
        entries = entries.filter(at__gte=_day_start(filters["date_from"]))
    if filters.get("date_to"):
        entries = entries.filter(at__lt=_day_start(filters["date_to"] + timedelta(days=1)))
    return entries.order_by("-at", "-id")
