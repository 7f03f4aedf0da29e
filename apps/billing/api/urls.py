"""Tenant API billing endpoints (included at /api/v1/)."""

urlpatterns: list = []
