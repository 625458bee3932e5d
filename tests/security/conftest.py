"""The security tests' world: the demo core (wilayah, agencies, users, cameras, relawan, roster),
one incident dispatched to Damkar with a relawan called to it, a ringing call, a shift swap and a
handover — so that every URL has a real object to point at — and a client per role."""

from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from dispatch112 import clock
from dispatch112.models import User
from tests.security.rules import (
    ADMIN,
    ANONYMOUS,
    OPD_OTHER,
    OPD_OWN,
    OPERATOR,
    SUPERVISOR,
    TELEPHONY,
    VOLUNTEER,
)


@dataclass
class SecurityWorld:
    users: dict
    incident: object
    call: object
    assignment: object
    activation: object
    volunteer_token: str
    ring: object
    camera: object
    volunteer: object
    swap: object
    handover: object
    telephony_token: str
    objects: dict = field(default_factory=dict)  # for the admin pages: model label → a row's pk


def _build_world():
    from rest_framework.authtoken.models import Token

    from axes.models import AccessFailureLog

    from cctv.models import Camera
    from cctv.services import wall_layout_add_cameras
    from dispatch112.demo import seed_core
    from incidents.models import Agency, Incident, IncidentCategory
    from incidents.services import IncidentInput, call_log, call_ringing, incident_dispatch
    from shifts.models import Handover, ShiftType, SwapRequest, SwapStatus
    from volunteers import links
    from volunteers.models import Volunteer
    from volunteers.services import activation_create

    seed_core()
    users = {u.username: u for u in User.objects.all()}
    operator, damkar = users["operator"], Agency.objects.get(code="damkar")
    call = call_log(
        by=operator,
        outcome="emergency",
        caller_number="081234567890",
        caller_name="Ibu Sari",
        new_incident=IncidentInput(category=IncidentCategory.objects.get(code="kebakaran"), latitude=-0.5022, longitude=117.1536),
    )
    incident = Incident.objects.get(pk=call.incident_id)
    (assignment,) = incident_dispatch(incident=incident, agencies=[damkar], by=operator)
    volunteer = Volunteer.objects.filter(active=True).order_by("pk").first()
    (activation,) = activation_create(incident=incident, volunteers=[volunteer], by=operator)
    camera = Camera.objects.filter(active=True).order_by("pk").first()
    ring = call_ringing(by=users["pbx"], caller_number="081298765432", line="1")
    now = clock.now()
    shift_type = ShiftType.objects.order_by("sort_order").first()
    supervisor, admin = users["supervisor"], users["admin"]
    swap = SwapRequest.objects.create(
        first_user=supervisor, second_user=admin, first_label="Pagi", second_label="Siang",
        status=SwapStatus.PENDING, requested_at=now, requested_by=supervisor,
    )
    handover = Handover.objects.create(
        shift_type=shift_type, date=now.date() - timedelta(days=1), outgoing_supervisor=supervisor,
        notes="Serah terima", snapshot={}, snapshot_at=now, created_at=now, updated_at=now,
    )
    wall_layout_add_cameras(user=supervisor, camera_ids=[camera.pk])
    # A mistyped password: django-axes records the attempt (its admin pages need a row).
    Client().post(reverse("login"), {"username": "operator", "password": "wrong"})
    AccessFailureLog.objects.create(username="operator", ip_address="127.0.0.1", user_agent="test", path_info="/accounts/login/")
    return SecurityWorld(
        users=users,
        incident=incident,
        call=call,
        assignment=assignment,
        activation=activation,
        volunteer_token=links.make_token(activation),
        ring=ring,
        camera=camera,
        volunteer=volunteer,
        swap=swap,
        handover=handover,
        telephony_token=Token.objects.get(user=users["pbx"]).key,
    )


@pytest.fixture
def security_world(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return _build_world()


@pytest.fixture
def role_clients(security_world):
    """A Django test client per role: logged in (session), a machine token, or nobody."""
    users = security_world.users
    logins = {OPERATOR: "operator", SUPERVISOR: "supervisor", ADMIN: "admin", OPD_OWN: "damkar", OPD_OTHER: "bpbd"}
    clients = {}
    for role, username in logins.items():
        client = Client()
        client.force_login(users[username])
        clients[role] = client
    clients[ANONYMOUS] = Client()
    clients[VOLUNTEER] = Client()  # nobody's session: the signed link is all a relawan holds
    clients[TELEPHONY] = Client(HTTP_AUTHORIZATION=f"Token {security_world.telephony_token}")
    return clients
