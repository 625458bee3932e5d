"""A demo roster: a few relawan in every kelurahan of the region, marked as demo. Idempotent.

Made up but plausible for Samarinda: Banjar, Kutai, Bugis and Javanese names, the skills kelurahan
volunteer groups (Tagana, KSB, Destana) train for, evening and night hours for those who work by
day. The numbers are made up too and may belong to real people: a demo volunteer's messages only
ever go to the log (volunteers.services.message_send), whatever gateway is configured.
"""

import random
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction

from dispatch112.geo import distance_m
from dispatch112.models import User
from dispatch112.region import region_kelurahan
from volunteers.availability import parse_windows
from volunteers.models import Availability, AvailabilityWindow, Channel, Language, Skill, Volunteer, VolunteerSkill

FIRST_NAMES = [
    "Muhammad", "Ahmad", "Rahmat", "Syahrani", "Rusdiansyah", "Hairul", "Yusran", "Darmawan", "Iwan", "Bayu", "Andi", "Abdul",
    "Fajar", "Rizky", "Hendra", "Agus", "Budi", "Slamet", "Noor", "Siti", "Nur", "Dewi", "Fitriani", "Herlina", "Rina", "Sri",
    "Rahmawati", "Aisyah", "Mariani", "Norhayati", "Yuliana", "Wahyuni", "Erna", "Kartini", "Asrani", "Rudiansyah", "Zainal",
]
LAST_NAMES = [
    "Hidayat", "Fauzi", "Pratama", "Saputra", "Setiawan", "Anwar", "Gani", "Ramadhan", "Syahputra", "Hakim", "Maulana",
    "Lestari", "Marlina", "Aida", "Wahyuni", "Kurniawan", "Firmansyah", "Nurdin", "Rahman", "Arifin", "Hamzah", "Ismail",
    "Baharuddin", "Aspiannor", "Jumberi", "Syarifuddin", "Hasanah", "Sulastri", "Daeng", "Pangeran",
]
SKILL_ODDS = [
    (Skill.FIRST_AID, 0.6), (Skill.DRIVER, 0.3), (Skill.EVACUATION, 0.25), (Skill.FIRE, 0.2), (Skill.WATER_RESCUE, 0.18),
    (Skill.RADIO, 0.18), (Skill.SEARCH_RESCUE, 0.15), (Skill.TRAFFIC, 0.15), (Skill.BOAT, 0.1), (Skill.CHAINSAW, 0.1),
    (Skill.MEDIC, 0.07), (Skill.SNAKE, 0.06),
]
LANGUAGE_ODDS = [(Language.BANJAR, 0.6), (Language.KUTAI, 0.25), (Language.JAVANESE, 0.25), (Language.BUGIS, 0.2), (Language.ENGLISH, 0.1), (Language.SIGN, 0.03)]
HOURS = [
    "always",
    "always",
    "Sen-Jum 17:00-23:00; Sab-Min 07:00-22:00",
    "Sen-Min 18:00-06:00",  # nights, past midnight
    "Jum-Sab 22:00-06:00; Min 08:00-20:00",
    "Sab-Min 06:00-22:00",
    "Sen-Jum 06:00-14:00",
]
# Demo numbers: 0812 0000 xxxx.
PHONE_PREFIX = "+62812000"


def _demo_people():
    """The deterministic demo roster: [(kelurahan, fields, skills, hours, covers)]."""
    kelurahan = list(region_kelurahan().select_related("kecamatan").order_by("code"))
    people = []
    number = 0
    for area in kelurahan:
        rng = random.Random(f"relawan-{area.code}")
        for index in range(rng.choice((2, 3, 3, 4))):
            number += 1
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            skills = [s for s, odds in SKILL_ODDS if rng.random() < odds] or [Skill.FIRST_AID]
            languages = [Language.INDONESIAN] + [code for code, odds in LANGUAGE_ODDS if rng.random() < odds]
            covers = []
            if rng.random() < 0.35 and area.has_point:
                same_kecamatan = [k for k in kelurahan if k.kecamatan_id == area.kecamatan_id and k.pk != area.pk and k.has_point]
                if same_kecamatan:
                    covers = [min(same_kecamatan, key=lambda k: distance_m(area.latitude, area.longitude, k.latitude, k.longitude))]
            fields = {
                "name": name,
                "phone": f"{PHONE_PREFIX}{number:04d}",
                "channel": Channel.WHATSAPP if rng.random() < 0.35 else Channel.SMS,
                "languages": [str(code) for code in languages],
                "active": index == 0 or rng.random() > 0.1,  # the first of each kelurahan is active
                "joined_on": date(2021, 1, 1) + timedelta(days=rng.randrange(0, 5 * 365)),
                "notes": rng.choice(["", "", "", "Anggota KSB kelurahan.", "Ketua RT.", "Tagana.", "Punya perahu karet.", "Mobil pick-up."]),
            }
            people.append((area, fields, [str(s) for s in skills], rng.choice(HOURS), covers))
    return people


@transaction.atomic
def seed_demo_volunteers():
    if not region_kelurahan().exists():
        return "Demo relawan: no kelurahan in this region yet"
    people = _demo_people()
    existing = set(Volunteer.objects.filter(phone__startswith=PHONE_PREFIX).values_list("phone", flat=True))
    missing = [p for p in people if p[1]["phone"] not in existing]
    created = Volunteer.objects.bulk_create(
        [
            Volunteer(
                kelurahan=area,
                is_demo=True,
                availability=Availability.ALWAYS if hours == "always" else Availability.WINDOWS,
                **fields,
            )
            for area, fields, _skills, hours, _covers in missing
        ]
    )
    if created and created[0].pk is None:  # a database that does not return ids from bulk inserts
        by_phone = {v.phone: v for v in Volunteer.objects.filter(phone__in=[v.phone for v in created])}
        created = [by_phone[v.phone] for v in created]
    skills, windows, covers = [], [], []
    Through = Volunteer.covers.through
    for volunteer, (_area, _fields, volunteer_skills, hours, volunteer_covers) in zip(created, missing):
        skills.extend(VolunteerSkill(volunteer=volunteer, skill=s) for s in volunteer_skills)
        windows.extend(AvailabilityWindow(volunteer=volunteer, weekday=w.weekday, starts=w.starts, ends=w.ends) for w in parse_windows(hours))
        covers.extend(Through(volunteer_id=volunteer.pk, kelurahan_id=k.pk) for k in volunteer_covers)
    VolunteerSkill.objects.bulk_create(skills)
    AvailabilityWindow.objects.bulk_create(windows)
    Through.objects.bulk_create(covers)
    # Some relawan take operator shifts at the Command Center: the demo's second operator is one.
    operator = User.objects.filter(username="operator2").first()
    if operator is not None and not Volunteer.objects.filter(user=operator).exists():
        volunteer = Volunteer.objects.filter(phone__startswith=PHONE_PREFIX, user__isnull=True, active=True).order_by("phone").first()
        if volunteer is not None:
            volunteer.user = operator
            volunteer.name = str(operator)
            volunteer.save(update_fields=["user", "name"])
    total = Volunteer.objects.filter(is_demo=True).count()
    region = settings.REGION_CODE
    return f"Demo relawan ({region}): {len(created)} added, {total} in all"
