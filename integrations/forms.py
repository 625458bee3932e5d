"""The supervisor's public-warning form (CAP out)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from dispatch112.region import region_kelurahan
from integrations.models import CapCategory, CapCertainty, CapSeverity, CapStatus, CapUrgency
from integrations.services import WarningInput


class WarningForm(forms.Form):
    headline = forms.CharField(label=_("Headline"), max_length=160, widget=forms.TextInput(attrs={"autofocus": True}))
    category = forms.ChoiceField(label=_("Kind"), choices=CapCategory.choices, initial=CapCategory.MET)
    event = forms.CharField(label=_("Event"), max_length=120, help_text=_("e.g. Banjir, Tanah longsor, Jalan ditutup"))
    urgency = forms.ChoiceField(label=_("Urgency"), choices=CapUrgency.choices, initial=CapUrgency.IMMEDIATE)
    severity = forms.ChoiceField(label=_("Severity"), choices=CapSeverity.choices, initial=CapSeverity.SEVERE)
    certainty = forms.ChoiceField(label=_("Certainty"), choices=CapCertainty.choices, initial=CapCertainty.OBSERVED)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    instruction = forms.CharField(label=_("What people should do"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    area_desc = forms.CharField(label=_("Area (as people know it)"), max_length=255)
    kelurahan = forms.ModelChoiceField(label=_("Kelurahan"), queryset=region_kelurahan().none(), required=False)
    latitude = forms.DecimalField(label=_("Latitude"), max_digits=9, decimal_places=6, required=False)
    longitude = forms.DecimalField(label=_("Longitude"), max_digits=9, decimal_places=6, required=False)
    radius_km = forms.DecimalField(label=_("Radius (km)"), max_digits=7, decimal_places=3, required=False)
    expires = forms.DateTimeField(label=_("Expires (WITA)"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    status = forms.ChoiceField(label=_("Status"), choices=CapStatus.choices, initial=CapStatus.ACTUAL)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kelurahan"].queryset = region_kelurahan().select_related("kecamatan").order_by("name")

    def to_input(self):
        return WarningInput(**self.cleaned_data)

    @classmethod
    def initial_from(cls, warning):
        return {name: getattr(warning, name) for name in cls.base_fields if getattr(warning, name, None) not in (None, "")}


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Why is it cancelled?"), max_length=500)
