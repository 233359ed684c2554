"""Test settings: the production settings module with test-only secrets.

RAPPORT_DATABASE_URL passes through, so CI runs the same suite on PostgreSQL.
"""

import os

os.environ.setdefault("RAPPORT_SECRET_KEY", "test-only-secret-key-not-for-production-use-000")
# Two keys: the first encrypts, the second proves old ciphertext still reads after rotation.
os.environ.setdefault(
    "RAPPORT_ENCRYPTION_KEYS",
    "dGVzdC1vbmx5LWtleS0xLXRlc3Qtb25seS1rZXktMTI=,dGVzdC1vbmx5LWtleS0yLXRlc3Qtb25seS1rZXktMTI=",
)
os.environ.setdefault("RAPPORT_HTTPS", "0")
os.environ.setdefault("RAPPORT_STATIC_FROM_PACKAGE", "1")
os.environ.setdefault("RAPPORT_DATA_DIR", "/tmp/rapport-test-data")

from rapport import settings as production  # noqa: E402
from rapport.settings import *  # noqa: E402,F403

# Argon2 is deliberately slow; tests that check hashing assert on the production list.
PRODUCTION_PASSWORD_HASHERS = production.PASSWORD_HASHERS
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Keep test output readable: the suite asserts on behaviour, not on INFO lines.
LOGGING = {**production.LOGGING, "root": {"handlers": ["console"], "level": "WARNING"}}

# Each test process keeps its own cache (the login throttle's counts), so parallel test
# workers never see each other's failed logins.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# The test database on SQLite is in memory, as Django makes it for its own SQLite backend.
# Said outright because the engine is rapport.core.private_sqlite3: pytest-django only
# recognises "django.db.backends.sqlite3", and under xdist would otherwise give each worker
# a file named after the production path ("test_/tmp/.../rapport.sqlite3_gw0").
if DATABASES["default"]["ENGINE"] == PRIVATE_SQLITE_ENGINE:  # noqa: F405
    DATABASES["default"].setdefault("TEST", {})["NAME"] = ":memory:"  # noqa: F405
