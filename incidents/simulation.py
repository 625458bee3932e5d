"""A realistic stream of 112 calls, logged through the real services.

Used by `seed_demo` (30 days of history, each step at its own past moment) and by
`simulate_calls` (a live stream for demos and load). About a third of calls are pranks or silent
calls, as in Indonesian 112 centers; a few numbers are repeat pranksters.
"""

import random
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db import transaction

from dispatch112 import clock, events
from dispatch112.region import region_kelurahan
from dispatch112.roles import Role
from incidents import services
from incidents.models import Agency, AssignmentStatus, CallOutcome, IncidentCategory

# Category mix in a Samarinda-like city (weights).
CATEGORY_WEIGHTS = {
    "kecelakaan-lalu-lintas": 18, "darurat-medis": 20, "kebakaran": 10, "kriminalitas": 8, "banjir": 8,
    "pohon-tumbang": 7, "hewan-berbahaya": 7, "gangguan-listrik": 5, "orang-hilang": 3, "tanah-longsor": 3,
    "orang-tenggelam": 2, "konflik-sosial": 2, "gangguan-air": 3, "lainnya": 4,
}
STREETS = [
    "Jl. Pahlawan", "Jl. Juanda", "Jl. M. Yamin", "Jl. P. Antasari", "Jl. Slamet Riyadi", "Jl. KH. Wahid Hasyim",
    "Jl. Siradj Salman", "Jl. Gatot Subroto", "Jl. Suryanata", "Jl. Cipto Mangunkusumo", "Jl. AW. Syahranie",
    "Jl. Letjen Suprapto", "Jl. DI. Panjaitan", "Jl. Sultan Alimuddin", "Jl. Ahmad Yani", "Jl. Bhayangkara",
]
LANDMARKS = ["dekat masjid", "depan Indomaret", "samping SD negeri", "dekat jembatan", "belakang pasar", "depan warung makan", ""]
NAMES = ["Andi", "Siti", "Rahmat", "Dewi", "Yusuf", "Nur", "Agus", "Rina", "Hendra", "Wati", "Fajar", "Lestari"]
PRANKSTERS = ["+6281350001111", "+6281250002222", "+6285250003333"]


@dataclass
class Simulator:
    rng: random.Random
    prank_share: float = 0.33

    def __post_init__(self):
        self.categories = {c.code: c for c in IncidentCategory.objects.filter(active=True).prefetch_related("default_agencies")}
        self.category_codes = [c for c in CATEGORY_WEIGHTS if c in self.categories] or list(self.categories)
        self.weights = [CATEGORY_WEIGHTS.get(c, 1) for c in self.category_codes]
        self.kelurahan = [k for k in region_kelurahan().select_related("kecamatan") if k.has_point]
        from dispatch112.models import User

        self.operators = list(User.objects.filter(groups__name__in=[Role.OPERATOR, Role.SUPERVISOR]).distinct()) or list(
            User.objects.filter(is_superuser=True)
        )
        self.staff_by_agency = {}
        for user in User.objects.filter(groups__name=Role.OPD_STAFF, agency__isnull=False):
            self.staff_by_agency.setdefault(user.agency_id, []).append(user)
        self.agencies = {a.pk: a for a in Agency.objects.filter(active=True)}

    def phone(self):
        if self.rng.random() < 0.05:
            return ""  # dialled without a SIM card
        prefix = self.rng.choice(["0811", "0812", "0813", "0821", "0852", "0853", "0857", "0878", "0896"])
        return prefix + "".join(str(self.rng.randint(0, 9)) for _ in range(8))

    def point_near(self, kelurahan, spread=0.006):
        lat = float(kelurahan.latitude) + self.rng.uniform(-spread, spread)
        lon = float(kelurahan.longitude) + self.rng.uniform(-spread, spread)
        return Decimal(f"{lat:.6f}"), Decimal(f"{lon:.6f}")

    def log_call(self, *, at=None):
        """Log one call at `at` (default now). Returns the Call."""
        moment = at or clock.now()
        operator = self.rng.choice(self.operators)
        roll = self.rng.random()
        with clock.travel_to(moment):
            if roll < self.prank_share:
                outcome = self.rng.choices([CallOutcome.PRANK, CallOutcome.SILENT], weights=[55, 45])[0]
                number = self.rng.choice(PRANKSTERS) if self.rng.random() < 0.3 else self.phone()
                return services.call_log(by=operator, outcome=outcome, caller_number=number, received_at=moment - timedelta(seconds=20))
            if roll < self.prank_share + 0.08:
                outcome = self.rng.choice([CallOutcome.INFO, CallOutcome.INFO, CallOutcome.TEST])
                return services.call_log(
                    by=operator, outcome=outcome, caller_number=self.phone(), notes="Menanyakan informasi layanan",
                    received_at=moment - timedelta(seconds=30),
                )
            code = self.rng.choices(self.category_codes, weights=self.weights)[0]
            category = self.categories[code]
            kelurahan = self.rng.choice(self.kelurahan)
            latitude, longitude = self.point_near(kelurahan)
            return services.call_log(
                by=operator,
                outcome=CallOutcome.EMERGENCY,
                caller_number=self.phone(),
                caller_name=self.rng.choice(NAMES),
                received_at=moment - timedelta(seconds=self.rng.randint(20, 70)),
                new_incident=services.IncidentInput(
                    category=category,
                    kelurahan=kelurahan,
                    latitude=latitude,
                    longitude=longitude,
                    address=f"{self.rng.choice(STREETS)} RT {self.rng.randint(1, 40):02d}",
                    landmark=self.rng.choice(LANDMARKS),
                    description=f"{category.name_id} dilaporkan warga.",
                ),
            )

    def play_incident(self, incident, *, start, until, max_steps=4):
        """Walk an incident through dispatch and the agencies' steps, each at a plausible moment,
        stopping at `until` or after `max_steps` steps per agency (so recent incidents stay active)."""
        operator = self.rng.choice(self.operators)
        agencies = [a for a in incident.category.default_agencies.all() if a.active][:2] or [self.agencies[min(self.agencies)]]
        moment = start + timedelta(seconds=self.rng.randint(25, 90))
        if moment > until:
            return
        with clock.travel_to(moment):
            assignments = services.incident_dispatch(incident=incident, agencies=agencies, by=operator)
        finished = True
        for assignment in assignments:
            staff = self.staff_by_agency.get(assignment.agency_id) or [operator]
            actor = self.rng.choice(staff)
            step_moment = moment
            slow = self.rng.random() < 0.15
            steps = [
                (AssignmentStatus.ACKNOWLEDGED, self.rng.randint(200, 900) if slow else self.rng.randint(20, 150)),
                (AssignmentStatus.EN_ROUTE, self.rng.randint(30, 180)),
                (AssignmentStatus.ON_SCENE, self.rng.randint(300, 1500)),
                (AssignmentStatus.COMPLETED, self.rng.randint(900, 5400)),
            ][:max_steps]
            finished = finished and max_steps >= 4
            for status, delay in steps:
                step_moment += timedelta(seconds=delay)
                if step_moment > until:
                    finished = False
                    break
                with clock.travel_to(step_moment):
                    services.assignment_transition(assignment=assignment, to=status, by=actor)
            moment = max(moment, step_moment)
        if not finished:
            return
        moment += timedelta(seconds=self.rng.randint(60, 600))
        if moment > until:
            return
        with clock.travel_to(moment):
            incident = services.incident_resolve(incident=incident, by=operator)
        moment += timedelta(seconds=self.rng.randint(300, 3600))
        if moment <= until:
            with clock.travel_to(moment):
                services.incident_close(incident=incident, by=operator, note="Penanganan selesai, situasi aman.")


def seed_history(*, days=30, calls_per_day=16, seed=112, on_call=None):
    """Fill the last `days` with calls and incidents. Idempotent: skipped when history exists.
    `on_call(call, now)`: called after each call is logged (the demo's PBX records, which the
    incidents app does not know)."""
    from incidents.models import Call

    if Call.objects.exists():
        return 0
    rng = random.Random(seed)
    simulator = Simulator(rng)
    now = clock.now()
    start = now - timedelta(days=days)
    moments = sorted(start + timedelta(seconds=rng.uniform(0, days * 86400)) for _ in range(days * calls_per_day))
    # The last hours are busier so the consoles open with active work.
    moments += sorted(now - timedelta(minutes=rng.uniform(3, 180)) for _ in range(12))
    count = 0
    with events.muted(), transaction.atomic():
        count = _play_history(simulator, rng, moments, now, on_call)
    return count


def _play_history(simulator, rng, moments, now, on_call=None):
    count = 0
    for moment in moments:
        call = simulator.log_call(at=moment)
        count += 1
        if on_call is not None:
            on_call(call, now)
        if call.incident_id and call.incident.calls.count() == 1:
            if rng.random() < 0.06:
                if now - moment > timedelta(hours=2):
                    # Callers who could not be reached again and nothing was found: cancelled.
                    with clock.travel_to(moment + timedelta(minutes=rng.randint(5, 30))):
                        services.incident_cancel(incident=call.incident, by=simulator.operators[0], reason="Pelapor tidak dapat dihubungi, tidak ditemukan kejadian di lokasi.")
                continue  # a recent one stays new, waiting for dispatch
            recent = now - moment < timedelta(hours=3)
            simulator.play_incident(call.incident, start=moment, until=now, max_steps=rng.randint(0, 4) if recent else 4)
    return count
