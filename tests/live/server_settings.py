"""Settings of the daphne subprocess the live tests start: the project's own settings (embedded, or
PostgreSQL/Redis from the environment), on the pytest test database, with the same test-run
overrides tests/conftest.py applies in the pytest process (a subprocess cannot see those)."""

import os

from django.conf import global_settings

from dispatch112.settings import *  # noqa: F403
from dispatch112.settings import DATABASES, STORAGES

# The test database pytest-django created (test_<name> on PostgreSQL, a file on SQLite).
DATABASES["default"]["NAME"] = os.environ["DISPATCH112_LIVE_TEST_DB"]
# Users are created by the pytest process, whose hasher is MD5 (tests/conftest.py); the default
# ones still verify, should that override ever go.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *global_settings.PASSWORD_HASHERS]
# No collectstatic in tests: serve static files from the finders, as the embedded default does.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
WHITENOISE_USE_FINDERS = True
# Plain HTTP on 127.0.0.1 (TLS ends at the proxy in production).
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
