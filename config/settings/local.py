"""Development settings: safe defaults so `make run` works with nothing configured."""

import os

os.environ.setdefault("SECRET_KEY", "dev-only-insecure-secret-key-change-me-0123456789abcdef")
os.environ.setdefault("FIELD_ENCRYPTION_KEY", "dev-only-field-encryption-key-0123456789")
os.environ.setdefault("DJANGO_DEBUG", "true")

from .base import *  # noqa: F403
from .base import PLATFORM_DOMAIN, env

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[PLATFORM_DOMAIN, f".{PLATFORM_DOMAIN}", "127.0.0.1"])
# dj-stripe needs a well-formed key even offline; nothing reaches Stripe at import or migrate.
STRIPE_TEST_SECRET_KEY = env("STRIPE_TEST_SECRET_KEY", default="sk_test_" + "0" * 24 + "devlocalkey")
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True
PUBLIC_URL_SCHEME = env("PUBLIC_URL_SCHEME", default="http")
PUBLIC_URL_PORT = env("PUBLIC_URL_PORT", default=env("PORT", default="8000"))

# Outbound webhooks (apps/webhooks): local receivers are plain http on 127.0.0.1 in development and
# tests; production keeps both off (HTTPS to public addresses only).
WEBHOOKS_ALLOW_HTTP = True
WEBHOOKS_ALLOW_PRIVATE = True
