"""Demo data for the embedded default: idempotent, so `make run` can call it every time."""

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from rest_framework.authtoken.models import Token

from dispatch112.models import Kelurahan, User
from dispatch112.roles import Role, ensure_role_groups
from dispatch112.wilayah import import_wilayah_csv
from incidents.demo import seed_categories_and_posts
from incidents.models import Agency, AgencyKind
from shifts.demo import seed_demo_shifts

WILAYAH_FILES = {
    "64.72": "samarinda.csv",
    "64.02": "kutai_kartanegara.csv",
}

DEMO_AGENCIES = [
    ("damkar", "Dinas Pemadam Kebakaran dan Penyelamatan (Damkar)", AgencyKind.FIRE, "0541-113"),
    ("bpbd", "Badan Penanggulangan Bencana Daerah (BPBD)", AgencyKind.DISASTER, "0541-7777"),
    ("psc119", "PSC 119 / Dinas Kesehatan", AgencyKind.MEDICAL, "119"),
    ("polresta", "Polresta Samarinda", AgencyKind.POLICE, "110"),
    ("satpolpp", "Satpol PP", AgencyKind.PUBLIC_ORDER, ""),
    ("dishub", "Dinas Perhubungan (Dishub)", AgencyKind.TRANSPORT, ""),
    ("pln", "PLN UP3 Samarinda", AgencyKind.ELECTRICITY, "123"),
    ("pdam", "Perumdam Tirta Kencana (PDAM)", AgencyKind.WATER, ""),
    ("basarnas", "Basarnas / Kantor SAR Balikpapan Pos Samarinda", AgencyKind.SEARCH_RESCUE, "115"),
    ("pmi", "Palang Merah Indonesia (PMI)", AgencyKind.SOCIAL, ""),
]


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    first_name: str
    agency_code: str = ""


DEMO_LOGINS = [
    DemoLogin("admin", "admin-112-demo", Role.ADMIN, "Admin Demo"),
    DemoLogin("supervisor", "supervisor-112-demo", Role.SUPERVISOR, "Sari Supervisor"),
    DemoLogin("operator", "operator-112-demo", Role.OPERATOR, "Budi Operator"),
    DemoLogin("operator2", "operator2-112-demo", Role.OPERATOR, "Rina Operator"),
    DemoLogin("pimpinan", "pimpinan-112-demo", Role.PIMPINAN, "Kepala Dinas"),
] + [
    # One OPD staff login per agency: the username is the agency code.
    DemoLogin(code, f"{code}-112-demo", Role.OPD_STAFF, f"Petugas {code.upper()}", code)
    for code, *_ in DEMO_AGENCIES
]


TELEPHONY_USERNAME = "pbx"


def wilayah_file_for(region_code):
    name = WILAYAH_FILES.get(region_code)
    return Path(settings.BASE_DIR) / "data" / "wilayah" / name if name else None


@transaction.atomic
def seed_core():
    report = []
    ensure_role_groups()
    if not Kelurahan.objects.filter(kecamatan__region__code=settings.REGION_CODE).exists():
        path = wilayah_file_for(settings.REGION_CODE)
        if path is None:
            report.append(
                f"No wilayah file ships for region {settings.REGION_CODE}; run `manage.py import_wilayah FILE.csv`."
            )
        else:
            summary = import_wilayah_csv(text=path.read_text(encoding="utf-8"))
            report.append(f"Wilayah {path.name}: " + ", ".join(f"{n} {lvl}" for lvl, n in summary.created.items()))

    agencies = {}
    for code, name, kind, phone in DEMO_AGENCIES:
        agencies[code], _ = Agency.objects.get_or_create(code=code, defaults={"name": name, "kind": kind, "phone": phone})

    for login in DEMO_LOGINS:
        user, created = User.objects.get_or_create(
            username=login.username,
            defaults={"first_name": login.first_name, "agency": agencies.get(login.agency_code)},
        )
        if created:
            user.set_password(login.password)
            user.is_staff = login.role == Role.ADMIN
            user.is_superuser = login.role == Role.ADMIN
            user.save()
        user.groups.add(Group.objects.get(name=login.role))
    seed_categories_and_posts()
    pbx, _ = User.objects.get_or_create(username=TELEPHONY_USERNAME, defaults={"first_name": "PBX 112"})
    pbx.set_unusable_password()
    pbx.save()
    pbx.groups.add(Group.objects.get(name=Role.TELEPHONY))
    token, _ = Token.objects.get_or_create(user=pbx)
    report.append(f"Telephony (PBX) API token for user {TELEPHONY_USERNAME}: {token.key}")
    report.extend(seed_demo_shifts())
    report.append(f"{Agency.objects.count()} agencies, {User.objects.count()} users")
    from cctv.demo import seed_demo_cameras  # cctv depends on the core, not the reverse

    report.append(seed_demo_cameras())
    from volunteers.demo import seed_demo_volunteers  # volunteers depend on the core, not the reverse

    report.append(seed_demo_volunteers())
    return report
