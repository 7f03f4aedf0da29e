"""The portal's navigation: the entries the apps contribute (`MenuEntry`), filtered per request.

Entries whose URL is not (yet) installed are skipped; `admin_only` entries are shown to tenant
admins only (the pages themselves still check, the menu just does not offer what would be refused).
The workforce solutions the user may use are added by apps.solutions.navigation.
"""

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from apps.core.contributions import MenuEntry, contributions


def navigation_entries() -> list[MenuEntry]:
    """The menu the apps declare (`MenuEntry` in their contributions.py), in their declared order."""
    return contributions(MenuEntry)


def _is_admin(request: HttpRequest) -> bool:
    membership = getattr(request, "membership", None)
    return bool(membership is not None and membership.role == "tenant_admin" and membership.is_active)


def portal_navigation(request: HttpRequest) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    admin = _is_admin(request)
    for entry in navigation_entries():
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
