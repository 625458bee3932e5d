"""The roster as CSV: all rows or none, every bad row named with its line and reason; an export
imports back unchanged."""

import pytest

from tests.volunteers.support import make_volunteer
from volunteers import csvfile
from volunteers.availability import format_windows, windows_of
from volunteers.csvfile import VolunteerImportError
from volunteers.models import Availability, Volunteer
from volunteers.services import volunteers_import_csv

GOOD = """name;phone;kelurahan;covers;skills;languages;availability;active;joined_on;channel;notes
Rahmat Hidayat;0812-7711-0001;Bugis;Pasar Pagi, Jawa;P3K, pemadam;id, bjn;Sen-Jum 18:00-22:00; Sab 22:00-06:00;ya;17/08/2023;wa;Ketua RT 05
Siti Aisyah;'+6281277110002;64.72.03.1002;;first aid;Banjar;selalu;;2024-01-05;;
Yusran;6281277110003;Sidodadi;;chainsaw,driver;;;tidak;;sms;
"""


def test_a_good_file_is_imported_with_names_codes_and_spreadsheet_habits(world, clock):
    summary = volunteers_import_csv(text=GOOD.replace("Sen-Jum 18:00-22:00; Sab 22:00-06:00", '"Sen-Jum 18:00-22:00; Sab 22:00-06:00"'), by=world.users["admin"])

    assert (summary.created, summary.updated) == (3, 0)
    rahmat = Volunteer.objects.with_related().get(phone="+6281277110001")
    assert rahmat.kelurahan.name == "Bugis" and sorted(k.name for k in rahmat.covers.all()) == ["Jawa", "Pasar Pagi"]
    assert rahmat.skills == ["first_aid", "fire"] and rahmat.languages == ["id", "bjn"] and rahmat.channel == "whatsapp"
    assert rahmat.availability == Availability.WINDOWS and format_windows(windows_of(rahmat)) == "Sen-Jum 18:00-22:00; Sab 22:00-06:00"
    assert str(rahmat.joined_on) == "2023-08-17" and rahmat.notes == "Ketua RT 05"
    siti = Volunteer.objects.get(phone="+6281277110002")
    assert siti.kelurahan.name == "Jawa" and siti.availability == Availability.ALWAYS and siti.languages == ["bjn"]
    yusran = Volunteer.objects.get(phone="+6281277110003")
    assert not yusran.active and str(yusran.joined_on) == "2026-11-27"


def test_bad_rows_are_all_reported_with_line_and_reason_and_nothing_is_imported(world, clock):
    make_volunteer("Budi Santoso", "Bugis", phone="081277110099")
    text = """name,phone,kelurahan,skills
Good Person,081277110010,Bugis,first_aid
Nowhere Man,081277110011,Atlantis,
Landline,0541 741112,Bugis,
Garbage Phone,call me,Bugis,
Twice,081277110010,Bugis,
Not Budi,081277110099,Bugis,
Odd Skill,081277110012,Bugis,juggling
Other Region,081277110013,64.02.01.2001,
,081277110014,Bugis,
"""
    with pytest.raises(VolunteerImportError) as error:
        volunteers_import_csv(text=text, by=world.users["admin"])

    problems = [(p.line, p.name, p.reason) for p in error.value.problems]
    assert problems[0] == (3, "Nowhere Man", "unknown kelurahan “Atlantis” in this region.")
    assert problems[1][:2] == (4, "Landline") and problems[1][2].startswith("bad phone: +62541741112 is not a mobile number")
    assert problems[2][:2] == (5, "Garbage Phone") and problems[2][2].startswith("bad phone: “call me” is not a phone number")
    assert problems[3] == (6, "Twice", "duplicate phone +6281277110010 (first on line 2).")
    assert problems[4][:2] == (7, "Not Budi") and problems[4][2].startswith("duplicate phone: +6281277110099 is already the number of Budi Santoso")
    assert problems[5] == (8, "Odd Skill", "unknown skill “juggling”.")
    assert problems[6] == (9, "Other Region", "unknown kelurahan “64.02.01.2001” in this region.")
    assert problems[7] == (10, "", "name: This field is required.")
    assert len(problems) == 8
    assert list(Volunteer.objects.values_list("name", flat=True)) == ["Budi Santoso"]  # nothing imported
    assert str(error.value) == "8 bad row(s); nothing was imported."


def test_missing_or_unknown_columns_are_named(world):
    with pytest.raises(VolunteerImportError) as error:
        volunteers_import_csv(text="nama,phone\nBudi,0812\n", by=world.users["admin"])
    assert error.value.problems[0].line == 1 and "Missing column(s): name, kelurahan" in error.value.problems[0].reason
    with pytest.raises(VolunteerImportError) as error:
        volunteers_import_csv(text="name,phone,kelurahan,shoe_size\n", by=world.users["admin"])
    assert "Unknown column(s): shoe_size" in error.value.problems[0].reason


def test_an_export_imports_back_unchanged_and_edits_apply_by_id_or_same_phone_and_name(world, clock):
    make_volunteer("Rahmat", "Bugis", skills=["fire", "radio"], covers=["Jawa"], availability="Sen-Min 18:00-06:00", phone="081277110021")
    make_volunteer("Siti", "Jawa", active=False, phone="081277110022")
    exported = csvfile.export(Volunteer.objects.with_related().order_by("name"))

    lines = exported.splitlines()
    assert lines[0] == ",".join(csvfile.COLUMNS)
    # Phone numbers stay text in a spreadsheet (a leading + would start a formula).
    assert lines[1].endswith(",Rahmat,'+6281277110021,sms,Bugis,64.72.09.1004,Jawa,\"fire, radio\",,Sen-Min 18:00-06:00,ya,2026-11-27,")
    summary = volunteers_import_csv(text=exported, by=world.users["admin"])
    assert (summary.created, summary.updated, summary.unchanged) == (0, 0, 2)

    edited = exported.replace("Sen-Min 18:00-06:00", "always").replace(",tidak,", ",ya,")
    summary = volunteers_import_csv(text=edited, by=world.users["admin"])
    assert (summary.updated, summary.unchanged) == (2, 0)
    assert Volunteer.objects.get(name="Rahmat").availability == Availability.ALWAYS
    assert Volunteer.objects.get(name="Siti").active

    # Without ids: the same phone with the same name updates, a new phone adds.
    summary = volunteers_import_csv(text="name,phone,kelurahan,skills\nrahmat,081277110021,Bugis,first_aid\nNew Person,081277110023,Bugis,\n", by=world.users["admin"])
    assert (summary.created, summary.updated) == (1, 1)
    assert Volunteer.objects.with_related().get(name="rahmat").skills == ["first_aid"]


def test_a_formula_in_a_name_is_exported_as_text(world, clock):
    make_volunteer("=HYPERLINK(\"http://x\")", "Bugis")
    assert "'=HYPERLINK" in csvfile.export(Volunteer.objects.with_related())
