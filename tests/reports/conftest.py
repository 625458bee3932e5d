"""A small fixed world whose every report figure was worked out by hand (tests/reports/test_figures.py
lists them). Rows are written directly: these tests are about what the reports make of stored
timestamps, so each timestamp is set exactly, including the odd ones the services would only
produce over hours (a step skipped, a step never reached, a call just after midnight WITA).

The day under report is Tuesday 10 March 2026 in WITA (UTC+8): 2026-03-09 16:00 UTC up to
2026-03-10 16:00 UTC.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

from dispatch112.models import Kecamatan, Kelurahan, Region
from incidents.models import Agency, AgencyKind, Assignment, Call, Incident, IncidentCategory, IncidentStatus
from reports import facts
from tests.factories import UserFactory

WITA = ZoneInfo("Asia/Makassar")
DAY = date(2026, 3, 10)
DAY_PARAMS = {"period": "custom", "from": "2026-03-10", "to": "2026-03-10"}


def at(hh, mm, ss=0, day=DAY):
    return datetime(day.year, day.month, day.day, hh, mm, ss, tzinfo=WITA)


@dataclass
class Dataset:
    users: dict
    kecamatan: dict
    categories: dict
    agencies: dict
    incidents: dict = field(default_factory=dict)


def make_incident(ds, name, *, category, kelurahan, priority, created, call_received, call_answered, operator, shift, shift_date,
                  dispatched=None, resolved=None, status=IncidentStatus.DISPATCHED):  # fmt: skip
    incident = Incident.objects.create(
        reference=f"TEST-{name}",
        category=ds.categories[category],
        priority=priority,
        status=status,
        kelurahan=kelurahan,
        created_at=created,
        created_by=operator,
        dispatched_at=dispatched,
        resolved_at=resolved,
        cancelled_at=created + timedelta(minutes=20) if status == IncidentStatus.CANCELLED else None,
        shift=shift,
        shift_date=shift_date,
    )
    Call.objects.create(
        received_at=call_received, answered_at=call_answered, ended_at=created, operator=operator, outcome="emergency",
        incident=incident, shift=shift, shift_date=shift_date,
    )  # fmt: skip
    ds.incidents[name] = incident
    return incident


def assign(incident, agency, *, notified, acknowledged=None, en_route=None, on_scene=None):
    return Assignment.objects.create(
        incident=incident, agency=agency, notified_at=notified, acknowledged_at=acknowledged, en_route_at=en_route, on_scene_at=on_scene,
        status="on_scene" if on_scene else ("acknowledged" if acknowledged else "notified"),
    )  # fmt: skip


def other_call(outcome, received, operator, shift="pagi", shift_date=DAY):
    return Call.objects.create(
        received_at=received, answered_at=received + timedelta(seconds=5), ended_at=received + timedelta(seconds=30), operator=operator,
        outcome=outcome, shift=shift, shift_date=shift_date,
    )  # fmt: skip


@pytest.fixture
def dataset(db):
    region, _ = Region.objects.get_or_create(code=settings.REGION_CODE, defaults={"name": "Kota Uji", "level": "kota"})
    kec_a = Kecamatan.objects.create(code="99.01", name="Alpha", region=region, latitude="-0.50", longitude="117.15")
    kec_b = Kecamatan.objects.create(code="99.02", name="Beta", region=region, latitude="-0.55", longitude="117.10")
    kel_a = Kelurahan.objects.create(code="99.01.1001", name="Alpha Satu", kecamatan=kec_a, kind="kelurahan")
    kel_b = Kelurahan.objects.create(code="99.02.1001", name="Beta Satu", kecamatan=kec_b, kind="kelurahan")
    damkar = Agency.objects.create(code="t-damkar", name="Damkar Uji", kind=AgencyKind.FIRE)
    psc = Agency.objects.create(code="t-psc", name="PSC Uji", kind=AgencyKind.MEDICAL)
    fire = IncidentCategory.objects.create(code="t-fire", name_id="Kebakaran Uji", name_en="Test fire", default_priority=1)
    flood = IncidentCategory.objects.create(code="t-flood", name_id="Banjir Uji", name_en="Test flood", default_priority=3)
    ana = UserFactory(username="ana", first_name="Ana", operator=True)
    budi = UserFactory(username="budi", first_name="Budi", operator=True)
    ds = Dataset(
        users={"ana": ana, "budi": budi},
        kecamatan={"a": kec_a, "b": kec_b},
        categories={"fire": fire, "flood": flood},
        agencies={"damkar": damkar, "psc": psc},
    )

    # I1: a fire in Alpha at 10:00, two agencies. PSC acknowledged late and went straight to the
    # scene (no "en route"). Resolved at 11:00:30.
    i1 = make_incident(ds, "I1", category="fire", kelurahan=kel_a, priority=1, created=at(10, 0), call_received=at(9, 59, 20),
                       call_answered=at(9, 59, 30), dispatched=at(10, 0, 30), resolved=at(11, 0, 30), operator=ana, shift="pagi",
                       shift_date=DAY, status=IncidentStatus.RESOLVED)  # fmt: skip
    assign(i1, damkar, notified=at(10, 0, 30), acknowledged=at(10, 1, 30), en_route=at(10, 2, 0), on_scene=at(10, 10, 30))
    assign(i1, psc, notified=at(10, 0, 30), acknowledged=at(10, 3, 50), on_scene=at(10, 15, 30))

    # I2: a flood in Beta at 23:30, the night shift: on scene after midnight, not resolved yet.
    i2 = make_incident(ds, "I2", category="flood", kelurahan=kel_b, priority=3, created=at(23, 30), call_received=at(23, 29),
                       call_answered=at(23, 29, 10), dispatched=at(23, 31), operator=budi, shift="malam", shift_date=DAY,
                       status=IncidentStatus.ON_SCENE)  # fmt: skip
    assign(i2, damkar, notified=at(23, 31), acknowledged=at(23, 41), en_route=at(23, 45), on_scene=at(0, 20, day=DAY + timedelta(days=1)))

    # I3: five past midnight WITA (still 9 March in UTC): the night shift of 9 March; never dispatched.
    make_incident(ds, "I3", category="fire", kelurahan=kel_a, priority=1, created=at(0, 5), call_received=at(0, 3, 55),
                  call_answered=at(0, 4, 10), operator=budi, shift="malam", shift_date=DAY - timedelta(days=1),
                  status=IncidentStatus.NEW)  # fmt: skip

    # I4: cancelled (nobody found at the place): left out of every duration, counted apart.
    i4 = make_incident(ds, "I4", category="fire", kelurahan=kel_b, priority=1, created=at(12, 0), call_received=at(11, 59),
                       call_answered=at(11, 59, 5), dispatched=at(12, 1), operator=ana, shift="pagi", shift_date=DAY,
                       status=IncidentStatus.CANCELLED)  # fmt: skip
    assign(i4, damkar, notified=at(12, 1), acknowledged=at(12, 1, 30))

    # Outside the day by one second on each side: they would change every figure if counted.
    before = make_incident(ds, "before", category="fire", kelurahan=kel_a, priority=1, created=at(23, 59, 59, day=DAY - timedelta(days=1)),
                           call_received=at(23, 59, 50, day=DAY - timedelta(days=1)), call_answered=at(23, 59, 52, day=DAY - timedelta(days=1)),
                           dispatched=at(0, 0, 10), operator=ana, shift="malam", shift_date=DAY - timedelta(days=1))  # fmt: skip
    assign(before, damkar, notified=at(0, 0, 10), acknowledged=at(0, 0, 20))
    after = make_incident(ds, "after", category="fire", kelurahan=kel_a, priority=1, created=at(0, 0, 0, day=DAY + timedelta(days=1)),
                          call_received=at(0, 0, 0, day=DAY + timedelta(days=1)), call_answered=at(0, 0, 0, day=DAY + timedelta(days=1)),
                          dispatched=at(0, 0, 5, day=DAY + timedelta(days=1)), operator=ana, shift="malam", shift_date=DAY)  # fmt: skip
    assign(after, damkar, notified=at(0, 0, 5, day=DAY + timedelta(days=1)), acknowledged=at(0, 0, 6, day=DAY + timedelta(days=1)))

    # Calls that are no incident: 2 prank, 1 silent, 1 info on the day; one prank a second before it.
    other_call("prank", at(3, 10), budi, shift="malam", shift_date=DAY - timedelta(days=1))
    other_call("prank", at(10, 20), ana)
    other_call("silent", at(10, 40), ana)
    other_call("info", at(16, 0), budi, shift="siang")
    other_call("prank", at(23, 59, 59, day=DAY - timedelta(days=1)), budi, shift="malam", shift_date=DAY - timedelta(days=1))
    # The rows above were written directly, not by the services that keep the report facts: build
    # the facts from them as the migration and `manage.py report_facts --rebuild` do.
    facts.rebuild()
    return ds


@pytest.fixture
def volunteer_activations(dataset):
    """Two relawan called to I1: one accepted after a minute and arrived after ten, one declined."""
    from volunteers.models import Activation, Volunteer

    i1 = dataset.incidents["I1"]
    kelurahan = i1.kelurahan
    first = Volunteer.objects.create(name="Relawan Satu", phone="+6281200000001", kelurahan=kelurahan, joined_on=DAY)
    second = Volunteer.objects.create(name="Relawan Dua", phone="+6281200000002", kelurahan=kelurahan, joined_on=DAY)
    sent = at(10, 2)
    Activation.objects.create(incident=i1, volunteer=first, token_nonce="a", sent_at=sent, respond_by=sent + timedelta(minutes=15),
                              accepted_at=sent + timedelta(seconds=60), arrived_at=sent + timedelta(seconds=600), status="arrived")  # fmt: skip
    Activation.objects.create(incident=i1, volunteer=second, token_nonce="b", sent_at=sent, respond_by=sent + timedelta(minutes=15),
                              declined_at=sent + timedelta(seconds=30), status="declined")  # fmt: skip
    return dataset


@pytest.fixture
def pbx_calls(dataset):
    """Five calls at the PBX: answered after 10, 18 and 25 s in the queue, one hung up in the voice
    menu and one while queued; the last at 23:50."""
    from intake.models import PbxCall

    def pbx(n, offered, queued=None, answered=None, abandoned=None, stage=""):
        return PbxCall.objects.create(pbx_call_id=f"pbx-{n}", offered_at=offered, queued_at=queued, answered_at=answered,
                                      abandoned_at=abandoned, abandoned_stage=stage)  # fmt: skip

    pbx(1, at(10, 0), at(10, 0, 20), at(10, 0, 30))
    pbx(2, at(10, 5), at(10, 5, 0), at(10, 5, 18))
    pbx(3, at(10, 30), at(10, 30, 30), at(10, 30, 55))
    pbx(4, at(10, 40), abandoned=at(10, 40, 25), stage="menu")
    pbx(5, at(23, 50), at(23, 50, 20), abandoned=at(23, 51, 0), stage="queue")
    pbx(6, at(23, 59, 0, day=DAY - timedelta(days=1)), at(23, 59, 1, day=DAY - timedelta(days=1)), at(23, 59, 2, day=DAY - timedelta(days=1)))
    facts.rebuild_pbx()  # written directly, as the dataset's rows
    return dataset
