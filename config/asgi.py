"""The ASGI application: HTTP to Django, WebSockets at /ws/ to apps.realtime (docs/realtime.md).

Served by uvicorn (`uvicorn config.asgi:application`); `make run` starts it next to web, worker and beat
(bin/run.py). DJANGO_SETTINGS_MODULE must be set: a production process that silently fell back to the
development settings would run with DEBUG on and a known secret key. bin/run.py sets it for `make run`.
"""

import os

from django.core.exceptions import ImproperlyConfigured

if not os.environ.get("DJANGO_SETTINGS_MODULE"):
    raise ImproperlyConfigured(
        "DJANGO_SETTINGS_MODULE is not set: the ASGI server needs config.settings.production (or "
        "config.settings.local in development; `make run` sets it)."
    )

from channels.routing import ProtocolTypeRouter
from django.core.asgi import get_asgi_application

# Django is set up here, before anything that imports models (the consumer).
django_application = get_asgi_application()

from apps.realtime.routing import websocket_application  # noqa: E402

application = ProtocolTypeRouter({"http": django_application, "websocket": websocket_application})
