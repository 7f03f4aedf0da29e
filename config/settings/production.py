"""Production settings: every secret must come from the environment; nothing has a default."""

import os

from django.core.exceptions import ImproperlyConfigured

# Checked before base.py reads them: django-environ's own error names one variable at a time and not
# where it is documented. Every one is described in docs/deploy.env.sample (docs/deploy/README.md).
REQUIRED_ENVIRONMENT = (
    "SECRET_KEY",
    "FIELD_ENCRYPTION_KEY",
    "AUDIT_CHECKPOINT_KEY",
    "BACKUP_ENCRYPTION_KEY",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "REDIS_URL",
    "EMAIL_URL",
    "STRIPE_LIVE_SECRET_KEY",
    "DJSTRIPE_WEBHOOK_SECRET",
)
_missing = [name for name in REQUIRED_ENVIRONMENT if not os.environ.get(name)]
if _missing:
    raise ImproperlyConfigured(
        f"Production settings refuse to start: {', '.join(_missing)} not set in the environment. "
        "Every variable is described in docs/deploy.env.sample (see docs/deploy/README.md)."
    )

from .base import *  # noqa: F403, E402
from .base import LOGGING, STRIPE_TEST_SECRET_KEY, billing_provider_default, env, log_format  # noqa: E402

DEBUG = False
SECRET_KEY = env("SECRET_KEY")
FIELD_ENCRYPTION_KEY = env("FIELD_ENCRYPTION_KEY")
AUDIT_CHECKPOINT_KEY = env("AUDIT_CHECKPOINT_KEY")  # signs the audit chain checkpoints; never in the database
BACKUP_ENCRYPTION_KEYS = env.list("BACKUP_ENCRYPTION_KEY")  # tenant archives (docs/backup.md): no derived default
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["ENGINE"] = "django_tenants.postgresql_backend"
# Behind PgBouncer (session mode) a connection goes back to the pool after each request or task, so a few
# server connections serve many processes; straight to PostgreSQL it is kept a minute (docs/deploy/pooling.md).
_POOLED = env("DATABASE_POOLER", default="none") == "pgbouncer"
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=0 if _POOLED else 60)
REDIS_URL = env("REDIS_URL")
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=REDIS_URL)
CACHES = {"default": env.cache("CACHE_URL", default=REDIS_URL.replace("redis://", "rediscache://", 1))}
CACHES["default"]["KEY_FUNCTION"] = "django_tenants.cache.make_key"
CACHES["default"]["REVERSE_KEY_FUNCTION"] = "django_tenants.cache.reverse_key"
EMAIL_CONFIG = env.email("EMAIL_URL")
vars().update(EMAIL_CONFIG)
STRIPE_LIVE_SECRET_KEY = env("STRIPE_LIVE_SECRET_KEY")
STRIPE_LIVE_MODE = env.bool("STRIPE_LIVE_MODE", default=True)
DJSTRIPE_WEBHOOK_SECRET = env("DJSTRIPE_WEBHOOK_SECRET")
BILLING_PROVIDER = env(
    "BILLING_PROVIDER",
    default=billing_provider_default(
        live_mode=STRIPE_LIVE_MODE, live_key=STRIPE_LIVE_SECRET_KEY, test_key=STRIPE_TEST_SECRET_KEY
    ),
)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
DEMO_CREDENTIALS_FILE = None

# Hashed file names (app.3f9c1b.css): browsers and proxies cache static files for ever, and a deploy
# can never serve an old page with a new stylesheet. `collectstatic` must run before the web starts
# (docs/deploy/README.md; bin/prod_check.py does); test settings keep their own plain storage.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
STATIC_ROOT = env.path("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))  # noqa: F405
WHITENOISE_KEEP_ONLY_HASHED_FILES = env.bool("WHITENOISE_KEEP_ONLY_HASHED_FILES", default=True)

# JSON log lines by default in production (LOG_FORMAT=text to read them by eye); docs/observability.md.
LOG_FORMAT = log_format(env("LOG_FORMAT", default="json"))
LOGGING["handlers"]["console"]["formatter"] = LOG_FORMAT  # type: ignore[index]
