"""OASIS CAP 1.2: writing this center's alerts as XML, and reading other senders' alerts.

Only XML in and out here; what is stored and pushed is decided in integrations.services.
"""

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from lxml import etree
from django.utils import timezone
from django.utils.dateparse import parse_datetime

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
ATOM_NS = "http://www.w3.org/2005/Atom"
SCHEMA_PATH = Path(__file__).resolve().parent / "schemas" / "CAP-v1.2.xsd"
LANGUAGE = "id-ID"
# Feeds are other people's servers: no entity expansion, no network lookups, no giant trees.
SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)


class CapParseError(ValueError):
    pass


def cap_time(moment):
    """CAP's dateTime: seconds precision, an explicit offset (WITA, +08:00), never "Z"."""
    return timezone.localtime(moment).isoformat(timespec="seconds")


def reference_of(alert, sender):
    return f"{sender},{alert.identifier},{cap_time(alert.sent)}"


def polygon_text(ring):
    return " ".join(f"{float(lat):.6f},{float(lon):.6f}" for lat, lon in ring)


def ring_from_geojson(geometry):
    """The outer ring of a kelurahan boundary (GeoJSON [lon, lat]) as CAP's [lat, lon], closed."""
    if not geometry:
        return []
    if geometry.get("type") == "Feature":
        geometry = geometry.get("geometry") or {}
    coordinates = geometry.get("coordinates") or []
    if geometry.get("type") == "MultiPolygon":
        coordinates = max(coordinates, key=lambda polygon: len(polygon[0]) if polygon else 0, default=[])
    elif geometry.get("type") != "Polygon":
        return []
    ring = [[round(float(lat), 6), round(float(lon), 6)] for lon, lat, *_ in (coordinates[0] if coordinates else [])]
    if len(ring) >= 3 and ring[0] != ring[-1]:
        ring.append(ring[0])
    return ring if len(ring) >= 4 else []


def _add(parent, name, text):
    element = etree.SubElement(parent, f"{{{CAP_NS}}}{name}")
    element.text = str(text)
    return element


def alert_xml(alert, *, sender, sender_name, web=""):
    """One published alert (integrations.models.PublishedAlert) as CAP 1.2 XML bytes."""
    root = etree.Element(f"{{{CAP_NS}}}alert", nsmap={None: CAP_NS})
    _add(root, "identifier", alert.identifier)
    _add(root, "sender", sender)
    _add(root, "sent", cap_time(alert.sent))
    _add(root, "status", alert.status)
    _add(root, "msgType", alert.msg_type)
    _add(root, "scope", "Public")
    thread = alert.thread_before() if alert.msg_type != "Alert" else []
    if thread:
        _add(root, "references", " ".join(reference_of(earlier, sender) for earlier in thread))
    info = etree.SubElement(root, f"{{{CAP_NS}}}info")
    _add(info, "language", LANGUAGE)
    _add(info, "category", alert.category)
    _add(info, "event", alert.event)
    _add(info, "urgency", alert.urgency)
    _add(info, "severity", alert.severity)
    _add(info, "certainty", alert.certainty)
    if alert.expires:
        _add(info, "expires", cap_time(alert.expires))
    _add(info, "senderName", sender_name)
    _add(info, "headline", alert.headline)
    if alert.description:
        _add(info, "description", alert.description)
    if alert.instruction:
        _add(info, "instruction", alert.instruction)
    if web:
        _add(info, "web", web)
    area = etree.SubElement(info, f"{{{CAP_NS}}}area")
    _add(area, "areaDesc", alert.area_desc)
    if alert.polygon:
        _add(area, "polygon", polygon_text(alert.polygon))
    if alert.circle_latitude is not None:
        _add(area, "circle", f"{alert.circle_latitude:.6f},{alert.circle_longitude:.6f} {alert.circle_radius_km:.3f}")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def schema():
    return etree.XMLSchema(etree.parse(str(SCHEMA_PATH)))


# --- reading ----------------------------------------------------------------------------------------


@dataclass
class ParsedAlert:
    identifier: str
    sender: str
    sent: datetime
    status: str
    msg_type: str
    references: list = field(default_factory=list)  # [(sender, identifier)]
    event: str = ""
    headline: str = ""
    description: str = ""
    instruction: str = ""
    urgency: str = ""
    severity: str = ""
    certainty: str = ""
    sender_name: str = ""
    expires: datetime | None = None
    area_desc: str = ""
    polygons: list = field(default_factory=list)  # [[[lat, lon], …]]
    circles: list = field(default_factory=list)  # [[lat, lon, radius_km]]
    geocodes: list = field(default_factory=list)  # [[valueName, value]]


def _text(node, name):
    found = node.find(f"{{{CAP_NS}}}{name}") if node is not None else None
    return (found.text or "").strip() if found is not None and found.text else ""


def _moment(text, name):
    moment = parse_datetime(text) if text else None
    if text and moment is None:
        raise CapParseError(f"<{name}> is not a date and time: {text[:40]!r}")
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.utc)
    return moment


def _points(text):
    points = []
    for pair in text.split():
        lat, lon = (float(part) for part in pair.split(","))
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise ValueError(pair)
        points.append([lat, lon])
    return points


def parse_alert(raw):
    """CAP 1.2 XML bytes → ParsedAlert. Raises CapParseError naming what is wrong."""
    try:
        root = etree.fromstring(raw, SAFE_PARSER)
    except etree.XMLSyntaxError as error:
        raise CapParseError(f"not well-formed XML: {error}") from None
    if root.tag != f"{{{CAP_NS}}}alert":
        raise CapParseError(f"not a CAP 1.2 alert (root element {root.tag})")
    required = {name: _text(root, name) for name in ("identifier", "sender", "sent", "status", "msgType")}
    missing = [name for name, value in required.items() if not value]
    if missing:
        raise CapParseError(f"missing <{'>, <'.join(missing)}>")
    references = []
    for entry in _text(root, "references").split():
        parts = entry.split(",")
        if len(parts) >= 2:
            references.append((parts[0], parts[1]))
    infos = root.findall(f"{{{CAP_NS}}}info")
    # Several <info> blocks are the same warning in several languages: prefer Indonesian.
    info = next((i for i in infos if _text(i, "language").lower().startswith("id")), infos[0] if infos else None)
    parsed = ParsedAlert(
        identifier=required["identifier"],
        sender=required["sender"],
        sent=_moment(required["sent"], "sent"),
        status=required["status"],
        msg_type=required["msgType"],
        references=references,
    )
    if info is None:
        return parsed
    for attribute, name in (
        ("event", "event"), ("headline", "headline"), ("description", "description"), ("instruction", "instruction"),
        ("urgency", "urgency"), ("severity", "severity"), ("certainty", "certainty"), ("sender_name", "senderName"),
    ):
        setattr(parsed, attribute, _text(info, name))
    parsed.expires = _moment(_text(info, "expires"), "expires")
    descriptions = []
    for area in info.findall(f"{{{CAP_NS}}}area"):
        descriptions.append(_text(area, "areaDesc"))
        try:
            for polygon in area.findall(f"{{{CAP_NS}}}polygon"):
                points = _points(polygon.text or "")
                if len(points) >= 3:
                    parsed.polygons.append(points)
            for circle in area.findall(f"{{{CAP_NS}}}circle"):
                centre, radius = (circle.text or "").split()
                parsed.circles.append([*_points(centre)[0], float(radius)])
        except ValueError:
            raise CapParseError(f"bad coordinates in the area “{descriptions[-1][:60]}”") from None
        for geocode in area.findall(f"{{{CAP_NS}}}geocode"):
            parsed.geocodes.append([_text(geocode, "valueName"), _text(geocode, "value")])
    parsed.area_desc = "; ".join(d for d in descriptions if d)
    return parsed


def index_links(raw):
    """The CAP file addresses an Atom or RSS index links to, in the feed's order."""
    try:
        root = etree.fromstring(raw, SAFE_PARSER)
    except etree.XMLSyntaxError as error:
        raise CapParseError(f"the index is not well-formed XML: {error}") from None
    if root.tag == f"{{{CAP_NS}}}alert":
        return []
    links = []
    for entry in root.iter(f"{{{ATOM_NS}}}entry"):
        candidates = entry.findall(f"{{{ATOM_NS}}}link")
        # A CAP feed marks the alert's own link; otherwise the first link of the entry.
        chosen = next((c for c in candidates if "cap" in (c.get("type") or "")), candidates[0] if candidates else None)
        if chosen is not None and chosen.get("href"):
            links.append(chosen.get("href").strip())
    for item in root.iter("item"):
        link = item.findtext("link")
        if link and link.strip():
            links.append(link.strip())
    return links
