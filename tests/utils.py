import os
from urllib.parse import quote

from django.conf import settings


def test_database_url() -> str:
    """A DATABASE_URL for subprocesses (worker, management commands) that points at the test database."""
    db = settings.DATABASES["default"]
    user = quote(db.get("USER") or "")
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or db.get("OPTIONS", {}).get("host") or ""
    if host.startswith("/"):  # a Unix socket (the embedded fallback)
        return f"postgres://{user}{password}@/{db['NAME']}?host={quote(host)}"
    return f"postgres://{user}{password}@{host or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def subprocess_env(**extra: str) -> dict[str, str]:
    """The current environment, on test settings and the test database."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": test_database_url(),
        **extra,
    }
