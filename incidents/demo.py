"""Demo reference data for Samarinda: categories and agency posts (posts are marked as demo)."""

from incidents.models import Agency, AgencyPost, IncidentCategory

# code, name (id), name (en), priority, default agencies, colour, icon, quick key
DEMO_CATEGORIES = [
    ("kebakaran", "Kebakaran", "Fire", 1, ["damkar", "psc119"], "#d32f2f", "🔥", "k"),
    ("kecelakaan-lalu-lintas", "Kecelakaan lalu lintas", "Traffic accident", 1, ["psc119", "polresta", "dishub"], "#ef6c00", "🚗", "l"),
    ("darurat-medis", "Darurat medis", "Medical emergency", 1, ["psc119"], "#c2185b", "✚", "m"),
    ("kriminalitas", "Kriminalitas", "Crime", 2, ["polresta"], "#4527a0", "⚠", "r"),
    ("banjir", "Banjir", "Flood", 2, ["bpbd", "basarnas"], "#1565c0", "🌊", "b"),
    ("tanah-longsor", "Tanah longsor", "Landslide", 1, ["bpbd", "basarnas", "psc119"], "#6d4c41", "⛰", "t"),
    ("pohon-tumbang", "Pohon tumbang", "Fallen tree", 3, ["bpbd", "damkar", "dishub"], "#2e7d32", "🌳", "p"),
    ("orang-tenggelam", "Orang tenggelam", "Drowning", 1, ["basarnas", "psc119", "bpbd"], "#00838f", "🛟", "g"),
    ("hewan-berbahaya", "Hewan berbahaya (ular, buaya, tawon)", "Dangerous animal (snake, crocodile, bees)", 2, ["damkar"], "#827717", "🐍", "h"),
    ("gangguan-listrik", "Gangguan listrik", "Power outage / hazard", 3, ["pln"], "#f9a825", "⚡", "e"),
    ("gangguan-air", "Gangguan air bersih", "Water supply problem", 4, ["pdam"], "#0277bd", "💧", "a"),
    ("orang-hilang", "Orang hilang", "Missing person", 2, ["polresta", "basarnas"], "#5d4037", "?", "o"),
    ("konflik-sosial", "Konflik sosial", "Social conflict", 2, ["polresta", "satpolpp"], "#ad1457", "✊", "s"),
    ("lainnya", "Lainnya", "Other", 3, [], "#607d8b", "•", "x"),
]

# agency code, post name, address, lat, lon — approximate places in Samarinda, for the demo only.
DEMO_POSTS = [
    ("damkar", "Markas Damkar Samarinda (Jl. Basuki Rahmat)", "Jl. Basuki Rahmat, Samarinda Kota", -0.4985, 117.1505),
    ("damkar", "Pos Damkar Sungai Kunjang", "Jl. Cendana, Sungai Kunjang", -0.5045, 117.1180),
    ("damkar", "Pos Damkar Samarinda Seberang", "Jl. Bung Tomo, Samarinda Seberang", -0.5225, 117.1455),
    ("damkar", "Pos Damkar Sempaja", "Jl. P. M. Noor, Samarinda Utara", -0.4520, 117.1600),
    ("damkar", "Pos Damkar Palaran", "Jl. Trikora, Palaran", -0.5950, 117.1840),
    ("psc119", "PSC 119 RSUD A. W. Sjahranie", "Jl. Palang Merah, Samarinda Ulu", -0.4905, 117.1475),
    ("psc119", "PSC 119 Puskesmas Sungai Pinang", "Jl. Lambung Mangkurat", -0.4820, 117.1620),
    ("psc119", "PSC 119 Puskesmas Loa Bakung", "Jl. Jakarta, Sungai Kunjang", -0.5190, 117.0990),
    ("polresta", "Polresta Samarinda", "Jl. Slamet Riyadi", -0.5045, 117.1380),
    ("polresta", "Polsek Samarinda Utara", "Jl. D. I. Panjaitan", -0.4630, 117.1590),
    ("polresta", "Polsek Sambutan", "Jl. Sultan Sulaiman", -0.4930, 117.2120),
    ("bpbd", "Kantor BPBD Kota Samarinda", "Jl. Dahlia", -0.4960, 117.1470),
    ("basarnas", "Pos SAR Samarinda", "Jl. Sultan Sulaiman, Sambutan", -0.5000, 117.1950),
    ("satpolpp", "Markas Satpol PP", "Jl. Balaikota", -0.5020, 117.1535),
    ("dishub", "Kantor Dishub Samarinda", "Jl. Kesuma Bangsa", -0.4985, 117.1570),
    ("pln", "PLN UP3 Samarinda", "Jl. Jenderal Sudirman", -0.5020, 117.1490),
    ("pdam", "Perumdam Tirta Kencana", "Jl. Tirta Kencana", -0.4900, 117.1320),
    ("pmi", "Markas PMI Kota Samarinda", "Jl. Palang Merah", -0.4910, 117.1480),
]


def seed_categories_and_posts():
    agencies = {a.code: a for a in Agency.objects.all()}
    for order, (code, name_id, name_en, priority, agency_codes, colour, icon, key) in enumerate(DEMO_CATEGORIES):
        category, created = IncidentCategory.objects.get_or_create(
            code=code,
            defaults={
                "name_id": name_id,
                "name_en": name_en,
                "default_priority": priority,
                "colour": colour,
                "icon": icon,
                "quick_key": key,
                "sort_order": order,
            },
        )
        if created:
            category.default_agencies.set([agencies[c] for c in agency_codes if c in agencies])
    for agency_code, name, address, lat, lon in DEMO_POSTS:
        if agency_code in agencies:
            AgencyPost.objects.get_or_create(
                agency=agencies[agency_code],
                name=name,
                defaults={"address": address, "latitude": lat, "longitude": lon, "is_demo": True},
            )
