"""A small user-agent reader: enough to tell a person which of their sessions is which.

It does not try to be complete (no dependency, no database of agents); anything it does not
recognise is an "Unknown device".
"""

import re
from typing import NamedTuple

from .models import DeviceType

_BOT = re.compile(r"bot|crawl|spider|slurp|curl|wget|python-requests|httpx|okhttp|headless", re.I)
_TABLET = re.compile(r"ipad|tablet|kindle|silk|playbook", re.I)
_MOBILE = re.compile(r"mobi|iphone|ipod|android|blackberry|windows phone", re.I)
_DESKTOP = re.compile(r"windows nt|macintosh|mac os x|x11|linux|cros", re.I)

# First match wins: Edge and Opera also say "Chrome", Chrome also says "Safari".
_BROWSERS = [
    ("Edge", re.compile(r"edg(e|a|ios)?/", re.I)),
    ("Opera", re.compile(r"opr/|opera", re.I)),
    ("Samsung Internet", re.compile(r"samsungbrowser", re.I)),
    ("Firefox", re.compile(r"firefox|fxios", re.I)),
    ("Chrome", re.compile(r"chrome|crios|chromium", re.I)),
    ("Safari", re.compile(r"safari", re.I)),
]
_SYSTEMS = [
    ("iPad", re.compile(r"ipad", re.I)),
    ("iPhone", re.compile(r"iphone|ipod", re.I)),
    ("Android", re.compile(r"android", re.I)),
    ("Windows", re.compile(r"windows", re.I)),
    ("ChromeOS", re.compile(r"cros", re.I)),
    ("macOS", re.compile(r"macintosh|mac os x", re.I)),
    ("Linux", re.compile(r"linux|x11", re.I)),
]


class Device(NamedTuple):
    name: str
    type: str


def _first(patterns: list[tuple[str, re.Pattern[str]]], user_agent: str) -> str:
    return next((name for name, pattern in patterns if pattern.search(user_agent)), "")


def device_type_of(user_agent: str) -> str:
    if not user_agent:
        return DeviceType.UNKNOWN
    if _BOT.search(user_agent):
        return DeviceType.BOT
    if _TABLET.search(user_agent) or ("android" in user_agent.lower() and "mobile" not in user_agent.lower()):
        return DeviceType.TABLET
    if _MOBILE.search(user_agent):
        return DeviceType.MOBILE
    if _DESKTOP.search(user_agent):
        return DeviceType.DESKTOP
    return DeviceType.UNKNOWN


def device_from_user_agent(user_agent: str) -> Device:
    """A readable name ("Firefox on Linux") and a device type for a User-Agent header."""
    kind = device_type_of(user_agent)
    if kind == DeviceType.BOT:
        return Device(name="Automated client", type=kind)
    browser, system = _first(_BROWSERS, user_agent), _first(_SYSTEMS, user_agent)
    if browser and system:
        return Device(name=f"{browser} on {system}", type=kind)
    return Device(name=browser or system or "Unknown device", type=kind)
