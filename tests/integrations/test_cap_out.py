"""CAP 1.2 out: what a supervisor publishes is a schema-valid alert; updates and cancels reference
the thread; the per-alert XML and the Atom feed are public and carry no personal data."""

from decimal import Decimal

import pytest
from django.test import Client
from lxml import etree

from dispatch112.errors import TransitionNotAllowed
from integrations import cap
from integrations.models import PublishedAlert
from integrations.services import WarningInput, cap_alert_cancel, cap_alert_publish, cap_alert_update, warning_from_incident

NS = {"cap": cap.CAP_NS, "atom": cap.ATOM_NS}
SCHEMA = cap.schema()


def flood_warning(**changes):
    fields = dict(
        category="Met", event="Banjir", urgency="Immediate", severity="Severe", certainty="Observed",
        headline="Banjir di Sempaja Selatan", area_desc="Kel. Sempaja Selatan, Kec. Samarinda Utara",
        description="Air setinggi 50 cm di Jl. Pemuda.", instruction="Hindari Jl. Pemuda; siapkan barang berharga.",
        latitude=Decimal("-0.4620"), longitude=Decimal("117.1580"), radius_km=Decimal("1.5"),
    )
    fields.update(changes)
    return WarningInput(**fields)


def fetch_xml(alert):
    response = Client().get(f"/integrations/cap/alerts/{alert.identifier}.xml")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/cap+xml")
    document = etree.fromstring(response.content)
    SCHEMA.assertValid(document)
    return document


def test_a_public_warning_is_a_valid_cap_alert_in_indonesian(world):
    alert = cap_alert_publish(by=world.supervisor, data=flood_warning())
    document = fetch_xml(alert)

    assert document.findtext("cap:msgType", namespaces=NS) == "Alert"
    assert document.findtext("cap:scope", namespaces=NS) == "Public"
    assert document.findtext("cap:sent", namespaces=NS).endswith("+08:00")
    assert document.find("cap:references", NS) is None
    info = document.find("cap:info", NS)
    assert info.findtext("cap:language", namespaces=NS) == "id-ID"
    assert info.findtext("cap:headline", namespaces=NS) == "Banjir di Sempaja Selatan"
    assert info.findtext("cap:area/cap:circle", namespaces=NS) == "-0.462000,117.158000 1.500"


def test_an_update_and_a_cancel_validate_and_reference_the_thread(world):
    alert = cap_alert_publish(by=world.supervisor, data=flood_warning())
    update = cap_alert_update(alert=alert, by=world.supervisor, data=flood_warning(headline="Banjir meluas ke Sempaja Utara"))
    cancel = cap_alert_cancel(alert=update, by=world.supervisor, reason="Air sudah surut.")

    update_xml, cancel_xml = fetch_xml(update), fetch_xml(cancel)
    assert update_xml.findtext("cap:msgType", namespaces=NS) == "Update"
    sender = update_xml.findtext("cap:sender", namespaces=NS)
    assert update_xml.findtext("cap:references", namespaces=NS) == f"{sender},{alert.identifier},{cap.cap_time(alert.sent)}"
    assert cancel_xml.findtext("cap:msgType", namespaces=NS) == "Cancel"
    assert cancel_xml.findtext("cap:references", namespaces=NS).split() == [
        f"{sender},{alert.identifier},{cap.cap_time(alert.sent)}",
        f"{sender},{update.identifier},{cap.cap_time(update.sent)}",
    ]
    with pytest.raises(TransitionNotAllowed):
        cap_alert_update(alert=alert, by=world.supervisor, data=flood_warning())


def test_an_incident_is_published_with_its_kelurahan_boundary_and_no_caller_data(world, new_incident):
    incident = new_incident("banjir", caller_number="0812 3456 7890", caller_name="Budi Santoso")
    kelurahan = incident.kelurahan
    kelurahan.boundary = {"type": "Polygon", "coordinates": [[[117.15, -0.50], [117.16, -0.50], [117.16, -0.51], [117.15, -0.51]]]}
    kelurahan.save()
    alert = cap_alert_publish(by=world.supervisor, data=warning_from_incident(incident), incident=incident)

    document = fetch_xml(alert)
    assert document.findtext("cap:info/cap:area/cap:polygon", namespaces=NS).split() == [
        "-0.500000,117.150000", "-0.500000,117.160000", "-0.510000,117.160000", "-0.510000,117.150000", "-0.500000,117.150000",
    ]
    text = etree.tostring(document).decode()
    assert "3456" not in text and "Budi" not in text


def test_the_atom_feed_is_public_and_links_each_message(world):
    alert = cap_alert_publish(by=world.supervisor, data=flood_warning())
    cap_alert_cancel(alert=alert, by=world.supervisor, reason="Air sudah surut.")

    response = Client().get("/integrations/cap/feed.atom")
    assert response.status_code == 200
    feed = etree.fromstring(response.content)
    links = [link.get("href") for link in feed.findall("atom:entry/atom:link", NS)]
    assert len(links) == 2 and all(link.endswith(".xml") for link in links)
    assert [e.get("term") for e in feed.findall("atom:entry/atom:category", NS)] == ["Cancel", "Alert"]


def test_the_supervisor_publishes_from_the_form_and_a_missing_area_is_named(world):
    client = Client()
    client.force_login(world.supervisor)
    form = {"headline": "Jalan ditutup: Jl. Slamet Riyadi", "category": "Transport", "event": "Jalan ditutup", "urgency": "Expected",
            "severity": "Moderate", "certainty": "Observed", "area_desc": "Jl. Slamet Riyadi", "status": "Actual"}

    refused = client.post("/integrations/cap/", form)
    # The page speaks the center's language: the reason in Bahasa Indonesia, on the kelurahan field.
    assert refused.status_code == 400 and "peringatan memerlukan wilayah di peta" in refused.content.decode()
    assert not PublishedAlert.objects.exists()

    published = client.post("/integrations/cap/", {**form, "latitude": "-0.5050", "longitude": "117.1300", "radius_km": "0.5"})
    assert published.status_code == 302
    alert = PublishedAlert.objects.get()
    fetch_xml(alert)
    page = client.get("/integrations/cap/").content.decode()
    assert "Jalan ditutup: Jl. Slamet Riyadi" in page


def test_only_supervisors_and_admins_publish(world):
    client = Client()
    client.force_login(world.operator)
    assert client.get("/integrations/cap/").status_code == 403
