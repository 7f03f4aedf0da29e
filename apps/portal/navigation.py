"""The portal's navigation: the entries the apps contribute (`MenuEntry`), filtered per request.

Entries whose URL is not (yet) installed are skipped; `admin_only` entries are shown to tenant
admins only, and entries of a `solution` to people who may use it (the pages themselves still check,
the menu just does not offer what would be refused).
The workforce solutions the user may use are added by apps.solutions.navigation, under "Workforce".

`portal_navigation` is the flat list (label, url, current, group) and `portal_menu` the same items in
their groups (`MENU_GROUPS` order, empty groups left out), which the layout renders.
"""

import contextlib
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from apps.accounts.access import is_tenant_admin
from apps.core.contributions import MENU_GROUPS, MenuEntry, contributions
from apps.solutions.navigation import solution_navigation
from apps.solutions.selectors import request_solutions

WORKFORCE = "Workforce"
DEVELOPERS = "Developers"


def navigation_entries() -> list[MenuEntry]:
    """The menu the apps declare (`MenuEntry` in their contributions.py), in their declared order."""
    return contributions(MenuEntry)


def portal_navigation(request: HttpRequest) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    admin = is_tenant_admin(request)
    usable: set[str] | None = None  # the solutions the caller may use, asked once and only when needed
    for entry in navigation_entries():
        if entry.admin_only and not admin:
            continue
        if entry.solution:
            if usable is None:
                usable = {solution.code for solution in request_solutions(request)}
            if entry.solution not in usable:
                continue
        try:
            url = reverse(entry.url_name)
        except NoReverseMatch:
            continue
        items.append({"label": entry.label, "url": url, "current": False, "group": entry.group})
    # The current page is the entry with the longest URL prefix of the path (People, not Organisation,
    # on /manage/organisation/people/; Overview only on /manage/ itself).
    matches = [
        item
        for item in items
        if request.path == item["url"] or (item["url"] != "/manage/" and request.path.startswith(item["url"]))
    ]
    if matches:
        max(matches, key=lambda item: len(item["url"]))["current"] = True
    # A solution whose apps declare their own entries (`MenuEntry(solution=...)`) is reached through
    # them; the others keep the link to their landing page.
    # So do solutions whose page already has an entry of that name (Workplaces, Approvals): two links of
    # one name that lead to different pages would leave a person guessing.
    declared = {reverse("solutions:solution_home", args=[e.solution]) for e in navigation_entries() if e.solution}
    labels = {item["label"] for item in items}
    landings = [
        item for item in solution_navigation(request) if item["url"] not in declared and item["label"] not in labels
    ]
    return items + [{**item, "group": WORKFORCE} for item in landings]


def portal_menu(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The items grouped by purpose: [{"name", "items", "current"}] in `MENU_GROUPS` order; the tenant
    API's documentation closes the Developers group. "current" opens the group on a phone."""
    grouped: dict[str, list[dict[str, Any]]] = {name: [] for name in MENU_GROUPS}
    for item in items:
        grouped.setdefault(item.get("group", ""), []).append(item)
    with contextlib.suppress(NoReverseMatch):
        grouped[DEVELOPERS].append({"label": "API documentation", "url": reverse("tenant-api:docs"), "current": False})
    return [
        {"name": name, "items": entries, "current": any(entry["current"] for entry in entries)}
        for name, entries in grouped.items()
        if entries
    ]
