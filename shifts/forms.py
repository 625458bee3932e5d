"""Forms parse and type-check what a person typed; the rules live in shifts/services.py, whose
ValidationErrors are put back on the form's fields by `apply_errors`."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from shifts import selectors
from shifts.models import MAX_NOTE, MAX_NOTES, Duty, ShiftType
from shifts.services import MAX_COPY_WEEKS

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def apply_errors(form, error):
    """Put a service's ValidationError on the form: on the field it names when the form has that
    field, otherwise at the top of the form (still naming the field)."""
    if hasattr(error, "error_dict"):
        for name, messages in error.message_dict.items():
            target = name if name in form.fields else None
            for message in messages:
                form.add_error(target, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj} ({obj.username})"


class PeopleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj} ({obj.username})"


def _shift_types():
    return ShiftType.objects.filter(active=True).order_by("sort_order", "starts_at")


class RosterEntryForm(forms.Form):
    prefix = "add"

    date = forms.DateField(label=_("Date"), widget=DATE_INPUT)
    shift_type = forms.ModelChoiceField(label=_("Shift"), queryset=_shift_types(), empty_label=None)
    user = PersonChoiceField(label=_("Person"), queryset=selectors.rosterable_users())
    duty = forms.ChoiceField(label=_("Duty"), choices=Duty.choices, initial=Duty.OPERATOR)
    volunteer = forms.BooleanField(label=_("Relawan on operator duty"), required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=MAX_NOTE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shift_type"].queryset = _shift_types()
        self.fields["user"].queryset = selectors.rosterable_users()


class PatternForm(forms.Form):
    prefix = "pattern"
    DUTY_AUTO = ""

    users = PeopleChoiceField(
        label=_("Team"),
        queryset=selectors.rosterable_users(),
        help_text=_("In the order they rotate: each next person is the stagger further along the pattern."),
    )
    pattern = forms.CharField(
        label=_("Pattern"),
        max_length=500,
        initial="pagi-pagi-siang-siang-malam-malam-libur-libur",
        help_text=_("Shift codes and libur, separated by dashes."),
    )
    start = forms.DateField(label=_("From"), widget=DATE_INPUT)
    end = forms.DateField(label=_("Until"), widget=DATE_INPUT)
    stagger_days = forms.IntegerField(label=_("Stagger (days)"), min_value=0, max_value=62, initial=0)
    duty = forms.ChoiceField(
        label=_("Duty"), choices=[(DUTY_AUTO, _("from each person's role"))] + list(Duty.choices), required=False
    )
    volunteer = forms.BooleanField(label=_("Relawan on operator duty"), required=False)
    replace = forms.BooleanField(label=_("Replace their existing entries in this period"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["users"].queryset = selectors.rosterable_users()

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("The last day is before the first day."))
        return data


class CopyWeekForm(forms.Form):
    prefix = "copy"

    week_start = forms.DateField(label=_("Week starting"), widget=DATE_INPUT)
    weeks = forms.IntegerField(label=_("Onto the next … weeks"), min_value=1, max_value=MAX_COPY_WEEKS, initial=1)
    replace = forms.BooleanField(label=_("Clear those weeks first"), required=False)


class EntryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        from shifts.services import slot_label

        return f"{slot_label(obj.shift_type, obj.date)} · {obj.user} ({obj.get_duty_display()})"


class SwapForm(forms.Form):
    prefix = "swap"

    first = EntryChoiceField(label=_("Shift"), queryset=None)
    second = EntryChoiceField(label=_("Swap with"), queryset=None)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=MAX_NOTE)

    def __init__(self, *args, first_entries, second_entries, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["first"].queryset = first_entries
        self.fields["second"].queryset = second_entries


class HandoverForm(forms.Form):
    shift = forms.ChoiceField(label=_("Shift handed over"))
    notes = forms.CharField(
        label=_("Notes for the incoming supervisor"),
        max_length=MAX_NOTES,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("What needs watching, who was called, what was promised, equipment problems."),
    )

    def __init__(self, *args, slots, **kwargs):
        super().__init__(*args, **kwargs)
        self.slots = {slot.key: slot for slot in slots}
        from shifts.services import slot_label

        self.fields["shift"].choices = [
            (slot.key, f"{slot_label(slot.shift_type, slot.date)} ({slot.shift_type.hours_label})") for slot in slots
        ]

    def clean_shift(self):
        key = self.cleaned_data["shift"]
        if key not in self.slots:
            raise ValidationError(_("Choose the shift that is ending or has just ended."))
        return self.slots[key]


class AcknowledgeForm(forms.Form):
    note = forms.CharField(
        label=_("Remarks (optional)"), required=False, max_length=MAX_NOTES, widget=forms.Textarea(attrs={"rows": 3})
    )


class HandoverSearchForm(forms.Form):
    STATUS_CHOICES = [("", _("all")), ("pending", _("waiting for acknowledgement")), ("acknowledged", _("acknowledged"))]

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    shift_type = forms.ModelChoiceField(label=_("Shift"), queryset=ShiftType.objects.all(), required=False, empty_label=_("all"))
    date_from = forms.DateField(label=_("From"), required=False, widget=DATE_INPUT)
    date_to = forms.DateField(label=_("Until"), required=False, widget=DATE_INPUT)
    status = forms.ChoiceField(label=_("Status"), choices=STATUS_CHOICES, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shift_type"].queryset = ShiftType.objects.order_by("sort_order")
