"""The inbox fixtures the portal and API tests share."""

from apps.notifications.tests.inbox_fixtures import make_notification  # noqa: F401
