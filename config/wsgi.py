"""The WSGI application for HTTP, served by gunicorn in production (config/gunicorn.conf.py, Procfile).

DJANGO_SETTINGS_MODULE must be set: a production process that silently fell back to the development
settings would run with DEBUG on and a known secret key (the same rule as config/asgi.py). manage.py and
bin/run.py set it for development.
"""

import os

from django.core.exceptions import ImproperlyConfigured

if not os.environ.get("DJANGO_SETTINGS_MODULE"):
    raise ImproperlyConfigured(
        "DJANGO_SETTINGS_MODULE is not set: the WSGI server needs config.settings.production (or "
        "config.settings.local in development; `make run` sets it). See docs/deploy/README.md."
    )

from django.core.wsgi import get_wsgi_application

application = get_wsgi_application()
