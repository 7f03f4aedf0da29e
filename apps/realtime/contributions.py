"""What the realtime app adds. WebSockets for every app: an ASGI consumer authenticated like the API, scoped to
one tenant; apps publish to topics and answer frames through hooks.
"""

from apps.core.contributions import contribute

contribute()
