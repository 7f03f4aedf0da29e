"""Test settings: real PostgreSQL and Redis, a fast dj-stripe migration, quick hashing."""

import os
import tempfile
from typing import Any

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("FIELD_ENCRYPTION_KEY", "test-only-field-encryption-key-0123456789")
# Redis database 15 keeps tests away from a developer's running worker on database 0; with
# pytest-xdist each worker takes its own database below it (gw0 → 14, gw1 → 13, …), so one worker's
# cache flush or queue never touches another's.
# (The workers inherit the controller's environment, hence the marker: a REDIS_URL these settings
# chose is chosen again per worker; one the developer set is kept, and the cache key prefix below
# still keeps the workers apart.)
_XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
_REDIS_DB = 14 - int(_XDIST_WORKER[2:]) if _XDIST_WORKER.startswith("gw") and _XDIST_WORKER[2:].isdigit() else 15
if "REDIS_URL" not in os.environ or os.environ.get("NF_TEST_REDIS_URL_CHOSEN") == "1":
    os.environ["REDIS_URL"] = f"redis://127.0.0.1:6379/{max(_REDIS_DB, 1)}"
    os.environ["NF_TEST_REDIS_URL_CHOSEN"] = "1"
# WebSocket groups likewise (apps/realtime): a suite's sockets never receive another suite's publishes
# (read by base.py's realtime block; set in the environment so an ASGI server started by a test agrees).
os.environ["REALTIME_CHANNEL_PREFIX"] = (
    f"nf-rt:{os.environ.get('TEST_DATABASE_NAME', 'test_nidia_flow')}:{_XDIST_WORKER or 'main'}"
)

from .base import *  # noqa: F403, E402
from .base import CACHES, DATABASES, INSTALLED_APPS, TENANT_APPS, env  # noqa: E402

DEBUG = False
ALLOWED_HOSTS = ["*"]  # tests use custom domains too; routing decides what is served
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Chaos tests' worker processes write their emails to files (EMAIL_FILE_PATH) the test process reads.
EMAIL_BACKEND = env("TEST_EMAIL_BACKEND", default="django.core.mail.backends.locmem.EmailBackend")
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default="")
# Their files (a report a re-sent run sends again) go to a directory every process shares.
_SHARED_MEDIA = env("TEST_MEDIA_ROOT", default="")
_DEFAULT_STORAGE: Any = (
    {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": _SHARED_MEDIA}}
    if _SHARED_MEDIA
    else {"BACKEND": "django.core.files.storage.InMemoryStorage"}
)
STORAGES = {
    "default": _DEFAULT_STORAGE,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
STRIPE_TEST_SECRET_KEY = "sk_test_" + "0" * 24 + "testsuitekey"
# New subscriptions use the manual gateway whatever the developer's environment says; the Stripe tests
# override it (with the `stripe_stub` fixture pointing STRIPE_API_HOST at a local stub).
BILLING_PROVIDER = "manual"

# dj-stripe's own migrations take ~90 s to apply (PRODUCT.md section 6). Under test settings only,
# one regenerated migration creates the same tables; tests/test_djstripe_migration.py fails when a
# dj-stripe upgrade makes it stale.
MIGRATION_MODULES = {"djstripe": "config.test_migrations.djstripe"}

# TEST_DATABASE_NAME lets several checkouts run their suites side by side on one server; the
# Celery queue follows it so their workers never take each other's tasks.
TEST_DATABASE_NAME = env("TEST_DATABASE_NAME", default="test_nidia_flow")
DATABASES["default"]["TEST"] = {"NAME": TEST_DATABASE_NAME}
# Cache keys name the test database and the worker: two suites running side by side on one Redis
# (two checkouts, or a local run during CI) must not bump each other's cached versions.
CACHES["default"]["KEY_PREFIX"] = f"{TEST_DATABASE_NAME}:{_XDIST_WORKER or 'main'}"
API_REQUEST_LOG_BUFFER_KEY = f"logs:api_requests:{TEST_DATABASE_NAME}:{_XDIST_WORKER or 'main'}"  # raw Redis list
# With pytest-xdist each worker has its own database (…_gw0, …_gw1) and so its own queue.
CELERY_TASK_DEFAULT_QUEUE = f"nidia-{TEST_DATABASE_NAME}-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True
DEMO_CREDENTIALS_FILE = None
# Audit checkpoint files name their database: a developer's checkpoints never meet the test database's chains
# (tests that write checkpoints point this at their own tmp_path).
AUDIT_CHECKPOINT_DIR = os.path.join(
    tempfile.gettempdir(), f"nidia-audit-checkpoints-{TEST_DATABASE_NAME}-{_XDIST_WORKER or 'main'}"
)

# Outbound webhooks (apps/webhooks): local receivers are plain http on 127.0.0.1 in development and
# tests; production keeps both off (HTTPS to public addresses only).
WEBHOOKS_ALLOW_HTTP = True
WEBHOOKS_ALLOW_PRIVATE = True

# tests/sample_app (issue 12): an app that exists only here, plugged in through its own contributions.py
# (portal page, API endpoint and scope, webhook event, timeline source, dashboard block, demo step,
# periodic task); tests/test_sample_app.py shows each appears without an edit to any other app.
TENANT_APPS = [*TENANT_APPS, "tests.sample_app"]
INSTALLED_APPS = [*INSTALLED_APPS, "tests.sample_app"]
