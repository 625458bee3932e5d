"""Bad input to the intake and edit services: a clear error naming the field, and nothing changes.
Script in free text is not bad input: it is kept exactly as typed and rendered escaped."""

import pytest
from django.core.exceptions import ValidationError

from dispatch112.models import Event, Kelurahan
from dispatch112.wilayah import import_wilayah_csv
from incidents.models import Call, Incident
from incidents.services import IncidentInput, call_log, incident_add_note, incident_update
from tests.incidents.helpers import CITY_CENTRE, JAKARTA, counts, field_errors

pytestmark = pytest.mark.django_db

SCRIPT = '<script>alert("xss")</script> Api di <b>gudang</b> & "toko"'


def log(world, *, category="kebakaran", outcome="emergency", notes="", location_text="", caller_name="", **incident_fields):
    return call_log(
        by=world.operator,
        outcome=outcome,
        caller_name=caller_name,
        location_text=location_text,
        notes=notes,
        new_incident=IncidentInput(category=world.category(category) if isinstance(category, str) else category, **incident_fields),
    )


def refused(world, field, **kwargs):
    """Log an emergency with bad input; assert it is refused naming `field` and nothing was written."""
    before = counts()
    with pytest.raises(ValidationError) as excinfo:
        log(world, **kwargs)
    assert field in field_errors(excinfo), excinfo.value.message_dict
    assert counts() == before
    return excinfo.value


def test_point_outside_the_region_is_refused_on_latitude_and_nothing_is_created(world):
    error = refused(world, "latitude", latitude=JAKARTA[0], longitude=JAKARTA[1])

    assert "Samarinda" in " ".join(error.message_dict["latitude"])


def test_point_just_outside_the_bounds_is_refused_too(world):
    # Balikpapan, 90 km south: still Kalimantan Timur, not Samarinda.
    refused(world, "latitude", latitude=-1.2654, longitude=116.8312)


@pytest.mark.parametrize(
    "given, missing",
    [({"latitude": CITY_CENTRE[0]}, "longitude"), ({"longitude": CITY_CENTRE[1]}, "latitude")],
)
def test_only_one_coordinate_is_refused_naming_the_missing_one(world, given, missing):
    refused(world, missing, **given)


def test_address_over_255_characters_is_refused(world):
    refused(world, "address", address="Jl. " + "a" * 252)


def test_address_of_exactly_255_characters_is_accepted(world):
    call = log(world, address="J" * 255)

    assert len(Incident.objects.get(pk=call.incident_id).address) == 255


def test_landmark_over_255_characters_is_refused(world):
    refused(world, "landmark", landmark="x" * 256)


def test_description_over_2000_characters_is_refused(world):
    refused(world, "description", description="d" * 2001)


def test_notes_over_2000_characters_are_refused(world):
    refused(world, "notes", notes="n" * 2001)


def test_null_byte_in_notes_is_refused(world):
    refused(world, "notes", notes="pelapor panik\x00")


def test_control_character_in_the_description_is_refused(world):
    refused(world, "description", description="asap tebal\x1b[31m")


def test_newlines_and_tabs_in_free_text_are_fine(world):
    call = log(world, description="Baris 1\r\nBaris 2\tkolom")

    assert Incident.objects.get(pk=call.incident_id).description == "Baris 1\nBaris 2\tkolom"


def test_script_tags_are_stored_verbatim_as_text(world):
    call = log(world, description=SCRIPT, address=SCRIPT[:120], notes=SCRIPT, caller_name="<img src=x onerror=alert(1)>")

    incident = Incident.objects.get(pk=call.incident_id)
    stored_call = Call.objects.get(pk=call.pk)
    assert incident.description == SCRIPT
    assert incident.address == SCRIPT[:120]
    assert stored_call.notes == SCRIPT
    assert stored_call.caller_name == "<img src=x onerror=alert(1)>"


def test_inactive_category_is_refused(world):
    category = world.category("hewan-berbahaya")
    category.active = False
    category.save()

    refused(world, "category", category=category)


@pytest.mark.parametrize("priority", [7, 5, -1])
def test_priority_outside_1_to_4_is_refused(world, priority):
    refused(world, "priority", priority=priority)


def test_kelurahan_of_another_region_is_refused(world, kukar_csv, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        import_wilayah_csv(text=kukar_csv)
    tenggarong_area = Kelurahan.objects.filter(kecamatan__region__code="64.02").first()

    refused(world, "kelurahan", kelurahan=tenggarong_area)


# --- the same rules on edits ----------------------------------------------------------------------


@pytest.fixture
def incident(new_incident):
    return new_incident("kebakaran", address="Jl. Awal")


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"latitude": JAKARTA[0], "longitude": JAKARTA[1]}, "latitude"),
        ({"latitude": None}, "latitude"),  # clearing one coordinate leaves the other alone
        ({"address": "a" * 256}, "address"),
        ({"description": "d" * 2001}, "description"),
        ({"description": "null\x00byte"}, "description"),
        ({"priority": 7}, "priority"),
        ({"status": "closed"}, "status"),
        ({"reference": "112-SMD-HACK"}, "reference"),
    ],
)
def test_bad_edit_is_refused_naming_the_field_and_changes_nothing(world, incident, changes, field):
    before_events = Event.objects.count()
    version = incident.version

    with pytest.raises(ValidationError) as excinfo:
        incident_update(incident=incident, by=world.operator, version=version, changes=dict(changes))

    assert field in field_errors(excinfo)
    fresh = Incident.objects.get(pk=incident.pk)
    assert fresh.version == version
    assert (fresh.address, fresh.priority, fresh.status, fresh.reference) == (
        incident.address,
        incident.priority,
        incident.status,
        incident.reference,
    )
    assert (fresh.latitude, fresh.longitude) == (incident.latitude, incident.longitude)
    assert Event.objects.count() == before_events


def test_edit_to_an_inactive_category_is_refused(world, incident):
    category = world.category("hewan-berbahaya")
    category.active = False
    category.save()

    with pytest.raises(ValidationError) as excinfo:
        incident_update(incident=incident, by=world.operator, version=incident.version, changes={"category": category})

    assert "category" in field_errors(excinfo)
    assert Incident.objects.get(pk=incident.pk).category.code == "kebakaran"


def test_empty_note_is_refused(world, incident):
    with pytest.raises(ValidationError) as excinfo:
        incident_add_note(incident=incident, by=world.operator, text="   ")

    assert field_errors(excinfo) == {"text"}
    assert not Event.objects.filter(kind="incident.note").exists()


def test_note_with_script_is_kept_verbatim(world, incident):
    incident_add_note(incident=incident, by=world.operator, text=SCRIPT)

    assert Event.objects.get(kind="incident.note").payload["text"] == SCRIPT
