"""The tenant-aware Celery app: a task runs in the schema it was sent from.

DJANGO_SETTINGS_MODULE must be set (like config/wsgi.py and config/asgi.py): a worker that silently fell
back to the development settings would run production jobs with a known secret key. This package's
__init__ imports this module, so it is also the first refusal gunicorn and uvicorn meet. manage.py,
bin/run.py and pytest set it; production units and the Procfile set config.settings.production.
"""

import os

from django.core.exceptions import ImproperlyConfigured
from tenant_schemas_celery.app import CeleryApp

if not os.environ.get("DJANGO_SETTINGS_MODULE"):
    raise ImproperlyConfigured(
        "DJANGO_SETTINGS_MODULE is not set: gunicorn (config.wsgi), uvicorn (config.asgi) and the Celery worker "
        "and beat need config.settings.production (or config.settings.local in development; `make run` sets it). "
        "See docs/deploy/README.md."
    )

app = CeleryApp("nidia_flow")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
