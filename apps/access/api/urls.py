"""Tenant API endpoints of this app (included by config/urls/api_tenant.py)."""

urlpatterns: list = []
