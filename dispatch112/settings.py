"""Dispatch112 settings: one module, configured from the environment.

Nothing set → the embedded default (SQLite, in-memory channel layer, eager Celery tasks,
local-memory cache). DATABASE_URL and REDIS_URL switch on PostgreSQL and Redis. See README.md.
"""

import ipaddress
import os
import re
import tempfile
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from dispatch112.env import Env, redis_url_for_test_worker

env = Env()
BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env.str("DISPATCH112_VAR_DIR", str(BASE_DIR / "var")))

DATABASE_URL = env.url("DATABASE_URL", schemes=("postgres", "postgresql", "sqlite"))
REDIS_URL = env.url("REDIS_URL", schemes=("redis", "rediss", "unix"))
# A parallel test run (pytest-xdist): each worker its own Redis database (dispatch112/env.py).
REDIS_URL = redis_url_for_test_worker(REDIS_URL, os.environ.get("PYTEST_XDIST_WORKER"))
EMBEDDED = DATABASE_URL is None and REDIS_URL is None

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY")
if SECRET_KEY is None:
    if not EMBEDDED:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DATABASE_URL or REDIS_URL is set (production profile)."
        )
    # Embedded demo only: a fixed key is acceptable because nothing there is reachable from
    # outside 127.0.0.1 and the data is demo data.
    SECRET_KEY = "embedded-demo-only-not-secret-" + "x" * 32

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "daphne",
    "dispatch112.apps.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "channels",
    "leaflet",
    "axes",
    "dispatch112",
    "incidents",
    "volunteers",
    "cctv",
    "shifts",
    "reports",
    "intake",
    "integrations",
    "ops",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "dispatch112.middleware.ConsoleLocaleMiddleware",
    # After the locale (its 400 speaks the user's language), before anything that reads the request.
    "dispatch112.middleware.RejectNulMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: it watches the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "dispatch112.urls"
WSGI_APPLICATION = "dispatch112.wsgi.application"
ASGI_APPLICATION = "dispatch112.asgi.application"
AUTH_USER_MODEL = "dispatch112.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "dispatch112.context_processors.console",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------
if DATABASE_URL and not DATABASE_URL.startswith("sqlite"):
    # daphne runs each request's view in a thread of its own, and Django keeps one connection per
    # thread: a persistent connection (CONN_MAX_AGE) is left behind with its thread, and under load
    # the server runs out of connections ("too many clients"). A pool per process bounds them
    # instead; a request waits DB_POOL_TIMEOUT seconds for a free connection.
    DB_POOL = env.bool("DB_POOL", True)
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=0 if DB_POOL else env.int("DB_CONN_MAX_AGE", 0, minimum=0), conn_health_checks=True
        )
    }
    if DB_POOL:
        _pool_max = env.int("DB_POOL_MAX_SIZE", 20, minimum=1)
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            # Health checks make the pool test a connection before lending it (a dropped one is replaced).
            "min_size": min(env.int("DB_POOL_MIN_SIZE", 2, minimum=0), _pool_max),
            "max_size": _pool_max,
            "timeout": env.int("DB_POOL_TIMEOUT", 10, minimum=1),
        }
else:
    if DATABASE_URL:
        sqlite_path = dj_database_url.parse(DATABASE_URL)["NAME"]
        if not sqlite_path:
            raise ImproperlyConfigured("DATABASE_URL: a SQLite URL needs a file path, e.g. sqlite:////var/lib/dispatch112/db.sqlite3")
    else:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        sqlite_path = str(VAR_DIR / "dispatch112.sqlite3")
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": sqlite_path,
            "OPTIONS": {
                # The web server and the in-process scheduler write concurrently: wait for the
                # lock instead of failing, and take it at BEGIN so upgrades cannot deadlock.
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
            # The test database is a file, not SQLite's in-memory default, so that the live tests
            # (tests/live) can run daphne as a subprocess on it. One file per test run (the pid):
            # two runs at once must not share it.
            "TEST": {"NAME": str(Path(tempfile.gettempdir()) / f"dispatch112-test-{os.getpid()}.sqlite3")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, channel layer, Celery ---------------------------------------------------------------
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    # Read through Redis, kept in the database (dispatch112/session_store.py). Not with the
    # embedded per-process cache: a second process would read its own stale copy.
    SESSION_ENGINE = "dispatch112.session_store"
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # redis-py 6+ gives every socket a 5 s read timeout, the same 5 s channels_redis blocks
            # in BZPOPMIN waiting for a message: on a busy process the read timed out first and
            # took the console's socket down with it. The wait must outlast the blocking pop.
            "CONFIG": {
                "hosts": [{"address": REDIS_URL, "socket_timeout": 30, "socket_connect_timeout": 5}],
                "capacity": 1500,
                "expiry": 30,
                "prefix": "d112",
            },
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "OPTIONS": {"MAX_ENTRIES": 20000}}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    # No broker server: tasks run eagerly in the calling process, and the periodic schedule runs
    # in-process (see `manage.py serve`). The in-memory transport only satisfies beat's connection.
    CELERY_BROKER_URL = "memory://"
    CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
EMBEDDED_SCHEDULER = env.bool("EMBEDDED_SCHEDULER", default=EMBEDDED)

# --- Auth ---------------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.RoleModelBackend",
    # Sessions that logged in before RoleModelBackend name Django's own in the session: kept, so a
    # deployment does not log out every console at once.
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env.int("LOGIN_COOLOFF_MINUTES", 15, minimum=1) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]

SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", 12 * 3600, minimum=300)  # one shift and margin
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # the console JS reads it to send X-CSRFToken

# --- Internationalisation -----------------------------------------------------------------------
LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Bahasa Indonesia")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Makassar"
USE_I18N = True
USE_TZ = True

# --- Static files -------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not EMBEDDED and not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = EMBEDDED or DEBUG

# --- Region -------------------------------------------------------------------------------------
# The Kemendagri code of the kota/kabupaten this installation serves. Its wilayah is imported
# with `manage.py import_wilayah`; the map centre and bounds are derived from that data.
REGION_CODE = env.str("REGION_CODE", "64.72")
REGION_SHORT = env.str("REGION_SHORT", "")  # reference prefix, e.g. SMD; derived when empty
REGION_BOUNDS_MARGIN_DEG = 0.05

# --- API ----------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_VERSIONING_CLASS": "rest_framework.versioning.URLPathVersioning",
    "ALLOWED_VERSIONS": ["v1"],
    "EXCEPTION_HANDLER": "dispatch112.api.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"anon": "30/minute"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Dispatch112 API",
    "DESCRIPTION": "Calls, incidents and dispatch for a 112 Command Center.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "ENUM_NAME_OVERRIDES": {
        "IncidentStatusEnum": "incidents.models.IncidentStatus",
        "AssignmentStatusEnum": "incidents.models.AssignmentStatus",
        "AgencyKindEnum": "incidents.models.AgencyKind",
        "AreaKindEnum": [("kelurahan", "kelurahan"), ("desa", "desa")],
        "PriorityEnum": "incidents.models.Priority",
        "CallOutcomeEnum": "incidents.models.CallOutcome",
    },
}

LEAFLET_CONFIG = {
    "TILES": [
        (
            "OpenStreetMap",
            env.str("MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png"),
            {"attribution": env.str("MAP_TILE_ATTRIBUTION", "&copy; OpenStreetMap contributors"), "maxZoom": 19},
        )
    ],
    "RESET_VIEW": False,
    "NO_GLOBALS": False,
}

# --- Security (production profile) --------------------------------------------------------------
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not EMBEDDED and not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not EMBEDDED and not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", 0 if EMBEDDED else 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# Preloading HSTS binds the whole parent domain (often a shared go.id domain) in browsers for
# years; that is the domain owner's decision, so it is opt-in and its deploy warning is silenced.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The report facts' indexes carry INCLUDE columns for PostgreSQL's index-only scans; SQLite
    # keeps the indexes without them, which is all the embedded default needs. Without this,
    # every `make run` opened with four warnings about it.
    SILENCED_SYSTEM_CHECKS.append("models.W040")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

# --- Dispatch rules -----------------------------------------------------------------------------
# Seconds an assignment may stay unacknowledged, per priority, before it is overdue.
ACK_TARGET_SECONDS = {
    1: env.int("ACK_TARGET_P1_SECONDS", 120, minimum=10),
    2: env.int("ACK_TARGET_P2_SECONDS", 300, minimum=10),
    3: env.int("ACK_TARGET_P3_SECONDS", 900, minimum=10),
    4: env.int("ACK_TARGET_P4_SECONDS", 3600, minimum=10),
}
DUPLICATE_RADIUS_METERS = env.int("DUPLICATE_RADIUS_METERS", 500, minimum=1)
DUPLICATE_WINDOW_MINUTES = env.int("DUPLICATE_WINDOW_MINUTES", 60, minimum=1)
PRANK_FLAG_THRESHOLD = env.int("PRANK_FLAG_THRESHOLD", 3, minimum=1)
PRANK_FLAG_WINDOW_HOURS = env.int("PRANK_FLAG_WINDOW_HOURS", 24, minimum=1)
CELERY_BEAT_SCHEDULE["escalate-overdue-assignments"] = {
    "task": "incidents.tasks.escalate_overdue_assignments",
    "schedule": env.int("ESCALATION_INTERVAL_SECONDS", 15, minimum=1),
}

# --- CCTV ---------------------------------------------------------------------------------------
# Health checks: every active camera's feed is fetched (HTTP GET; RTSP: an OPTIONS request) this
# often, with this timeout, this many at once; it goes offline after this many failures in a row.
CCTV_PROBE_INTERVAL_SECONDS = env.int("CCTV_PROBE_INTERVAL_SECONDS", 60, minimum=5)
CCTV_PROBE_TIMEOUT_SECONDS = env.int("CCTV_PROBE_TIMEOUT_SECONDS", 4, minimum=1)
CCTV_PROBE_CONCURRENCY = env.int("CCTV_PROBE_CONCURRENCY", 8, minimum=1, maximum=64)
CCTV_OFFLINE_AFTER_FAILURES = env.int("CCTV_OFFLINE_AFTER_FAILURES", 2, minimum=1)
# A camera offline for longer than this is listed for the supervisor.
CCTV_OFFLINE_ALERT_MINUTES = env.int("CCTV_OFFLINE_ALERT_MINUTES", 10, minimum=1)
# Cameras shown with an incident: within this radius, nearest first.
CCTV_NEAREST_RADIUS_METERS = env.int("CCTV_NEAREST_RADIUS_METERS", 1000, minimum=50, maximum=50000)
# The feed proxy: upstream timeout, largest still frame accepted, how long one MJPEG/HLS viewing
# may hold a connection before the browser reconnects, and how often wall tiles refresh.
CCTV_FEED_TIMEOUT_SECONDS = env.int("CCTV_FEED_TIMEOUT_SECONDS", 5, minimum=1)
CCTV_FEED_MAX_BYTES = env.int("CCTV_FEED_MAX_BYTES", 8 * 1024 * 1024, minimum=65536)
CCTV_STREAM_MAX_SECONDS = env.int("CCTV_STREAM_MAX_SECONDS", 600, minimum=10)
CCTV_SNAPSHOT_REFRESH_SECONDS = env.int("CCTV_SNAPSHOT_REFRESH_SECONDS", 3, minimum=1)
CELERY_BEAT_SCHEDULE["probe-cameras"] = {
    "task": "cctv.tasks.probe_cameras",
    "schedule": CCTV_PROBE_INTERVAL_SECONDS,
}
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]["CameraStatusEnum"] = "cctv.models.CameraStatus"
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]["FeedKindEnum"] = "cctv.models.FeedKind"

# --- Shifts -------------------------------------------------------------------------------------
# Shift types (pagi/siang/malam), their times and minimum staffing live in the database (admin).
SHIFT_MIN_REST_HOURS = env.int("SHIFT_MIN_REST_HOURS", 8, minimum=0, maximum=48)
# The consoles get one `shift.ending` event this many minutes before each shift ends.
SHIFT_REMINDER_MINUTES = env.int("SHIFT_REMINDER_MINUTES", 30, minimum=1, maximum=240)
CELERY_BEAT_SCHEDULE["shift-ending-reminder"] = {
    "task": "shifts.tasks.remind_shift_ending",
    "schedule": env.int("SHIFT_REMINDER_CHECK_SECONDS", 60, minimum=10),
}

# --- Relawan (volunteers) and the messaging outbox -----------------------------------------------
# The address volunteers' links start with (e.g. https://112.samarindakota.go.id); empty: the
# address of the console the operator activated from.
VOLUNTEER_LINK_BASE_URL = env.str("VOLUNTEER_LINK_BASE_URL", "")
# How long a volunteer's link works (accept, then "arrived" and "finished" later on).
VOLUNTEER_LINK_MAX_AGE_HOURS = env.int("VOLUNTEER_LINK_MAX_AGE_HOURS", 12, minimum=1, maximum=168)
# An activation not accepted or declined within this expires; the operator calls someone else.
VOLUNTEER_RESPONSE_MINUTES = env.int("VOLUNTEER_RESPONSE_MINUTES", 15, minimum=1, maximum=720)
# Volunteers of other kelurahan are proposed when their kelurahan is within this distance.
VOLUNTEER_NEIGHBOUR_RADIUS_METERS = env.int("VOLUNTEER_NEIGHBOUR_RADIUS_METERS", 6000, minimum=100, maximum=100000)
VOLUNTEER_PROPOSAL_LIMIT = env.int("VOLUNTEER_PROPOSAL_LIMIT", 25, minimum=1, maximum=200)
# "console" (log only, the embedded default), "http" (the provider below), or a gateway class path.
MESSAGING_GATEWAY = env.str("MESSAGING_GATEWAY", "console")
MESSAGING_HTTP_URL = env.str("MESSAGING_HTTP_URL", "")
MESSAGING_HTTP_AUTH_HEADER = env.str("MESSAGING_HTTP_AUTH_HEADER", "")  # "Authorization: Bearer …"; or _FILE
MESSAGING_HTTP_CONTENT_TYPE = env.str("MESSAGING_HTTP_CONTENT_TYPE", "application/json")
MESSAGING_HTTP_PAYLOAD_TEMPLATE = env.str(
    "MESSAGING_HTTP_PAYLOAD_TEMPLATE", '{"to": "{to}", "message": "{body}", "channel": "{channel}", "reference": "{key}"}'
)
MESSAGING_HTTP_PROVIDER_ID_FIELD = env.str("MESSAGING_HTTP_PROVIDER_ID_FIELD", "id")
MESSAGING_HTTP_TIMEOUT_SECONDS = env.int("MESSAGING_HTTP_TIMEOUT_SECONDS", 10, minimum=1, maximum=120)
# Retries: base · 2^(attempt-1) seconds, capped; a message is given up after this many attempts
# (or when the link it carries has expired, whichever comes first).
MESSAGING_RETRY_BASE_SECONDS = env.int("MESSAGING_RETRY_BASE_SECONDS", 10, minimum=1)
MESSAGING_RETRY_MAX_SECONDS = env.int("MESSAGING_RETRY_MAX_SECONDS", 600, minimum=1)
MESSAGING_MAX_ATTEMPTS = env.int("MESSAGING_MAX_ATTEMPTS", 12, minimum=1, maximum=100)
CELERY_BEAT_SCHEDULE["send-queued-messages"] = {
    "task": "volunteers.tasks.send_queued_messages",
    "schedule": env.int("MESSAGING_SWEEP_SECONDS", 20, minimum=5),
}
CELERY_BEAT_SCHEDULE["expire-volunteer-activations"] = {
    "task": "volunteers.tasks.expire_activations",
    "schedule": 60,
}
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]["ActivationStatusEnum"] = "volunteers.models.ActivationStatus"
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]["MessageChannelEnum"] = "volunteers.models.Channel"

# --- Reports -------------------------------------------------------------------------------------
# Targets the response reports measure against (the field's standards; each overridable).
# NENA-STA-020.1: 90 % of calls answered within 15 s and 95 % within 20 s (time to answer =
# PBX answered − queued: the voice menu is the caller's choice, not the center's wait).
REPORTS_ANSWER_TARGETS = [
    (env.int("REPORTS_ANSWER_TARGET_SECONDS", 15, minimum=1), env.int("REPORTS_ANSWER_TARGET_PERCENT", 90, minimum=1, maximum=100)),
    (env.int("REPORTS_ANSWER_TARGET2_SECONDS", 20, minimum=1), env.int("REPORTS_ANSWER_TARGET2_PERCENT", 95, minimum=1, maximum=100)),
]
# NFPA 1225: 90 % of emergencies processed from answer to dispatch within 60 s.
REPORTS_DISPATCH_TARGET_SECONDS = env.int("REPORTS_DISPATCH_TARGET_SECONDS", 60, minimum=1)
REPORTS_DISPATCH_TARGET_PERCENT = env.int("REPORTS_DISPATCH_TARGET_PERCENT", 90, minimum=1, maximum=100)
# Acknowledgement: per priority, the same deadlines the escalation uses (ACK_TARGET_SECONDS).
REPORTS_ACK_TARGET_PERCENT = env.int("REPORTS_ACK_TARGET_PERCENT", 90, minimum=1, maximum=100)
# A custom date range longer than this is refused (the dashboard stays one page of figures).
# The response and call-handling tables read the report facts (reports/models.py); false: they
# compute from the live incident tables, slower over long periods (same figures).
REPORTS_FACTS = env.bool("REPORTS_FACTS", True)
# Over long periods those tables read the monthly rollups of closed months (reports/rollup.py) on
# PostgreSQL; false: always the facts themselves (same figures, slower over a year).
REPORTS_ROLLUPS = env.bool("REPORTS_ROLLUPS", True)
CELERY_BEAT_SCHEDULE["build-report-rollups"] = {
    "task": "reports.tasks.build_rollups",
    "schedule": env.int("REPORTS_ROLLUP_INTERVAL_SECONDS", 3600, minimum=60),
}
REPORTS_MAX_RANGE_DAYS = env.int("REPORTS_MAX_RANGE_DAYS", 3660, minimum=1)

# --- Intake: telephony events, AML, WhatsApp/SMS -------------------------------------------------
# PBX call events (offered, queued, answered, abandoned, ended) carry the PBX's own clock; a time
# further ahead than this is refused as a PBX clock fault.
TELEPHONY_CLOCK_TOLERANCE_SECONDS = env.int("TELEPHONY_CLOCK_TOLERANCE_SECONDS", 120, minimum=0, maximum=3600)
# A call logged without a ring taken is tied to the PBX call from the same number within this.
TELEPHONY_MATCH_MINUTES = env.int("TELEPHONY_MATCH_MINUTES", 30, minimum=1, maximum=1440)
# An AML position belongs to the call from the same number received this long before or after it.
AML_ATTACH_MINUTES = env.int("AML_ATTACH_MINUTES", 15, minimum=1, maximum=240)
# The console ties a position to the call it logs at once; this sweep catches calls logged elsewhere.
CELERY_BEAT_SCHEDULE["attach-aml-positions"] = {"task": "intake.tasks.attach_aml_positions", "schedule": 60}
# WhatsApp Cloud API webhook: the app secret signs each POST (X-Hub-Signature-256); the verify
# token answers the GET handshake. Empty secret: the webhook refuses every POST. Both take _FILE.
WHATSAPP_APP_SECRET = env.str("WHATSAPP_APP_SECRET", "")
WHATSAPP_VERIFY_TOKEN = env.str("WHATSAPP_VERIFY_TOKEN", "")
# Largest webhook body accepted (a provider batch of messages), in bytes.
INTAKE_WEBHOOK_MAX_BYTES = env.int("INTAKE_WEBHOOK_MAX_BYTES", 262144, minimum=1024)
# Photos sent to 112 by WhatsApp/SMS are fetched from the gateway and kept (intake/media.py).
# WhatsApp Cloud API: the media id is looked up at WHATSAPP_GRAPH_URL with the access token.
WHATSAPP_ACCESS_TOKEN = env.str("WHATSAPP_ACCESS_TOKEN", "")
WHATSAPP_GRAPH_URL = env.str("WHATSAPP_GRAPH_URL", "https://graph.facebook.com/v21.0")
# Other gateways: base URLs (comma-separated) of gateways whose media addresses may be on a
# private or local network; any other private/loopback address in a webhook is refused.
INTAKE_MEDIA_GATEWAY_URLS = env.list("INTAKE_MEDIA_GATEWAY_URLS", default=[])
# "Name: value" sent with each fetch from those gateways (e.g. "Authorization: Bearer …"); or _FILE.
INTAKE_MEDIA_AUTH_HEADER = env.str("INTAKE_MEDIA_AUTH_HEADER", "")
INTAKE_MEDIA_MAX_BYTES = env.int("INTAKE_MEDIA_MAX_BYTES", 5 * 1024 * 1024, minimum=1024, maximum=50 * 1024 * 1024)
INTAKE_MEDIA_TYPES = env.list("INTAKE_MEDIA_TYPES", default=["image/jpeg", "image/png", "image/webp"])
if not set(INTAKE_MEDIA_TYPES) <= {"image/jpeg", "image/png", "image/webp", "image/gif"}:
    raise ImproperlyConfigured("INTAKE_MEDIA_TYPES: use image/jpeg, image/png, image/webp, image/gif.")
INTAKE_MEDIA_TIMEOUT_SECONDS = env.int("INTAKE_MEDIA_TIMEOUT_SECONDS", 15, minimum=1, maximum=120)
INTAKE_MEDIA_MAX_ATTEMPTS = env.int("INTAKE_MEDIA_MAX_ATTEMPTS", 6, minimum=1, maximum=50)
INTAKE_MEDIA_RETRY_BASE_SECONDS = env.int("INTAKE_MEDIA_RETRY_BASE_SECONDS", 15, minimum=1)
INTAKE_MEDIA_RETRY_MAX_SECONDS = env.int("INTAKE_MEDIA_RETRY_MAX_SECONDS", 600, minimum=1)
CELERY_BEAT_SCHEDULE["fetch-message-media"] = {"task": "intake.tasks.fetch_due_media", "schedule": 60}

# --- Integrations: CAP, EIDO, agency webhooks, units --------------------------------------------
# CAP alerts this center publishes: the <sender> (an address that names the center; derived from
# the region when empty) and the <senderName>.
CAP_SENDER = env.str("CAP_SENDER", "")
CAP_SENDER_NAME = env.str("CAP_SENDER_NAME", "Call Center 112")
# CAP feeds to read (comma-separated Atom/RSS index URLs, e.g. BMKG's
# https://signature.bmkg.go.id/alert/public/id/rss.xml); empty: none is read.
CAP_FEED_URLS = env.list("CAP_FEED_URLS", default=[])
CAP_FEED_TIMEOUT_SECONDS = env.int("CAP_FEED_TIMEOUT_SECONDS", 10, minimum=1, maximum=120)
CAP_FEED_MAX_ITEMS = env.int("CAP_FEED_MAX_ITEMS", 100, minimum=1, maximum=1000)
CELERY_BEAT_SCHEDULE["read-cap-feeds"] = {
    "task": "integrations.tasks.read_cap_feeds",
    "schedule": env.int("CAP_FEED_POLL_SECONDS", 300, minimum=30),
}
# EIDO documents to the agencies' webhooks (URL and secret per agency, in the admin).
EIDO_SENDING_SYSTEM = env.str("EIDO_SENDING_SYSTEM", "")
EIDO_WEBHOOK_TIMEOUT_SECONDS = env.int("EIDO_WEBHOOK_TIMEOUT_SECONDS", 10, minimum=1, maximum=120)
EIDO_WEBHOOK_RETRY_BASE_SECONDS = env.int("EIDO_WEBHOOK_RETRY_BASE_SECONDS", 10, minimum=1)
EIDO_WEBHOOK_RETRY_MAX_SECONDS = env.int("EIDO_WEBHOOK_RETRY_MAX_SECONDS", 900, minimum=1)
EIDO_WEBHOOK_MAX_ATTEMPTS = env.int("EIDO_WEBHOOK_MAX_ATTEMPTS", 10, minimum=1, maximum=100)
CELERY_BEAT_SCHEDULE["eido-webhooks"] = {
    "task": "integrations.tasks.run_webhooks",
    "schedule": env.int("EIDO_WEBHOOK_SCAN_SECONDS", 5, minimum=1),
}
# Units on the map: a unit's position is pushed at most this often; units silent for longer
# than UNIT_STALE_MINUTES leave the map.
UNIT_PUSH_MIN_SECONDS = env.int("UNIT_PUSH_MIN_SECONDS", 5, minimum=0, maximum=300)
UNIT_STALE_MINUTES = env.int("UNIT_STALE_MINUTES", 30, minimum=1, maximum=1440)

# --- Operations and security ---------------------------------------------------------------------
# Operations (ops/): /healthz, /metrics, structured logs. See README.md, "Operations".
# First in the chain: the request id wraps everything, and the probes are answered before host
# checks and the HTTPS redirect (a load balancer calls by the container's address, over HTTP).
MIDDLEWARE[:0] = ["ops.middleware.RequestContextMiddleware", "ops.middleware.ProbeMiddleware"]
# /metrics: with `Authorization: Bearer <METRICS_TOKEN>`, or from these networks (CIDR, comma-separated).
METRICS_TOKEN = env.str("METRICS_TOKEN", "")
try:
    METRICS_ALLOWED_NETWORKS = [
        ipaddress.ip_network(n, strict=False) for n in env.list("METRICS_ALLOWED_NETWORKS", default=["127.0.0.1/32", "::1/128"])
    ]
except ValueError as exc:
    raise ImproperlyConfigured(f"METRICS_ALLOWED_NETWORKS: {exc}") from exc
# Scrapes of several processes within this many seconds share one set of database counts.
METRICS_DB_CACHE_SECONDS = env.int("METRICS_DB_CACHE_SECONDS", 10, minimum=0, maximum=300)
# Beat sends a heartbeat this often; a worker or beat silent for longer than the stale limit is
# reported "warn" by /healthz.
OPS_HEARTBEAT_SECONDS = env.int("OPS_HEARTBEAT_SECONDS", 30, minimum=5)
OPS_HEARTBEAT_STALE_SECONDS = env.int("OPS_HEARTBEAT_STALE_SECONDS", 3 * OPS_HEARTBEAT_SECONDS + 30, minimum=10)
CELERY_BEAT_SCHEDULE["ops-heartbeat"] = {
    "task": "ops.tasks.heartbeat",
    "schedule": OPS_HEARTBEAT_SECONDS,
    "options": {"expires": OPS_HEARTBEAT_SECONDS},  # a pile of old heartbeats proves nothing
}
# An outbox whose oldest waiting message is older than this makes /healthz "degraded".
OPS_OUTBOX_WARN_SECONDS = env.int("OPS_OUTBOX_WARN_SECONDS", 300, minimum=10)
# Logs: one JSON object a line in production; one readable line in the embedded demo and DEBUG.
# Every line carries request_id and user_id; phone numbers and callers' names are masked.
LOG_FORMAT = env.str("LOG_FORMAT", "readable" if EMBEDDED or DEBUG else "json")
if LOG_FORMAT not in ("json", "readable"):
    raise ImproperlyConfigured(f"LOG_FORMAT={LOG_FORMAT!r}: use json or readable.")
LOGGING["filters"] = {
    "request_context": {"()": "ops.logs.RequestContextFilter"},
    "personal_data": {"()": "ops.logs.PersonalDataFilter"},
}
LOGGING["formatters"]["json"] = {"()": "ops.logs.JsonFormatter"}
LOGGING["formatters"]["readable"] = {"()": "ops.logs.ReadableFormatter", "fmt": LOGGING["formatters"]["plain"]["format"]}
LOGGING["handlers"]["console"].update(formatter=LOG_FORMAT, filters=["request_context", "personal_data"])
# Celery would replace the root handler with its own format, without the filters above.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --- Security: authorization, headers, sessions, two-factor, audit, personal data (issue 11) ------
# The schema and its docs page describe every endpoint: for accounts only, like the API itself.
SPECTACULAR_SETTINGS["SERVE_PERMISSIONS"] = ["rest_framework.permissions.IsAuthenticated"]
# Two-factor login (accounts/): admins and supervisors may turn on an authenticator app (TOTP);
# users of the roles listed here must (comma-separated role names, e.g. "admin,supervisor").
INSTALLED_APPS.append("accounts")
MIDDLEWARE.insert(MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1, "accounts.middleware.TwoFactorMiddleware")
TOTP_REQUIRED_ROLES = env.list("TOTP_REQUIRED_ROLES", default=[])
# How long the code step waits after a correct password before the password must be entered again.
TOTP_LOGIN_STEP_SECONDS = env.int("TOTP_LOGIN_STEP_SECONDS", 300, minimum=30, maximum=3600)
# Audit trail (audit/): every change of users, roles, agencies, kelurahan, relawan, cameras and
# rosters, who made it and when, before and after; append-only. The middleware makes the
# request's user the actor of the changes a page or the API makes.
INSTALLED_APPS.append("audit")
MIDDLEWARE.insert(MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1, "audit.middleware.AuditContextMiddleware")
# Callers' personal data (number, name, device ids) is blanked this many days after the call was
# closed, nightly at 02:30 WITA; the calls, incidents and every report figure stay.
CALLER_DATA_RETENTION_DAYS = env.int("CALLER_DATA_RETENTION_DAYS", 365, minimum=1)
CELERY_BEAT_SCHEDULE["anonymise-caller-data"] = {
    "task": "audit.tasks.anonymise_caller_data",
    "schedule": crontab(hour=18, minute=30),  # UTC
}
# Content Security Policy (dispatch112/csp.py) on every HTML page: scripts and styles from this
# site only, no inline script, no eval. Map tiles and camera pictures from other hosts need their
# origins here (comma-separated, e.g. https://tiles.example.go.id); the MAP_TILE_URL host is added
# by itself. CSP_CONNECT_HOSTS: other origins the pages may fetch from (none by default).
CSP_IMG_HOSTS = env.list("CSP_IMG_HOSTS", default=[])
CSP_CONNECT_HOSTS = env.list("CSP_CONNECT_HOSTS", default=[])
for _name in ("CSP_IMG_HOSTS", "CSP_CONNECT_HOSTS"):
    for _source in globals()[_name]:
        # An origin, or a host with a leading wildcard: a quote or a semicolon would rewrite the policy.
        if not re.fullmatch(r"(https?|wss?)://(\*\.)?[A-Za-z0-9.-]+(:\d+)?|(\*\.)?[A-Za-z0-9.-]+\.[A-Za-z]{2,}", _source):
            raise ImproperlyConfigured(f"{_name}: {_source!r} is not an origin (https://host[:port]) or a host name.")
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1, "dispatch112.csp.ContentSecurityPolicyMiddleware")
# The API docs page (Swagger UI) from this site's own static files, not a CDN.
INSTALLED_APPS.append("drf_spectacular_sidecar")
SPECTACULAR_SETTINGS.update(SWAGGER_UI_DIST="SIDECAR", SWAGGER_UI_FAVICON_HREF="SIDECAR", REDOC_DIST="SIDECAR")
# Idle consoles (dispatch112/idle.py): a session without user activity for this long ends, pages,
# API and live socket alike. The consoles' own polling and keepalives do not count as activity.
SESSION_IDLE_TIMEOUT_MINUTES = env.int("SESSION_IDLE_TIMEOUT_MINUTES", 60, minimum=1, maximum=24 * 60)
# The browser warns this long before the end, with a button to stay.
SESSION_IDLE_WARNING_SECONDS = env.int("SESSION_IDLE_WARNING_SECONDS", 120, minimum=10, maximum=3600)
# After the messages middleware: the login page says why the session ended.
MIDDLEWARE.insert(MIDDLEWARE.index("django.contrib.messages.middleware.MessageMiddleware") + 1, "dispatch112.idle.IdleSessionMiddleware")
