"""The one settings module switches between the embedded default and production by environment alone.

Each case imports the settings in a fresh interpreter, as `manage.py` and daphne do at start-up.
"""

import json
import os
import secrets
import string
import subprocess
import sys

import pytest

from tests.conftest import REPO_ROOT

# Variables the settings read; the test run's own values must not leak into the subprocesses.
SETTINGS_VARIABLES = {
    "DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS",
    "REGION_CODE", "REGION_SHORT", "BEHIND_TLS_PROXY", "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE",
    "SECURE_HSTS_SECONDS", "SECURE_HSTS_PRELOAD", "LOGIN_FAILURE_LIMIT", "LOGIN_COOLOFF_MINUTES",
    "SESSION_COOKIE_AGE", "EMBEDDED_SCHEDULER", "CELERY_TASK_ALWAYS_EAGER", "DB_CONN_MAX_AGE",
    "DB_POOL", "DB_POOL_MIN_SIZE", "DB_POOL_MAX_SIZE", "DB_POOL_TIMEOUT",
    "STATIC_ROOT", "LOG_LEVEL", "MAP_TILE_URL", "MAP_TILE_ATTRIBUTION",
    "CSP_IMG_HOSTS", "CSP_CONNECT_HOSTS", "SESSION_IDLE_TIMEOUT_MINUTES", "SESSION_IDLE_WARNING_SECONDS",
    "PYTEST_XDIST_WORKER",  # a parallel run's worker moves REDIS_URL to its own database
}

PRINT_SETTINGS = """
import json
from django.conf import settings as s
print(json.dumps({
    "engine": s.DATABASES["default"]["ENGINE"],
    "db_pool": s.DATABASES["default"].get("OPTIONS", {}).get("pool"),
    "db_conn_max_age": s.DATABASES["default"].get("CONN_MAX_AGE"),
    "db_name": str(s.DATABASES["default"]["NAME"]),
    "db_host": s.DATABASES["default"].get("HOST", ""),
    "channel_layer": s.CHANNEL_LAYERS["default"]["BACKEND"],
    "channel_hosts": s.CHANNEL_LAYERS["default"].get("CONFIG", {}).get("hosts"),
    "broker": s.CELERY_BROKER_URL,
    "eager": s.CELERY_TASK_ALWAYS_EAGER,
    "cache": s.CACHES["default"]["BACKEND"],
    "cache_location": s.CACHES["default"].get("LOCATION", ""),
    "embedded": s.EMBEDDED,
    "embedded_scheduler": s.EMBEDDED_SCHEDULER,
    "debug": s.DEBUG,
    "secret_key": s.SECRET_KEY,
    "ssl_redirect": s.SECURE_SSL_REDIRECT,
    "session_cookie_secure": s.SESSION_COOKIE_SECURE,
    "hsts": s.SECURE_HSTS_SECONDS,
    "allowed_hosts": s.ALLOWED_HOSTS,
    "axes_failure_limit": s.AXES_FAILURE_LIMIT,
    "language": s.LANGUAGE_CODE,
    "time_zone": s.TIME_ZONE,
}))
"""

POSTGRES_URL = "postgres://dispatch:s3cret@db.internal:5432/dispatch112"
REDIS_URL = "redis://cache.internal:6379/2"


def random_secret_key():
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    return "".join(secrets.choice(alphabet) for _ in range(50))


def subprocess_env(tmp_path, **variables):
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES and not k.endswith("_FILE")}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env["DJANGO_SETTINGS_MODULE"] = "dispatch112.settings"
    env["DISPATCH112_VAR_DIR"] = str(tmp_path / "var")
    env.update(variables)
    return env


def run_python(code, tmp_path, **variables):
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        env=subprocess_env(tmp_path, **variables),
        capture_output=True,
        text=True,
        timeout=60,
    )


def load_settings(tmp_path, **variables):
    result = run_python(PRINT_SETTINGS, tmp_path, **variables)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_embedded_default_passes_the_system_check_without_warnings(tmp_path):
    """`make run` starts with a clean check: the report facts' INCLUDE indexes (a PostgreSQL
    optimisation SQLite ignores) do not warn on the embedded database."""
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--database", "default"], cwd=REPO_ROOT, env=subprocess_env(tmp_path), capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "W040" not in result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_nothing_set_runs_embedded(tmp_path):
    s = load_settings(tmp_path)

    assert s["embedded"] is True
    assert s["engine"] == "django.db.backends.sqlite3"
    # The demo database lives in the configured var directory, not beside the code.
    assert s["db_name"] == str(tmp_path / "var" / "dispatch112.sqlite3")
    assert (tmp_path / "var").is_dir()
    assert s["channel_layer"] == "channels.layers.InMemoryChannelLayer"
    assert s["broker"] == "memory://"
    assert s["eager"] is True
    assert s["embedded_scheduler"] is True
    assert s["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert s["debug"] is False
    assert s["ssl_redirect"] is False and s["session_cookie_secure"] is False and s["hsts"] == 0
    assert s["language"] == "id"
    assert s["time_zone"] == "Asia/Makassar"


def test_database_and_redis_urls_switch_on_production_services(tmp_path):
    key = random_secret_key()
    s = load_settings(tmp_path, DATABASE_URL=POSTGRES_URL, REDIS_URL=REDIS_URL, SECRET_KEY=key)

    assert s["embedded"] is False
    assert s["engine"] == "django.db.backends.postgresql"
    assert (s["db_name"], s["db_host"]) == ("dispatch112", "db.internal")
    assert s["channel_layer"] == "channels_redis.core.RedisChannelLayer"
    assert [host["address"] for host in s["channel_hosts"]] == [REDIS_URL]
    assert all(host["socket_timeout"] > 5 for host in s["channel_hosts"])  # above BZPOPMIN's 5 s
    assert s["broker"] == REDIS_URL
    assert s["eager"] is False
    assert s["embedded_scheduler"] is False
    assert s["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert s["cache_location"] == REDIS_URL
    assert s["secret_key"] == key
    assert s["debug"] is False
    assert s["ssl_redirect"] is True and s["session_cookie_secure"] is True and s["hsts"] >= 31536000
    # Nothing was written to a var directory: production keeps no local state.
    assert not (tmp_path / "var" / "dispatch112.sqlite3").exists()


def test_postgres_connections_come_from_a_bounded_pool_per_process(tmp_path):
    """daphne runs each request in a thread of its own: persistent per-thread connections piled up
    under load until PostgreSQL refused more ("too many clients", HTTP 500s in bench/load.py)."""
    s = load_settings(tmp_path, DATABASE_URL=POSTGRES_URL, SECRET_KEY=random_secret_key())
    assert s["db_pool"] == {"min_size": 2, "max_size": 20, "timeout": 10}
    assert s["db_conn_max_age"] == 0  # Django refuses a pool with persistent connections

    sized = load_settings(tmp_path, DATABASE_URL=POSTGRES_URL, SECRET_KEY=random_secret_key(), DB_POOL_MAX_SIZE="1", DB_POOL_TIMEOUT="3")
    assert sized["db_pool"] == {"min_size": 1, "max_size": 1, "timeout": 3}

    unpooled = load_settings(tmp_path, DATABASE_URL=POSTGRES_URL, SECRET_KEY=random_secret_key(), DB_POOL="false", DB_CONN_MAX_AGE="60")
    assert unpooled["db_pool"] is None
    assert unpooled["db_conn_max_age"] == 60


def test_postgres_without_redis_keeps_in_process_layer_and_eager_tasks(tmp_path):
    s = load_settings(tmp_path, DATABASE_URL=POSTGRES_URL, SECRET_KEY=random_secret_key())

    assert s["engine"] == "django.db.backends.postgresql"
    assert s["channel_layer"] == "channels.layers.InMemoryChannelLayer"
    assert s["broker"] == "memory://" and s["eager"] is True
    assert s["cache"] == "django.core.cache.backends.locmem.LocMemCache"


def test_secret_key_can_come_from_a_file(tmp_path):
    key = random_secret_key()
    secret = tmp_path / "secret_key"
    secret.write_text(key + "\n", encoding="utf-8")

    s = load_settings(tmp_path, DATABASE_URL=POSTGRES_URL, REDIS_URL=REDIS_URL, SECRET_KEY_FILE=str(secret))

    assert s["secret_key"] == key


def test_debug_and_login_limit_are_read_from_the_environment(tmp_path):
    s = load_settings(tmp_path, DEBUG="true", LOGIN_FAILURE_LIMIT="3", ALLOWED_HOSTS="112.example.go.id, localhost")

    assert s["debug"] is True
    assert s["axes_failure_limit"] == 3
    assert s["allowed_hosts"] == ["112.example.go.id", "localhost"]


@pytest.mark.parametrize(
    ("variables", "named"),
    [
        ({"DEBUG": "maybe"}, "DEBUG"),
        ({"LOGIN_FAILURE_LIMIT": "abc"}, "LOGIN_FAILURE_LIMIT"),
        ({"LOGIN_FAILURE_LIMIT": "0"}, "LOGIN_FAILURE_LIMIT"),
        ({"DATABASE_URL": POSTGRES_URL, "SECRET_KEY": "k" * 50, "DB_POOL_MAX_SIZE": "0"}, "DB_POOL_MAX_SIZE"),
        ({"DATABASE_URL": "mysql://root@127.0.0.1/dispatch112", "SECRET_KEY": "k" * 50}, "DATABASE_URL"),
        ({"REDIS_URL": "memcached://127.0.0.1:11211"}, "REDIS_URL"),
        ({"DATABASE_URL": POSTGRES_URL}, "SECRET_KEY"),
        ({"REDIS_URL": REDIS_URL}, "SECRET_KEY"),
    ],
    ids=["debug-maybe", "limit-abc", "limit-zero", "pool-size-zero", "mysql-url", "memcached-url", "db-without-key", "redis-without-key"],
)
def test_malformed_configuration_stops_start_up_naming_the_variable(tmp_path, variables, named):
    result = run_python(PRINT_SETTINGS, tmp_path, **variables)

    assert result.returncode != 0, result.stdout
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith("django.core.exceptions.ImproperlyConfigured:"), result.stderr
    assert named in last_line


def test_check_deploy_is_clean_with_production_variables(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=REPO_ROOT,
        env=subprocess_env(
            tmp_path,
            SECRET_KEY=random_secret_key(),
            DATABASE_URL="postgres://postgres@127.0.0.1:5432/test",
            REDIS_URL="redis://127.0.0.1:6379/1",
            ALLOWED_HOSTS="112.example.go.id",
        ),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS" not in result.stderr + result.stdout


def test_a_parallel_test_worker_gets_redis_to_itself(tmp_path):
    """pytest-xdist worker gwN: the cache, the channel layer and the broker on REDIS_URL's database + N."""
    s = load_settings(tmp_path, REDIS_URL=REDIS_URL, SECRET_KEY=random_secret_key(), PYTEST_XDIST_WORKER="gw1")

    worker_url = "redis://cache.internal:6379/3"
    assert [host["address"] for host in s["channel_hosts"]] == [worker_url]
    assert s["broker"] == worker_url
    assert s["cache_location"] == worker_url
