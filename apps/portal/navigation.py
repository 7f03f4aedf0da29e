"""The portal's navigation: one list, filtered per request.

Entries whose URL is not (yet) installed are skipped; `admin_only` entries are shown to tenant
admins only (the pages themselves still check, the menu just does not offer what would be refused).
The workforce solutions the user may use are added by apps.solutions.navigation.
"""

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class NavEntry:
    label: str
    url_name: str
    admin_only: bool = False


NAVIGATION: list[NavEntry] = [
    NavEntry("Overview", "portal:dashboard"),
    NavEntry("Organisation", "organisation:entity_list"),
    NavEntry("People", "organisation:people_list"),
    NavEntry("Import directory", "directory-import:upload", admin_only=True),
    NavEntry("Roles", "access:role_list"),
    NavEntry("Assignments", "access:assignment_list"),
    NavEntry("My access", "access:my_access"),
    NavEntry("Solution access", "solutions:access_list", admin_only=True),
    NavEntry("Members", "members:list", admin_only=True),
    NavEntry("Invitations", "invitations:list", admin_only=True),
    NavEntry("Integrations", "integration-activations:list", admin_only=True),
    NavEntry("API keys", "api-keys:list", admin_only=True),
    NavEntry("Security policy", "policy:overview"),
    NavEntry("Branding", "branding:edit", admin_only=True),
    NavEntry("Billing", "billing:overview", admin_only=True),
    NavEntry("Webhooks", "webhooks:list", admin_only=True),
    NavEntry("Activity", "timeline:activity", admin_only=True),
    NavEntry("Support", "support:list", admin_only=True),
    NavEntry("Platform settings", "platform-settings:list", admin_only=True),
    NavEntry("Domains", "tenant-domains:list", admin_only=True),
    NavEntry("Privacy", "privacy:overview"),
    NavEntry("My account", "account:index"),
]


def _is_admin(request: HttpRequest) -> bool:
    membership = getattr(request, "membership", None)
    return bool(membership is not None and membership.role == "tenant_admin" and membership.is_active)


def portal_navigation(request: HttpRequest) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    admin = _is_admin(request)
    for entry in NAVIGATION:
        if entry.admin_only and not admin:
            continue
        try:
            url = reverse(entry.url_name)
        except NoReverseMatch:
            continue
        items.append({"label": entry.label, "url": url, "current": False})
    # The current page is the entry with the longest URL prefix of the path (People, not Organisation,
    # on /manage/organisation/people/; Overview only on /manage/ itself).
    matches = [
        item
        for item in items
        if request.path == item["url"] or (item["url"] != "/manage/" and request.path.startswith(item["url"]))
    ]
    if matches:
        max(matches, key=lambda item: len(item["url"]))["current"] = True
    try:
        from apps.solutions.navigation import solution_navigation
    except ImportError:
        return items
    return items + solution_navigation(request)
