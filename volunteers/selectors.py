"""Reads: rosters, counts, coverage, who is busy, and the volunteers proposed for an incident.

Each function does its own select/prefetch so that a page or an API answer is a handful of
queries however many volunteers there are (a city has hundreds, not millions: availability and
distances are computed in Python over the prefetched rows).
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Q

from dispatch112 import clock
from dispatch112.geo import distance_m
from dispatch112.region import region_kelurahan
from volunteers.availability import AvailabilityNow, volunteer_availability
from volunteers.models import (
    BUSY_ACTIVATION_STATUSES,
    OPEN_ACTIVATION_STATUSES,
    Activation,
    Message,
    MessageStatus,
    Skill,
    Volunteer,
)

# The skills each incident category asks for, best first (categories are matched by code; the
# operator can ask for other skills in the proposal request).
CATEGORY_SKILLS = {
    "kebakaran": [Skill.FIRE, Skill.FIRST_AID, Skill.EVACUATION],
    "kecelakaan-lalu-lintas": [Skill.FIRST_AID, Skill.MEDIC, Skill.TRAFFIC, Skill.DRIVER],
    "darurat-medis": [Skill.FIRST_AID, Skill.MEDIC, Skill.DRIVER],
    "banjir": [Skill.WATER_RESCUE, Skill.BOAT, Skill.EVACUATION],
    "tanah-longsor": [Skill.SEARCH_RESCUE, Skill.EVACUATION, Skill.FIRST_AID],
    "pohon-tumbang": [Skill.CHAINSAW, Skill.TRAFFIC],
    "orang-tenggelam": [Skill.WATER_RESCUE, Skill.BOAT, Skill.FIRST_AID],
    "hewan-berbahaya": [Skill.SNAKE],
    "orang-hilang": [Skill.SEARCH_RESCUE, Skill.RADIO],
    "konflik-sosial": [Skill.TRAFFIC],
}


def skills_for_category(category):
    return [str(s) for s in CATEGORY_SKILLS.get(getattr(category, "code", ""), [])]


# --- roster ---------------------------------------------------------------------------------------


def roster(*, q="", kecamatan=None, kelurahan=None, skill="", include_inactive=False):
    """The roster, filtered; a volunteer matches a kelurahan they live in or cover."""
    volunteers = Volunteer.objects.with_related()
    if not include_inactive:
        volunteers = volunteers.filter(active=True)
    if kelurahan is not None:
        volunteers = volunteers.covering([kelurahan.pk])
    elif kecamatan is not None:
        volunteers = volunteers.filter(Q(kelurahan__kecamatan=kecamatan) | Q(covers__kecamatan=kecamatan)).distinct()
    if skill:
        volunteers = volunteers.filter(skill_rows__skill=skill)
    text = (q or "").strip()[:80]
    if text:
        condition = Q(name__icontains=text)
        digits = "".join(ch for ch in text if ch.isdigit())
        if len(digits) >= 3:
            # 0812…, 62812… and +62812… are one number: match on the digits after the country code.
            condition |= Q(phone__contains=digits[1:] if digits.startswith("0") else digits.removeprefix("62") or digits)
        matching_skills = [value for value, label in Skill.choices if text.lower() in (value, str(label).lower())]
        if matching_skills:
            condition |= Q(skill_rows__skill__in=matching_skills)
        volunteers = volunteers.filter(condition).distinct()
    return volunteers.order_by("name", "pk")


@dataclass
class AreaCount:
    area: object
    active: int = 0
    inactive: int = 0
    children: list = field(default_factory=list)


def roster_counts():
    """Volunteers per kecamatan and per kelurahan of the region (by home kelurahan): [AreaCount]
    of kecamatan, each with its kelurahan as children."""
    counts = {
        row["kelurahan_id"]: row
        for row in Volunteer.objects.order_by().values("kelurahan_id").annotate(
            n_active=Count("id", filter=Q(active=True)), n_inactive=Count("id", filter=Q(active=False))
        )
    }
    result = {}
    for kelurahan in region_kelurahan().select_related("kecamatan").order_by("kecamatan__name", "name"):
        kecamatan = result.setdefault(kelurahan.kecamatan_id, AreaCount(kelurahan.kecamatan))
        row = counts.get(kelurahan.pk, {"n_active": 0, "n_inactive": 0})
        kecamatan.children.append(AreaCount(kelurahan, row["n_active"], row["n_inactive"]))
        kecamatan.active += row["n_active"]
        kecamatan.inactive += row["n_inactive"]
    return list(result.values())


# --- who is busy ----------------------------------------------------------------------------------


def busy_activations(volunteer_ids=None, *, exclude_incident=None):
    """{volunteer id: the activation keeping them busy}: accepted or arrived on an incident that is
    still active."""
    from incidents.models import ACTIVE_STATUSES

    activations = Activation.objects.filter(status__in=BUSY_ACTIVATION_STATUSES, incident__status__in=ACTIVE_STATUSES).select_related("incident")
    if volunteer_ids is not None:
        activations = activations.filter(volunteer_id__in=list(volunteer_ids))
    if exclude_incident is not None:
        activations = activations.exclude(incident=exclude_incident)
    return {a.volunteer_id: a for a in activations.order_by("id")}


def on_operator_duty_user_ids(now):
    """Users on an operator shift now: a relawan answering 112 at the Command Center is not in
    their kelurahan."""
    from shifts.models import RosterEntry

    return set(RosterEntry.objects.on_duty_at(now).values_list("user_id", flat=True))


# --- coverage -------------------------------------------------------------------------------------


@dataclass
class KelurahanCoverage:
    kelurahan: object
    active: int = 0  # active volunteers covering it (home or other)
    home: int = 0
    available_now: int = 0  # of those: available now and not busy

    @property
    def no_active(self):
        return self.active == 0

    @property
    def none_available(self):
        return self.active > 0 and self.available_now == 0


@dataclass
class KecamatanCoverage:
    kecamatan: object
    rows: list = field(default_factory=list)

    @property
    def active(self):
        return sum(r.home for r in self.rows)

    @property
    def gaps(self):
        return sum(1 for r in self.rows if r.no_active)

    @property
    def unavailable(self):
        return sum(1 for r in self.rows if r.none_available)


def coverage(*, now=None):
    """Every kelurahan of the region with the active volunteers covering it and how many of them
    are available now, grouped by kecamatan."""
    now = now or clock.now()
    volunteers = list(Volunteer.objects.active().with_related())
    busy = busy_activations([v.pk for v in volunteers])
    on_duty = on_operator_duty_user_ids(now)
    rows = {}
    groups = {}
    for kelurahan in region_kelurahan().select_related("kecamatan").order_by("kecamatan__name", "name"):
        rows[kelurahan.pk] = KelurahanCoverage(kelurahan)
        groups.setdefault(kelurahan.kecamatan_id, KecamatanCoverage(kelurahan.kecamatan)).rows.append(rows[kelurahan.pk])
    for volunteer in volunteers:
        free = volunteer.pk not in busy and volunteer.user_id not in on_duty and volunteer_availability(volunteer, now).available
        for kelurahan in volunteer.covered_kelurahan():
            row = rows.get(kelurahan.pk)
            if row is None:
                continue
            row.active += 1
            row.home += kelurahan.pk == volunteer.kelurahan_id
            row.available_now += free
    return list(groups.values())


# --- proposals ------------------------------------------------------------------------------------

COVERS_HOME = "home"
COVERS_OTHER = "covers"
NEIGHBOUR = "neighbour"


@dataclass
class Proposal:
    volunteer: Volunteer
    coverage: str  # home / covers / neighbour
    via: object  # the kelurahan that puts them in reach: the incident's, or their nearest covered one
    distance_m: float | None
    matching_skills: list
    availability: AvailabilityNow
    busy_with: Activation | None
    on_operator_duty: bool
    activation: Activation | None  # already activated for this incident (open)

    @property
    def covers_incident_kelurahan(self):
        return self.coverage != NEIGHBOUR

    @property
    def actionable(self):
        return self.availability.available and self.busy_with is None and not self.on_operator_duty and self.activation is None

    def sort_key(self):
        distance = self.distance_m if self.distance_m is not None else float("inf")
        if self.coverage == NEIGHBOUR:
            # Neighbours: those with a skill the incident needs, then the nearest.
            rest = (not self.matching_skills, distance, -len(self.matching_skills))
        else:
            # All near: the most of the skills needed, then living there, then the nearest home.
            rest = (-len(self.matching_skills), self.coverage != COVERS_HOME, distance)
        return (not self.actionable, self.coverage == NEIGHBOUR, *rest, self.volunteer.name.lower(), self.volunteer.pk)


@dataclass
class Proposals:
    origin: tuple | None
    skills: list
    skills_from: str  # "category" or "request"
    results: list
    total: int
    note: str = ""


def incident_origin(incident):
    if incident.has_point:
        return float(incident.latitude), float(incident.longitude)
    if incident.kelurahan_id and incident.kelurahan.has_point:
        return float(incident.kelurahan.latitude), float(incident.kelurahan.longitude)
    return None


def volunteer_proposals(*, incident, skills=None, now=None, limit=None):
    """The volunteers to call for an incident, best first.

    1. Those who can go now (available in their hours, not on their way to or at another active
       incident, not on an operator shift, not already called to this one) before the rest — the
       rest are listed too, marked, for when nobody else is left.
    2. Those covering the incident's kelurahan (living there or covering it) before neighbours
       (volunteers of kelurahan within VOLUNTEER_NEIGHBOUR_RADIUS_METERS).
    3. Among those covering it, all close by: the most of the skills the incident needs first,
       then those living there, then the nearer home.
    4. Among neighbours: those with a skill the incident needs first, then the nearest (from the
       incident to the centre of the nearest kelurahan they cover; straight line).
    """
    now = now or clock.now()
    limit = limit or settings.VOLUNTEER_PROPOSAL_LIMIT
    skills_from = "request" if skills is not None else "category"
    wanted = list(dict.fromkeys(skills if skills is not None else skills_for_category(incident.category)))
    origin = incident_origin(incident)
    if origin is None and not incident.kelurahan_id:
        return Proposals(None, wanted, skills_from, [], 0, note="no_place")

    in_reach = set()
    if incident.kelurahan_id:
        in_reach.add(incident.kelurahan_id)
    distances = {}
    if origin is not None:
        radius = settings.VOLUNTEER_NEIGHBOUR_RADIUS_METERS
        for kelurahan in region_kelurahan().filter(latitude__isnull=False).only("id", "latitude", "longitude"):
            metres = distance_m(origin[0], origin[1], kelurahan.latitude, kelurahan.longitude)
            distances[kelurahan.pk] = metres
            if metres <= radius:
                in_reach.add(kelurahan.pk)

    candidates = list(Volunteer.objects.active().covering(in_reach).with_related())
    ids = [v.pk for v in candidates]
    busy = busy_activations(ids, exclude_incident=incident)
    on_duty = on_operator_duty_user_ids(now)
    already = {a.volunteer_id: a for a in Activation.objects.filter(incident=incident, status__in=OPEN_ACTIVATION_STATUSES, volunteer_id__in=ids)}

    proposals = []
    for volunteer in candidates:
        covered = volunteer.covered_kelurahan()
        covered_ids = [k.pk for k in covered]
        if incident.kelurahan_id in covered_ids:
            coverage = COVERS_HOME if volunteer.kelurahan_id == incident.kelurahan_id else COVERS_OTHER
            via = incident.kelurahan
            distance = distances.get(volunteer.kelurahan_id) if coverage == COVERS_OTHER else distances.get(incident.kelurahan_id)
        else:
            reachable = [k for k in covered if k.pk in distances]
            if not reachable:
                continue
            via = min(reachable, key=lambda k: distances[k.pk])
            coverage, distance = NEIGHBOUR, distances[via.pk]
        proposals.append(
            Proposal(
                volunteer=volunteer,
                coverage=coverage,
                via=via,
                distance_m=distance,
                matching_skills=[s for s in wanted if s in volunteer.skills],
                availability=volunteer_availability(volunteer, now),
                busy_with=busy.get(volunteer.pk),
                on_operator_duty=volunteer.user_id is not None and volunteer.user_id in on_duty,
                activation=already.get(volunteer.pk),
            )
        )
    proposals.sort(key=Proposal.sort_key)
    return Proposals(origin, wanted, skills_from, proposals[:limit], len(proposals))


# --- activations and the outbox -------------------------------------------------------------------


def activations_for_incident(incident):
    return Activation.objects.with_related().filter(incident=incident).order_by("id")


def volunteers_out(now=None):
    """Activations of volunteers on their way or at a scene (for the shift handover)."""
    return Activation.objects.filter(status__in=BUSY_ACTIVATION_STATUSES).select_related("volunteer__kelurahan", "incident__category").order_by("sent_at")


def outbox(*, status="", q=""):
    messages = Message.objects.select_related("activation__incident", "activation__volunteer")
    if status:
        messages = messages.filter(status=status)
    text = (q or "").strip()[:80]
    if text:
        digits = "".join(ch for ch in text if ch.isdigit())
        condition = Q(body__icontains=text) | Q(activation__volunteer__name__icontains=text)
        if len(digits) >= 3:
            condition |= Q(recipient__contains=digits[1:] if digits.startswith("0") else digits)
        messages = messages.filter(condition)
    return messages.order_by("-created_at", "-id")


def outbox_counts():
    counts = dict(Message.objects.order_by().values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    return {status: counts.get(status, 0) for status in MessageStatus.values}


def due_message_ids(now, *, limit=100):
    return list(Message.objects.due(now).order_by("next_attempt_at", "id").values_list("id", flat=True)[:limit])

