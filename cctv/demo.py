"""Demo CCTV for Samarinda: 30 points at real street corners, with feeds this project serves itself.

The coordinates are approximate (read off public maps to ~100 m), the cameras are marked as demo
data, and their feed is cctv.views.demo_feed: a picture with the camera's name and the current
WITA time, so the wall works on a machine with no network. Two of them are set up broken (one
feed answers 503, one is an RTSP camera nobody can reach) so that offline cameras can be seen too.
"""

import hashlib
from xml.sax.saxutils import escape

from django.db import transaction
from django.utils import timezone

from cctv.models import Camera, FeedKind

# code, name, location, kelurahan code, lat, lon, direction
DEMO_CAMERAS = [
    ("SMD-CAM-01", "Simpang Lembuswana", "Jl. M.T. Haryono × Jl. S. Parman × Jl. Juanda", "64.72.03.1005", -0.4770, 117.1458, "S"),
    ("SMD-CAM-02", "Simpang Empat Sempaja", "Jl. P.M. Noor × Jl. D.I. Panjaitan × Jl. K.H. Wahid Hasyim", "64.72.05.1002", -0.4460, 117.1600, "N"),
    ("SMD-CAM-03", "Simpang Air Hitam", "Jl. A.W. Syahranie × Jl. Juanda", "64.72.03.1005", -0.4718, 117.1395, "E"),
    ("SMD-CAM-04", "Jembatan Mahakam (ujung utara)", "Jl. Slamet Riyadi × Jl. Untung Suropati", "64.72.06.1006", -0.5105, 117.1283, "SW"),
    ("SMD-CAM-05", "Simpang Pasar Pagi", "Jl. Gajah Mada × Jl. Yos Sudarso", "64.72.09.1003", -0.5036, 117.1468, "E"),
    ("SMD-CAM-06", "Taman Samarendah", "Jl. Bhayangkara × Jl. Awang Long", "64.72.09.1004", -0.4972, 117.1447, "N"),
    ("SMD-CAM-07", "Simpang Citra Niaga", "Jl. Jend. Sudirman × Jl. Niaga Selatan", "64.72.09.1002", -0.5012, 117.1505, "W"),
    ("SMD-CAM-08", "Simpang Segiri", "Jl. Dr. Sutomo × Jl. Agus Salim", "64.72.09.1005", -0.4958, 117.1512, "NE"),
    ("SMD-CAM-09", "Simpang Kesuma Bangsa", "Jl. Kesuma Bangsa × Jl. Dr. Sutomo", "64.72.04.1003", -0.4966, 117.1578, "S"),
    ("SMD-CAM-10", "Simpang Basuki Rahmat", "Jl. Basuki Rahmat × Jl. Imam Bonjol", "64.72.09.1003", -0.4992, 117.1488, "N"),
    ("SMD-CAM-11", "Islamic Center", "Jl. Slamet Riyadi × Jl. Meranti", "64.72.06.1005", -0.5085, 117.1330, "E"),
    ("SMD-CAM-12", "Simpang Teluk Lerong", "Jl. Slamet Riyadi × Jl. Tengkawang", "64.72.03.1001", -0.5038, 117.1352, "W"),
    ("SMD-CAM-13", "Simpang Karang Asam", "Jl. Slamet Riyadi × Jl. Cendana", "64.72.06.1006", -0.5064, 117.1198, "E"),
    ("SMD-CAM-14", "Simpang Siradj Salman", "Jl. Juanda × Jl. Siradj Salman", "64.72.03.1005", -0.4862, 117.1352, "N"),
    ("SMD-CAM-15", "Simpang Gunung Kelua", "Jl. A.W. Syahranie × Jl. Pramuka", "64.72.03.1008", -0.4660, 117.1515, "SE"),
    ("SMD-CAM-16", "Simpang M. Yamin", "Jl. M. Yamin × Jl. Pemuda", "64.72.03.1008", -0.4705, 117.1488, "S"),
    ("SMD-CAM-17", "Simpang Wahid Hasyim", "Jl. K.H. Wahid Hasyim × Jl. Pemuda", "64.72.05.1002", -0.4578, 117.1530, "W"),
    ("SMD-CAM-18", "Simpang Gunung Lingai", "Jl. D.I. Panjaitan × Jl. Ahmad Yani", "64.72.08.1001", -0.4625, 117.1610, "N"),
    ("SMD-CAM-19", "Simpang Temindung", "Jl. Ahmad Yani × Jl. Pahlawan", "64.72.08.1001", -0.4745, 117.1580, "E"),
    ("SMD-CAM-20", "Simpang Sungai Pinang", "Jl. Gerilya × Jl. Ruhui Rahayu", "64.72.08.1002", -0.4710, 117.1752, "S"),
    ("SMD-CAM-21", "Simpang Pelita", "Jl. Pelita × Jl. Sultan Sulaiman", "64.72.04.1013", -0.4985, 117.1725, "E"),
    ("SMD-CAM-22", "Simpang Sambutan", "Jl. Sultan Sulaiman × Jl. Sambutan", "64.72.07.1002", -0.5020, 117.1985, "W"),
    ("SMD-CAM-23", "Simpang Selili", "Jl. Otto Iskandardinata × Jl. Pangeran Bendahara", "64.72.04.1001", -0.5140, 117.1615, "N"),
    ("SMD-CAM-24", "Simpang Samarinda Seberang", "Jl. Bung Tomo × Jl. Sultan Hasanuddin", "64.72.02.1003", -0.5228, 117.1482, "NW"),
    ("SMD-CAM-25", "Jembatan Mahulu", "Jl. Cipto Mangunkusumo × Jl. Jembatan Mahulu", "64.72.02.1011", -0.5300, 117.1060, "NE"),
    ("SMD-CAM-26", "Simpang Loa Bakung", "Jl. Jakarta × Jl. Suryanata", "64.72.06.1001", -0.5195, 117.0995, "E"),
    ("SMD-CAM-27", "Simpang Rapak Dalam", "Jl. Cipto Mangunkusumo × Jl. H.A.M.M. Rifaddin", "64.72.10.1005", -0.5345, 117.1350, "S"),
    ("SMD-CAM-28", "Simpang Palaran", "Jl. Trikora × Jl. Ampera", "64.72.01.1001", -0.5930, 117.1845, "N"),
    ("SMD-CAM-29", "Simpang Mugirejo", "Jl. D.I. Panjaitan × Jl. Mugirejo", "64.72.08.1004", -0.4760, 117.1915, "W"),
    ("SMD-CAM-30", "Gerbang Bandara APT Pranoto", "Jl. Poros Samarinda–Bontang, Sungai Siring", "64.72.05.1004", -0.3745, 117.2560, "SE"),
]
# Set up broken on purpose: a feed that answers 503, and an RTSP camera behind a gateway that is
# not there (192.0.2.0/24 is reserved for documentation and never answers).
DEMO_BROKEN_FEEDS = {
    "SMD-CAM-13": (FeedKind.SNAPSHOT, "/cctv/demo/SMD-CAM-13.svg?state=down"),
    "SMD-CAM-30": (FeedKind.RTSP, "rtsp://192.0.2.30:554/Streaming/Channels/101"),
}


def demo_feed_url(code):
    return f"/cctv/demo/{code}.svg"


@transaction.atomic
def seed_demo_cameras():
    """Register the 30 demo cameras once (idempotent); returns a line for the seed report."""
    from dispatch112.models import Kelurahan

    kelurahan = {k.code: k for k in Kelurahan.objects.filter(code__in=[row[3] for row in DEMO_CAMERAS])}
    created = 0
    for code, name, location, kelurahan_code, lat, lon, direction in DEMO_CAMERAS:
        kind, url = DEMO_BROKEN_FEEDS.get(code, (FeedKind.SNAPSHOT, demo_feed_url(code)))
        _, was_created = Camera.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "location": location,
                "kelurahan": kelurahan.get(kelurahan_code),
                "latitude": lat,
                "longitude": lon,
                "direction": direction,
                "feed_kind": kind,
                "feed_url": url,
                "is_demo": True,
            },
        )
        created += was_created
    return f"CCTV: {created} demo cameras registered, {Camera.objects.filter(is_demo=True).count()} demo cameras in all"


def _tint(code):
    digest = hashlib.sha1(code.encode()).digest()
    return digest[0] % 360, digest[1]


def render_demo_svg(camera, *, now=None):
    """A 640×360 picture in the style of a street camera's on-screen display: the name and the
    WITA time burnt in, and traffic that moves from one frame to the next."""
    now = timezone.localtime(now or timezone.now())
    hue, seed = _tint(camera.code)
    seconds = now.second + now.minute * 60
    cars = []
    for lane, (y, height, speed, colour) in enumerate(
        [(262, 26, 37, "#d9d9d9"), (292, 32, 23, "#b23a3a"), (226, 18, 53, "#3a6bb2"), (246, 22, 31, "#e0c341")]
    ):
        x = ((seconds * speed + seed * (lane + 3) * 7) % 900) - 130
        if lane % 2:
            x = 640 - x
        width = height * 2.3
        cars.append(
            f'<rect x="{x:.0f}" y="{y}" width="{width:.0f}" height="{height}" rx="5" fill="{colour}"/>'
            f'<rect x="{x + width * 0.18:.0f}" y="{y + 3}" width="{width * 0.5:.0f}" height="{height * 0.35:.0f}" rx="3" fill="#1d2733" opacity=".75"/>'
        )
    timestamp = now.strftime("%d-%m-%Y %H:%M:%S") + " WITA"
    name = escape(camera.name)
    location = escape(camera.location)
    code = escape(camera.code)
    return f"""<svg xmlns="http://www.w3.org/2000/svg" width="640" height="360" viewBox="0 0 640 360">
<defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="hsl({hue},35%,62%)"/><stop offset="1" stop-color="hsl({hue},25%,82%)"/></linearGradient></defs>
<rect width="640" height="360" fill="url(#sky)"/>
<rect y="150" width="640" height="60" fill="hsl({(hue + 90) % 360},18%,46%)"/>
<rect x="40" y="92" width="70" height="70" fill="#6b7480"/><rect x="130" y="112" width="90" height="50" fill="#7d8590"/>
<rect x="470" y="100" width="60" height="62" fill="#5f6874"/><rect x="545" y="80" width="80" height="82" fill="#737c88"/>
<polygon points="0,360 640,360 640,205 0,205" fill="#3b4048"/>
<g stroke="#f2f2f2" stroke-width="4" stroke-dasharray="28 22"><line x1="0" y1="255" x2="640" y2="255"/><line x1="0" y1="288" x2="640" y2="288"/></g>
{''.join(cars)}
<rect width="640" height="42" fill="#000" opacity=".55"/><rect y="326" width="640" height="34" fill="#000" opacity=".55"/>
<g font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" fill="#fff">
<text x="12" y="19" font-size="16" font-weight="700">{name}</text>
<text x="12" y="36" font-size="11" opacity=".85">{location}</text>
<text x="628" y="19" font-size="13" font-weight="700" text-anchor="end" fill="#ffd54f">DEMO</text>
<text x="12" y="349" font-size="17" font-weight="700">{timestamp}</text>
<text x="628" y="349" font-size="13" text-anchor="end">{code}</text>
</g>
</svg>"""
