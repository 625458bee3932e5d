"""The security headers every page carries, the production profile's cookies and HSTS, and
`manage.py check --deploy` clean under the production variables."""

import json
import subprocess
import sys

import pytest
from django.test import Client
from django.urls import reverse

from dispatch112 import csp
from dispatch112.roles import Role
from tests.conftest import REPO_ROOT
from tests.dispatch112.test_settings import random_secret_key, run_python, subprocess_env
from tests.factories import DEFAULT_PASSWORD, UserFactory


def directives(response):
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split("; ")}


@pytest.mark.django_db
def test_every_page_carries_a_strict_content_security_policy_and_frame_denial(client):
    response = client.get(reverse("login"))

    policy = directives(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval'
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["connect-src"] == ["'self'", "ws://testserver", "wss://testserver"]
    assert policy["img-src"][:3] == ["'self'", "data:", "blob:"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
def test_the_map_tile_host_and_the_configured_hosts_are_allowed(client, settings):
    settings.LEAFLET_CONFIG = {**settings.LEAFLET_CONFIG, "TILES": [("OSM", "https://{s}.tiles.example.go.id/{z}/{x}/{y}.png", {})]}
    settings.CSP_IMG_HOSTS = ["https://cctv.example.go.id"]
    settings.CSP_CONNECT_HOSTS = ["https://api.example.go.id"]

    policy = directives(client.get(reverse("login")))

    assert policy["img-src"] == ["'self'", "data:", "blob:", "https://*.tiles.example.go.id", "https://cctv.example.go.id"]
    assert policy["connect-src"][-1] == "https://api.example.go.id"


def test_the_default_tiles_are_allowed():
    assert csp.tile_origins() == ["https://tile.openstreetmap.org"]


@pytest.mark.django_db
def test_only_html_gets_the_page_policy_and_a_policy_of_its_own_is_kept(client):
    client.force_login(UserFactory(username="budi", role=Role.OPERATOR))
    assert "Content-Security-Policy" not in client.get(reverse("session-status"))  # JSON
    # The CCTV feed proxy sandboxes what a camera sends; the page policy must not replace that.
    feed = client.get(reverse("cctv-camera-frame", kwargs={"pk": 999999}))
    assert "sandbox" in feed.get("Content-Security-Policy", "sandbox")


@pytest.mark.django_db
def test_the_production_profile_sends_hsts_and_secure_cookies(settings, django_user_model):
    # The profile's own values (tests/conftest.py turns the redirect and HSTS off for plain HTTP).
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    UserFactory(username="budi", role=Role.OPERATOR)
    client = Client()

    page = client.get(reverse("login"), secure=True)
    login = client.post(reverse("login"), {"username": "budi", "password": DEFAULT_PASSWORD}, secure=True)

    assert page["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert login.status_code == 302
    session = login.cookies[settings.SESSION_COOKIE_NAME]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"
    assert page.cookies["csrftoken"]["secure"]


PRODUCTION = {
    "DATABASE_URL": "postgres://dispatch:s3cret@db.internal:5432/dispatch112",
    "REDIS_URL": "redis://cache.internal:6379/2",
    "ALLOWED_HOSTS": "112.example.go.id",
    "CSRF_TRUSTED_ORIGINS": "https://112.example.go.id",
    "BEHIND_TLS_PROXY": "true",
    "CSP_IMG_HOSTS": "https://cctv.example.go.id",
    "SESSION_IDLE_TIMEOUT_MINUTES": "30",
}


def test_the_production_profile_turns_every_protection_on(tmp_path):
    code = """
import json
from django.conf import settings as s
print(json.dumps({
    "ssl_redirect": s.SECURE_SSL_REDIRECT, "hsts": s.SECURE_HSTS_SECONDS, "subdomains": s.SECURE_HSTS_INCLUDE_SUBDOMAINS,
    "session_secure": s.SESSION_COOKIE_SECURE, "csrf_secure": s.CSRF_COOKIE_SECURE, "httponly": s.SESSION_COOKIE_HTTPONLY,
    "frame": s.X_FRAME_OPTIONS, "idle": s.SESSION_IDLE_TIMEOUT_MINUTES, "img_hosts": s.CSP_IMG_HOSTS,
    "middleware": [m for m in s.MIDDLEWARE if m.startswith("dispatch112.")],
}))
"""
    result = run_python(code, tmp_path, SECRET_KEY=random_secret_key(), **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {
        "ssl_redirect": True, "hsts": 31536000, "subdomains": True,
        "session_secure": True, "csrf_secure": True, "httponly": True,
        "frame": "DENY", "idle": 30, "img_hosts": ["https://cctv.example.go.id"],
        "middleware": ["dispatch112.csp.ContentSecurityPolicyMiddleware", "dispatch112.middleware.ConsoleLocaleMiddleware",
                       "dispatch112.middleware.RejectNulMiddleware", "dispatch112.idle.IdleSessionMiddleware"],
    }


def test_manage_py_check_deploy_is_clean_in_the_production_profile(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO_ROOT,
        env=subprocess_env(tmp_path, SECRET_KEY=random_secret_key(), **PRODUCTION),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize("value", ["https://x.example.go.id; script-src *", "'unsafe-inline'", "https://a.go.id https://b.go.id"])
def test_a_host_that_would_rewrite_the_policy_stops_start_up(tmp_path, value):
    result = run_python("import django.conf; django.conf.settings.CSP_IMG_HOSTS", tmp_path, CSP_IMG_HOSTS=value)
    assert result.returncode != 0
    assert "CSP_IMG_HOSTS" in result.stderr.strip().splitlines()[-1]
