"""Staff timeline URL (/admin/timeline/<tenant_id>/), included by config/urls/platform.py."""

from django.contrib import admin
from django.urls import path

from .views import staff_timeline_view

app_name = "timeline-admin"

urlpatterns = [path("<uuid:tenant_id>/", admin.site.admin_view(staff_timeline_view), name="tenant")]
