"""Forms of the coordinators' pages. They parse what was typed; the rules are the services'."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from dispatch112.models import Kecamatan, User
from dispatch112.region import region_kelurahan
from volunteers.availability import format_windows, windows_of
from volunteers.models import Availability, Channel, Language, MessageStatus, Skill
from volunteers.services import VolunteerInput


def region_kecamatan():
    from django.conf import settings

    return Kecamatan.objects.filter(region__code=settings.REGION_CODE).order_by("name")


class KelurahanChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.kecamatan.name})"


class KelurahanMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.kecamatan.name})"


class RosterFilterForm(forms.Form):
    q = forms.CharField(label=_("Name, phone or skill"), required=False, max_length=80)
    kecamatan = forms.ModelChoiceField(label=_("Kecamatan"), queryset=Kecamatan.objects.none(), required=False, empty_label=_("All kecamatan"))
    kelurahan = KelurahanChoiceField(label=_("Kelurahan"), queryset=region_kelurahan().none(), required=False, empty_label=_("All kelurahan"))
    skill = forms.ChoiceField(label=_("Skill"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("active", _("Active")), ("inactive", _("Inactive")), ("all", _("All"))],
    )
    available = forms.BooleanField(label=_("Available now only"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kecamatan"].queryset = region_kecamatan()
        self.fields["kelurahan"].queryset = region_kelurahan().select_related("kecamatan").order_by("name")
        self.fields["skill"].choices = [("", _("Any skill")), *Skill.choices]
        self.fields["q"].widget.attrs.update({"placeholder": _("e.g. Rahmat, 0812…, first aid"), "autofocus": True, "type": "search"})


class VolunteerForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    phone = forms.CharField(label=_("Mobile number"), max_length=32, help_text=_("08…, 62… or +62…; stored as +62…"))
    channel = forms.ChoiceField(label=_("Message channel"), choices=Channel.choices, initial=Channel.SMS)
    kelurahan = KelurahanChoiceField(label=_("Home kelurahan"), queryset=region_kelurahan().none())
    covers = KelurahanMultipleChoiceField(
        label=_("Other kelurahan covered"),
        queryset=region_kelurahan().none(),
        required=False,
        help_text=_("Hold Ctrl (⌘ on a Mac) to choose several."),
    )
    skills = forms.MultipleChoiceField(label=_("Skills"), choices=Skill.choices, required=False, widget=forms.CheckboxSelectMultiple)
    languages = forms.MultipleChoiceField(
        label=_("Languages"), choices=Language.choices, required=False, widget=forms.CheckboxSelectMultiple, initial=[Language.INDONESIAN]
    )
    availability = forms.CharField(
        label=_("Availability (WITA)"),
        max_length=400,
        initial="always",
        help_text=_("“always”, or weekly windows such as “Sen-Jum 18:00-22:00; Sab 22:00-06:00” (a window ending before it starts runs past midnight)."),
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    joined_on = forms.DateField(label=_("Joined"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    notes = forms.CharField(label=_("Notes"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    user = forms.ModelChoiceField(
        label=_("User account (operator shifts)"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("none"),
        help_text=_("A relawan who also takes operator shifts is not proposed while on shift."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        kelurahan = region_kelurahan().select_related("kecamatan").order_by("kecamatan__name", "name")
        self.fields["kelurahan"].queryset = kelurahan
        self.fields["covers"].queryset = kelurahan
        self.fields["covers"].widget.attrs["size"] = 8
        self.fields["user"].queryset = User.objects.filter(is_active=True, groups__name__in=["operator", "supervisor"]).distinct().order_by("first_name", "username")
        self.fields["phone"].widget.attrs.update({"inputmode": "tel", "autocomplete": "off"})

    @classmethod
    def initial_for(cls, volunteer):
        return {
            "name": volunteer.name,
            "phone": volunteer.phone,
            "channel": volunteer.channel,
            "kelurahan": volunteer.kelurahan,
            "covers": [k for k in volunteer.covers.all() if k.pk != volunteer.kelurahan_id],
            "skills": volunteer.skills,
            "languages": volunteer.languages,
            "availability": "always" if volunteer.availability == Availability.ALWAYS else format_windows(windows_of(volunteer)),
            "active": volunteer.active,
            "joined_on": volunteer.joined_on,
            "notes": volunteer.notes,
            "user": volunteer.user,
            "version": volunteer.version,
        }

    def to_input(self):
        """What was typed, as the service's input (fields the form refused are left empty)."""
        data = self.cleaned_data
        return VolunteerInput(
            name=data.get("name", ""),
            phone=data.get("phone", ""),
            kelurahan=data.get("kelurahan"),
            covers=list(data.get("covers") or []),
            skills=list(data.get("skills") or []),
            languages=list(data.get("languages") or []),
            availability=data.get("availability", ""),
            channel=data.get("channel") or Channel.SMS,
            active=data.get("active", True),
            joined_on=data.get("joined_on"),
            notes=data.get("notes", ""),
            user=data.get("user"),
        )

    def add_service_errors(self, error):
        """A service's ValidationError, placed on the fields it names (once per field)."""
        for name, messages in (error.message_dict.items() if hasattr(error, "error_dict") else [(None, error.messages)]):
            field = name if name in self.fields else None
            if field is not None and field in self.errors:
                continue  # the form already says what is wrong with it
            for message in messages:
                self.add_error(field, message)

    def check_all(self, instance=None):
        """A form that failed its own checks still gets the service's, so every mistake shows at once."""
        from volunteers.services import clean_volunteer

        try:
            clean_volunteer(self.to_input(), instance=instance)
        except ValidationError as error:
            self.add_service_errors(error)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file"), help_text=_("UTF-8 or Excel CSV, comma or semicolon separated, at most 2 MB."))

    def clean_file(self):
        from volunteers.csvfile import MAX_BYTES

        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than %(n)d MB.") % {"n": MAX_BYTES // (1024 * 1024)})
        raw = upload.read()
        for encoding in ("utf-8-sig", "cp1252"):
            try:
                return raw.decode(encoding)
            except UnicodeDecodeError:
                continue
        raise forms.ValidationError(_("The file is not text (save it as CSV from your spreadsheet)."))


class OutboxFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False)
    q = forms.CharField(label=_("Number, name or text"), required=False, max_length=80)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("All")), *MessageStatus.choices]
        self.fields["q"].widget.attrs["type"] = "search"
