"""Moved to apps.surfaces.portal (kept here until every caller imports it from there)."""

from apps.surfaces.portal import PortalActionView

__all__ = ["PortalActionView"]
