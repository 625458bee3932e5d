"""The coordinators' pages: roster per kecamatan and kelurahan, search, coverage, the volunteer
form with its errors, import/export and the outbox."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.volunteers.support import activate, make_incident, make_volunteer
from volunteers.models import Message, MessageStatus, Volunteer


@pytest.fixture
def browser_for(world):
    """browser_for("admin") → a Django test client logged in as that user, pages in English."""

    def make(username):
        client = Client()
        client.force_login(world.users[username])
        client.cookies["django_language"] = "en"
        return client

    return make


def text_of(response):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.mark.parametrize("path", ["/relawan/", "/relawan/coverage/", "/relawan/new/", "/relawan/import/", "/relawan/export.csv", "/relawan/outbox/"])
def test_operators_and_agency_staff_cannot_open_the_coordinators_pages(world, browser_for, path):
    for username in ("operator", "damkar"):
        assert browser_for(username).get(path).status_code == 403
    assert Client().get(path).status_code == 302  # to the login page


def test_supervisors_read_the_roster_and_coverage_but_do_not_edit(world, browser_for, clock):
    make_volunteer("Rahmat", "Bugis")
    supervisor = browser_for("supervisor")
    roster = supervisor.get("/relawan/")
    assert roster.status_code == 200 and "Rahmat" in roster.content.decode() and "/relawan/new/" not in roster.content.decode()
    assert supervisor.get("/relawan/coverage/").status_code == 200
    assert supervisor.get("/relawan/new/").status_code == 403


def test_the_roster_counts_per_kecamatan_and_kelurahan_and_finds_by_name_phone_and_skill(world, browser_for, clock):
    make_volunteer("Rahmat Hidayat", "Bugis", skills=["fire"], phone="081277550001")
    make_volunteer("Siti Aisyah", "Pasar Pagi", skills=["first_aid"], phone="081277550002")
    make_volunteer("Yusran", "Sidodadi", skills=["first_aid"], availability="Sab 22:00-06:00", phone="081277550003")
    make_volunteer("Old Hand", "Bugis", active=False, phone="081277550004")
    admin = browser_for("admin")

    page = admin.get("/relawan/")
    html = page.content.decode()
    assert "3 active volunteers in the region" in text_of(page)
    kota = re.search(r'<a href="\?kecamatan=(\d+)"[^>]*><span>Samarinda Kota</span><span class="vcount">(\d+)</span>', html)
    assert kota and kota.group(2) == "2"

    kecamatan = admin.get("/relawan/", {"kecamatan": kota.group(1)})
    assert ["Rahmat Hidayat", "Siti Aisyah"] == re.findall(r"<strong>([^<]+)</strong></a>", kecamatan.content.decode())
    assert "Bugis" in text_of(kecamatan) and re.search(r'<span>Bugis</span><span class="vcount"[^>]*>1</span>', kecamatan.content.decode())

    assert re.findall(r"<strong>([^<]+)</strong></a>", admin.get("/relawan/", {"q": "0812 7755 0002"}).content.decode()) == ["Siti Aisyah"]
    assert re.findall(r"<strong>([^<]+)</strong></a>", admin.get("/relawan/", {"q": "first aid"}).content.decode()) == ["Siti Aisyah", "Yusran"]
    assert re.findall(r"<strong>([^<]+)</strong></a>", admin.get("/relawan/", {"skill": "fire"}).content.decode()) == ["Rahmat Hidayat"]
    assert re.findall(r"<strong>([^<]+)</strong></a>", admin.get("/relawan/", {"status": "inactive"}).content.decode()) == ["Old Hand"]
    # Friday 10:00: Yusran's hours are Saturday nights.
    now_only = admin.get("/relawan/", {"available": "on"})
    assert re.findall(r"<strong>([^<]+)</strong></a>", now_only.content.decode()) == ["Rahmat Hidayat", "Siti Aisyah"]
    assert "from Sat 22:00" in text_of(admin.get("/relawan/", {"q": "Yusran"}))


def test_the_roster_page_is_a_handful_of_queries_for_a_full_page(world, browser_for, clock):
    for n in range(40):
        make_volunteer(f"Relawan {n:02d}", ["Bugis", "Jawa", "Sidodadi"][n % 3], skills=["fire", "radio"], covers=["Pasar Pagi"], availability="Sen-Jum 08:00-17:00")
    admin = browser_for("admin")
    admin.get("/relawan/")
    with CaptureQueriesContext(connection) as queries:
        assert admin.get("/relawan/").status_code == 200
    assert len(queries) <= 25, len(queries)


def test_coverage_highlights_kelurahan_without_volunteers_and_without_anyone_available_now(world, browser_for, clock):
    make_volunteer("Rahmat", "Bugis")
    make_volunteer("Night Only", "Jawa", availability="Sab 22:00-06:00")
    make_volunteer("Retired", "Pasar Pagi", active=False)
    page = browser_for("admin").get("/relawan/coverage/")
    html = page.content.decode()

    def row_class(name):
        return re.search(rf'<tr class="([^"]*)">\s*<td><a href="/relawan/\?kelurahan=\d+">{name}</a>', html).group(1)

    assert row_class("Bugis") == ""
    assert row_class("Jawa") == "is-warn"
    assert row_class("Pasar Pagi") == "is-gap"
    assert "nobody available now" in text_of(page)
    gaps_only = browser_for("admin").get("/relawan/coverage/", {"gaps": "1"}).content.decode()
    assert ">Jawa</a>" in gaps_only and ">Bugis</a>" not in gaps_only


def form_data(**overrides):
    from dispatch112.models import Kelurahan

    data = {
        "name": "Rahmat Hidayat",
        "phone": "0812 7755 0101",
        "channel": "sms",
        "kelurahan": Kelurahan.objects.get(name="Bugis").pk,
        "skills": ["fire", "first_aid"],
        "languages": ["id", "bjn"],
        "availability": "Sen-Jum 18:00-22:00; Sab 22:00-06:00",
        "active": "on",
        "joined_on": "2024-08-17",
        "notes": "",
    }
    data.update(overrides)
    return data


def test_adding_a_volunteer_shows_each_mistake_at_its_field_and_saves_nothing(world, browser_for, clock):
    admin = browser_for("admin")
    make_volunteer("Budi", "Bugis", phone="081277550199")

    bad = admin.post("/relawan/new/", form_data(phone="0541 741112", availability="Senen malam"))
    assert bad.status_code == 400
    html = bad.content.decode()
    assert re.search(r'vf-invalid">\s*<label for="id_phone">.*?is not a mobile number', html, re.S)
    assert re.search(r'vf-invalid">\s*<label for="id_availability">.*?is not a time window', html, re.S)
    assert "Nothing was saved" in html and Volunteer.objects.count() == 1

    taken = admin.post("/relawan/new/", form_data(phone="0812-7755-0199"))
    assert taken.status_code == 400 and "+6281277550199 is already the number of Budi." in taken.content.decode()

    script = admin.post("/relawan/new/", form_data(name="<script>alert(1)</script>"))
    assert script.status_code == 302
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in admin.get(script["Location"]).content.decode()

    good = admin.post("/relawan/new/", form_data(name="Rahmat Hidayat", phone="081277550102"))
    assert good.status_code == 302
    rahmat = Volunteer.objects.with_related().get(phone="+6281277550102")
    assert rahmat.skills == ["first_aid", "fire"] and rahmat.windows.count() == 6


def test_two_coordinators_editing_one_volunteer_the_second_is_told(world, browser_for, clock):
    volunteer = make_volunteer("Rahmat", "Bugis", phone="081277550201")
    first, second = browser_for("admin"), browser_for("admin")
    first.get(f"/relawan/{volunteer.pk}/")
    second.get(f"/relawan/{volunteer.pk}/")

    assert first.post(f"/relawan/{volunteer.pk}/", form_data(name="Rahmat H.", phone="081277550201", version=1)).status_code == 302
    stale = second.post(f"/relawan/{volunteer.pk}/", form_data(name="Rahmat Hidayat", phone="081277550201", version=1))

    assert stale.status_code == 400 and "was changed by someone else" in stale.content.decode()
    assert Volunteer.objects.get(pk=volunteer.pk).name == "Rahmat H."


def test_importing_a_file_with_bad_rows_lists_them_and_a_good_file_is_taken(world, browser_for, clock):
    admin = browser_for("admin")
    bad = "name,phone,kelurahan\nGood,081277550301,Bugis\nNowhere,081277550302,Atlantis\n".encode()
    page = admin.post("/relawan/import/", {"file": SimpleUploadedFile("relawan.csv", bad, content_type="text/csv")})
    assert page.status_code == 400
    assert "1 bad row(s); nothing was imported." in text_of(page)
    assert re.search(r"<td class=\"num\">3</td><td>Nowhere</td><td>unknown kelurahan “Atlantis” in this region.</td>", page.content.decode())
    assert not Volunteer.objects.exists()

    # A spreadsheet saved by Excel on Windows: semicolons and a Windows code page.
    good = "name;phone;kelurahan;notes\nGood;081277550301;Bugis;Ketua RT\nCafé Owner;081277550303;Jawa;\n".encode("cp1252")
    done = admin.post("/relawan/import/", {"file": SimpleUploadedFile("relawan.csv", good, content_type="text/csv")}, follow=True)
    assert "Imported: 2 new, 0 updated, 0 unchanged." in text_of(done)
    assert Volunteer.objects.filter(name="Café Owner").exists()

    export = admin.get("/relawan/export.csv")
    assert export["Content-Type"] == "text/csv; charset=utf-8" and "attachment" in export["Content-Disposition"]
    assert export.content.decode().splitlines()[0].startswith("id,name,phone,")


def test_the_outbox_shows_each_message_and_a_failed_one_can_be_sent_again(world, browser_for, clock, settings, django_capture_on_commit_callbacks):
    operator = world.users["operator"]
    incident = make_incident(operator, place="Bugis")
    settings.MESSAGING_GATEWAY = "tests.volunteers.test_pages.Refuses"
    with django_capture_on_commit_callbacks(execute=True):
        (activation,) = activate(incident, [make_volunteer("Rahmat", "Bugis", phone="081277550401")], operator)
    message = Message.objects.get(activation=activation)
    assert message.status == MessageStatus.FAILED

    admin = browser_for("admin")
    page = admin.get("/relawan/outbox/", {"status": "failed"})
    assert "Rahmat" in text_of(page) and "number blocked by the provider" in text_of(page) and "Send again" in text_of(page)

    settings.MESSAGING_GATEWAY = "console"
    with django_capture_on_commit_callbacks(execute=True):
        resent = admin.post("/relawan/outbox/", {"message": message.pk, "status": "failed"}, follow=True)
    assert f"Message {message.pk} is queued again." in text_of(resent)
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT


class Refuses:
    name = "refuses"
    timeout = 1

    def send(self, message):
        from volunteers.gateways import PermanentSendError

        raise PermanentSendError("number blocked by the provider")
