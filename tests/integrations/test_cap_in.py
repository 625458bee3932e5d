"""CAP in: the feed reader against a real local server playing BMKG's feed (RSS index + CAP files):
alerts whose area covers Samarinda are kept and pushed, the rest ignored, repeats skipped,
updates and cancels applied; malformed files, timeouts and a dead feed are logged, never raised."""

import pytest

from integrations.models import ReceivedAlert
from integrations.services import cap_feeds_read

SENDER = "bmkg@bmkg.go.id"


def cap_file(identifier, *, polygon, msg_type="Alert", references="", headline="Peringatan Dini Cuaca Kalimantan Timur", area="Kota Samarinda"):
    refs = f"<references>{references}</references>" if references else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>{identifier}</identifier>
  <sender>{SENDER}</sender>
  <sent>2026-11-27T09:40:00+07:00</sent>
  <status>Actual</status>
  <msgType>{msg_type}</msgType>
  <scope>Public</scope>{refs}
  <info>
    <language>id</language>
    <category>Met</category>
    <event>Hujan Lebat disertai Kilat/Petir</event>
    <urgency>Immediate</urgency>
    <severity>Moderate</severity>
    <certainty>Likely</certainty>
    <expires>2026-11-27T13:00:00+07:00</expires>
    <senderName>BMKG</senderName>
    <headline>{headline}</headline>
    <description>Hujan lebat dapat disertai kilat/petir dan angin kencang di {area}.</description>
    <area><areaDesc>{area}</areaDesc><polygon>{polygon}</polygon></area>
  </info>
  <info>
    <language>en</language><category>Met</category><event>Heavy rain</event>
    <urgency>Immediate</urgency><severity>Moderate</severity><certainty>Likely</certainty>
  </info>
</alert>""".encode()


SAMARINDA = "-0.40,117.05 -0.40,117.30 -0.65,117.30 -0.65,117.05 -0.40,117.05"
JAKARTA = "-6.10,106.70 -6.10,106.95 -6.35,106.95 -6.35,106.70 -6.10,106.70"
# A province-wide polygon: every vertex far outside the city, the city inside it.
KALTIM = "1.50,115.50 1.50,118.90 -2.40,118.90 -2.40,115.50 1.50,115.50"


def rss(*paths):
    items = "".join(f"<item><title>{p}</title><link>{p}</link></item>" for p in paths)
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>BMKG</title>{items}</channel></rss>'.encode()


@pytest.fixture
def bmkg(feed_server, settings):
    settings.CAP_FEED_TIMEOUT_SECONDS = 1
    settings.CAP_FEED_URLS = [feed_server.url("/alert/public/id/rss.xml")]
    return feed_server


def test_alerts_covering_the_region_are_kept_and_pushed_the_rest_ignored(world, bmkg, pushed, django_capture_on_commit_callbacks):
    bmkg.files = {
        "/alert/public/id/rss.xml": rss("/cap/smd.xml", "/cap/jkt.xml", "/cap/kaltim.xml"),
        "/cap/smd.xml": cap_file("CBT20261127001", polygon=SAMARINDA),
        "/cap/jkt.xml": cap_file("CJK20261127001", polygon=JAKARTA, area="DKI Jakarta"),
        "/cap/kaltim.xml": cap_file("CKT20261127002", polygon=KALTIM, area="Kalimantan Timur"),
    }
    with django_capture_on_commit_callbacks(execute=True):
        summary = cap_feeds_read()

    assert summary == {"stored": 2, "skipped": 1, "errors": 0}
    kept = ReceivedAlert.objects.order_by("identifier")
    assert [a.identifier for a in kept] == ["CBT20261127001", "CKT20261127002"]
    assert kept[0].headline == "Peringatan Dini Cuaca Kalimantan Timur"  # the Indonesian <info>
    received = [m for groups, m in pushed if m["kind"] == "cap.alert_received"]
    assert len(received) == 2 and all(groups == ["console"] for groups, m in pushed if m["kind"] == "cap.alert_received")

    with django_capture_on_commit_callbacks(execute=True):
        assert cap_feeds_read() == {"stored": 0, "skipped": 3, "errors": 0}
    assert bmkg.requests.count("/cap/smd.xml") == 1  # a file already stored is not fetched again


def test_an_update_replaces_and_a_cancel_ends_an_alert(world, bmkg, client_for):
    reference = f"{SENDER},CBT20261127001,2026-11-27T09:40:00+07:00"
    bmkg.files = {"/alert/public/id/rss.xml": rss("/cap/1.xml"), "/cap/1.xml": cap_file("CBT20261127001", polygon=SAMARINDA)}
    cap_feeds_read()
    bmkg.files.update({
        "/alert/public/id/rss.xml": rss("/cap/1.xml", "/cap/2.xml"),
        "/cap/2.xml": cap_file("CBT20261127002", polygon=SAMARINDA, msg_type="Update", references=reference, headline="Hujan lebat meluas"),
    })
    cap_feeds_read()
    in_force = client_for(world.operator).get("/api/v1/cap/received/").json()["results"]
    assert [a["headline"] for a in in_force] == ["Hujan lebat meluas"]

    bmkg.files.update({
        "/alert/public/id/rss.xml": rss("/cap/3.xml"),
        "/cap/3.xml": cap_file("CBT20261127003", polygon=SAMARINDA, msg_type="Cancel", references=f"{SENDER},CBT20261127002,x"),
    })
    cap_feeds_read()
    assert client_for(world.operator).get("/api/v1/cap/received/").json()["results"] == []
    assert ReceivedAlert.objects.get(identifier="CBT20261127002").cancelled_at is not None


def test_malformed_files_timeouts_and_a_dead_feed_are_logged_and_skipped(world, bmkg, caplog):
    bmkg.files = {
        "/alert/public/id/rss.xml": rss("/cap/broken.xml", "/cap/slow.xml", "/cap/missing.xml", "/cap/notcap.xml", "/cap/ok.xml"),
        "/cap/broken.xml": b"<alert xmlns='urn:oasis:names:tc:emergency:cap:1.2'><identifier>X",
        "/cap/slow.xml": cap_file("SLOW1", polygon=SAMARINDA),
        "/cap/notcap.xml": b"<html><body>Maintenance</body></html>",
        "/cap/ok.xml": cap_file("OK1", polygon=SAMARINDA),
    }
    bmkg.slow = {"/cap/slow.xml"}
    summary = cap_feeds_read(urls=[*[bmkg.url("/alert/public/id/rss.xml")], "http://127.0.0.1:9/rss.xml", bmkg.url("/missing-index.xml")])

    assert summary == {"stored": 1, "skipped": 0, "errors": 6}
    assert list(ReceivedAlert.objects.values_list("identifier", flat=True)) == ["OK1"]
    log = caplog.text
    assert "not well-formed XML" in log and "no answer within 1 s" in log and "HTTP 404" in log
    assert "not a CAP 1.2 alert" in log and "cannot reach it" in log


def test_the_received_alerts_list_is_for_console_roles_only(world, client_for):
    assert client_for(world.damkar_staff).get("/api/v1/cap/received/").status_code == 403
