"""The WebSocket side of config/asgi.py: one endpoint, /ws/ (a socket anywhere else is closed)."""

from channels.routing import URLRouter
from django.urls import path

from .consumer import RealtimeConsumer

websocket_application = URLRouter([path("ws/", RealtimeConsumer.as_asgi())])
