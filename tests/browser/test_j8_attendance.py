"""J8: issue 15's acceptance. A tenant on a plan with Attendance and Leave; its admin gives Mia Manager
access to both solutions, then, in the portal, builds a region → area → site with a circle geofence,
a shift type and this week's roster for the site with Mia on today's shift, and publishes it: Mia is
told (bell, inbox). Mia, through the API as the mobile app calls it (a bearer token from
/api/v1/auth/token/), clocks in inside the fence (201, inside; a retried request gives the same punch,
200), clocks out, and clocks in again 1 km away: the site's policy (the default, "accept and flag")
accepts it as outside with the distance and flags it for review. The admin sees Mia and the verdicts on
today's board and in the punches. Mia asks for two working days of annual leave next week through the
API; the request is routed to the admin (the leave workflow made in /manage/approvals/), who approves it
in the approvals inbox; Mia's balance is charged and the team calendar shows her off.
"""

import datetime
import json
import re
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import requests
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from apps.leave import services as leave_services
from apps.notifications.models import Notification
from apps.tenancy.models import Plan

TIME_ZONE = "Australia/Sydney"
FENCE = (-33.8688, 151.2093, 150)  # centre lat, lng and radius (m)
INSIDE = (-33.8690, 151.2094)  # about 25 m from the centre
OUTSIDE = (-33.8598, 151.2093)  # about 1 km north
DAY_MINUTES = 456  # a leave day of the default working pattern (7.6 h)
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


class TenantApi:
    """The mobile app's view of the tenant API: HTTP to the live server with the tenant's host name."""

    def __init__(self, live: Any, tenant: Any) -> None:
        self.base = f"http://127.0.0.1:{live.port}"
        self.host = urlsplit(live.tenant_url(tenant, "/")).netloc
        self.token = ""
        self.last_body: dict[str, Any] = {}

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {"Host": self.host, "Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return requests.request(method, self.base + path, headers=headers, timeout=30, **kwargs)

    def sign_in(self, person: Any) -> None:
        answer = self.call(
            "POST",
            "/api/v1/auth/token/",
            json={"email": person.email, "password": person.password, "device_name": "Mia's phone"},
        )
        assert answer.status_code == 200, answer.text
        self.token = answer.json()["access"]

    def punch(self, kind: str, position: tuple[float, float], **extra: Any) -> requests.Response:
        body = {
            "client_id": str(uuid.uuid4()),
            "kind": kind,
            "device_time": timezone.now().isoformat(),
            "lat": position[0],
            "lng": position[1],
            "accuracy_m": 10,
            "source": "mobile",
            **extra,
        }
        self.last_body = body
        return self.call("POST", "/api/v1/attendance/punches/", json=body)


def _professional_plan() -> Plan:
    """The plan "professional" of fixtures/plans.json (Attendance, Leave, Approvals, API access) under a name of
    this journey's (other journeys make plans of their own in the same database), with the catalogue's
    solutions (loaddata by natural key: idempotent)."""
    fixtures = Path(settings.BASE_DIR, "fixtures")
    call_command("loaddata", str(fixtures / "catalogue.json"), verbosity=0)
    (fields,) = [
        row["fields"]
        for row in json.loads((fixtures / "plans.json").read_text())
        if row["fields"]["name"] == "professional"
    ]
    assert {"attendance", "leave", "approvals"} <= set(fields["features"]["solutions"])
    plan, _ = Plan.objects.update_or_create(
        name="j8-professional",
        defaults={"display_name": "Professional (J8)", "features": fields["features"], "max_users": fields["max_users"],
                  "trial_days": fields["trial_days"], "price_monthly": fields["price_monthly"]},
    )  # fmt: skip
    return plan


def _shift_window(now_local: datetime.datetime) -> tuple[datetime.time, datetime.time]:
    """A shift that started a few minutes ago (today, local) and lasts eight hours."""
    start = now_local - datetime.timedelta(minutes=10)
    if start.date() != now_local.date():
        start = now_local.replace(hour=0, minute=0)
    start = start.replace(minute=start.minute - start.minute % 5, second=0, microsecond=0)
    return start.time(), (start + datetime.timedelta(hours=8)).time()


def _label(scope: Any, text: str) -> Any:
    """The field labelled exactly `text` (Django adds a ":" to its labels)."""
    return scope.get_by_label(re.compile(rf"^{re.escape(text)}:?$"))


def _balance(api: TenantApi, code: str, on: datetime.date) -> dict[str, Any]:
    answer = api.call("GET", f"/api/v1/leave/me/balances/?on={on.isoformat()}")
    assert answer.status_code == 200, answer.text
    (row,) = [row for row in answer.json() if row["type"] == code]
    return row


def test_a_site_a_roster_punches_on_the_board_and_leave_approved(
    page, new_page, live, people, sign_in, wait_for, artifacts
):
    tenant = people.tenant(name="Harbour Merchandising", plan=_professional_plan())
    admin = people.tenant_admin(tenant)
    mia = people.member(tenant, full_name="Mia Manager")
    main = page.get_by_role("navigation", name="Main")
    now_local = timezone.now().astimezone(ZoneInfo(TIME_ZONE))
    today = now_local.date()
    with tenant_context(tenant):  # the starting world of leave: a type and Mia's opening balance
        annual = leave_services.leave_type_save(acting_user=admin.user, code="ANNUAL", name="Annual leave")
        leave_services.balance_adjust(
            user=mia.user, leave_type=annual, minutes=10 * DAY_MINUTES, reason="Opening balance", acting_user=admin.user
        )

    # 1. The admin gives Mia access to Attendance and Leave on the solution-access page.
    sign_in(page, live.tenant_url(tenant, "/accounts/login/?next=/manage/solutions/"), admin)
    for solution in ("Attendance", "Leave"):
        page.get_by_label("Solution").select_option(label=solution)
        page.get_by_label("Person").select_option(label=f"Mia Manager ({mia.email})")
        page.get_by_role("button", name="Give access").click()
        expect(page.get_by_text(f"may now use {solution.lower()}")).to_be_visible()

    # 2. Region → area → site, then the site's circle geofence by coordinates and radius.
    # (The menu has two "Workplaces" links: the management page and the solution's home; the first is it.)
    main.locator('a[href="/manage/workplaces/"]').click()
    for kind, code, name, parent in (
        ("region", "NSW", "New South Wales", ""),
        ("area", "SYD", "Sydney Metro", "New South Wales (NSW)"),
        ("site", "HBR-CBD", "Harbour CBD Store", "Sydney Metro (SYD)"),
    ):
        page.get_by_role("link", name="New workplace").click()
        _label(page, "Kind").select_option(kind)
        _label(page, "Code").fill(code)
        _label(page, "Name").fill(name)
        if parent:
            _label(page, "Parent").select_option(label=parent)
        _label(page, "Country").fill("AU")
        _label(page, "Time zone").fill(TIME_ZONE)
        _label(page, "Holiday subdivision").fill("NSW")
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_text(f"{name} was saved.")).to_be_visible()
        if kind != "site":
            page.goto(live.tenant_url(tenant, "/manage/workplaces/"))
    page.goto(live.tenant_url(tenant, "/manage/workplaces/HBR-CBD/"))
    expect(page.get_by_role("heading", name="Harbour CBD Store")).to_be_visible()
    page.get_by_label("Circle").check()
    page.get_by_label("Centre latitude").fill(str(FENCE[0]))
    page.get_by_label("Centre longitude").fill(str(FENCE[1]))
    page.get_by_label("Radius (m)").fill(str(FENCE[2]))
    page.get_by_role("button", name="Save the geofence").click()
    expect(page.get_by_text("The geofence of Harbour CBD Store was saved.")).to_be_visible()

    # A shift type covering now, this week's roster for the site, Mia on today's shift, published.
    starts, ends = _shift_window(now_local)
    main.locator('a[href="/manage/attendance/rosters/"]').click()
    page.get_by_role("link", name="Shift types").click()
    page.locator('input[name="code"]').fill("DAY")
    page.locator('input[name="name"]').fill("Store day")
    page.locator('input[name="start_time"]').fill(starts.strftime("%H:%M"))
    page.locator('input[name="end_time"]').fill(ends.strftime("%H:%M"))
    page.locator('input[name="unpaid_break_minutes"]').fill("30")
    page.locator('input[name="late_grace_minutes"]').fill("15")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("table.list")).to_contain_text("Store day")
    page.locator("ul.nav-tabs").get_by_role("link", name="Rosters", exact=True).click()
    monday = today - datetime.timedelta(days=today.weekday())
    # The filter and the new-roster form both render id="id_workplace" (and the detail page's three forms
    # share id_shift_type, id_users): a label there names the first one, so fields go by name in their form.
    create = page.locator("form", has=page.get_by_role("button", name="Create"))
    create.locator('select[name="workplace"]').select_option(label="Harbour CBD Store (HBR-CBD)")
    create.locator('input[name="name"]').fill("Harbour CBD, this week")
    create.locator('input[name="start_date"]').fill(monday.isoformat())
    create.locator('input[name="end_date"]').fill((monday + datetime.timedelta(days=6)).isoformat())
    create.get_by_role("button", name="Create").click()
    expect(page.get_by_text("The roster Harbour CBD, this week was created.")).to_be_visible()
    assign = page.locator("form", has=page.get_by_role("button", name="Assign"))
    assign.locator('select[name="users"]').select_option(label="Mia Manager")
    assign.locator('select[name="shift_type"]').select_option(label="Store day (DAY)")
    assign.locator('input[name="from_day"]').fill(today.isoformat())
    assign.locator('input[name="to_day"]').fill(today.isoformat())
    assign.get_by_label(WEEKDAYS[today.weekday()], exact=True).check()
    assign.get_by_role("button", name="Assign").click()
    expect(page.get_by_text("1 shifts assigned.")).to_be_visible()
    expect(page.locator("table.roster-calendar")).to_contain_text("Mia Manager")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("Published 1 shifts; their people were told.")).to_be_visible()

    # Mia is told: the bell counts it and the inbox says her shifts are published.
    with tenant_context(tenant):
        wait_for(
            lambda: Notification.objects.filter(recipient=mia.user, event="roster.published").exists(),
            message="Mia's notification of the published roster",
        )
    phone = new_page()
    sign_in(phone, live.tenant_url(tenant, "/accounts/login/?next=/manage/"), mia)
    bell = phone.locator("#notifications-bell")
    expect(bell).to_have_attribute("aria-label", re.compile(r"^Notifications: [1-9]\d* unread$"))
    bell.click()
    expect(phone.locator("#notification-results")).to_contain_text("Your shifts at Harbour CBD Store are published")

    # 3. Mia's phone: a token as the mobile app gets one, then punches.
    api = TenantApi(live, tenant)
    api.sign_in(mia)
    first = api.punch("in", INSIDE)
    assert first.status_code == 201, first.text
    punched = first.json()
    assert punched["verdict"] == "inside" and punched["workplace"] == "HBR-CBD", punched  # the shift's site
    assert punched["flags"] == [] and not punched["needs_review"]
    retry = api.call("POST", "/api/v1/attendance/punches/", json=api.last_body)  # the phone retries
    assert retry.status_code == 200, retry.text  # the same punch, not a second one
    assert retry.json()["id"] == punched["id"]
    out = api.punch("out", INSIDE)
    assert out.status_code == 201 and out.json()["verdict"] == "inside", out.text
    away = api.punch("in", OUTSIDE)
    # The site has no punch policy of its own: the default accepts an outside punch and flags it.
    assert away.status_code == 201, away.text
    outside = away.json()
    assert outside["verdict"] == "outside" and "outside_fence" in outside["flags"] and outside["needs_review"]
    assert 700 < outside["distance_m"] < 1000, outside
    status = api.call("GET", "/api/v1/attendance/me/status/")
    assert status.status_code == 200 and status.json()["state"] == "in", status.text

    # 4. The admin's board of today: Mia, in but outside the fence, with the distance; the punches too.
    main.locator('a[href="/manage/attendance/"]').click()
    mia_row = page.locator("table.list tbody tr", has_text="Mia Manager")
    expect(mia_row).to_contain_text("outside")
    expect(mia_row).to_contain_text(f"({outside['distance_m']:.0f} m)")
    expect(mia_row).to_contain_text("Harbour CBD Store")
    page.goto(live.tenant_url(tenant, "/manage/attendance/clock/"))
    punches = page.locator("table.list").last
    expect(punches.locator("tr", has_text="Mia Manager")).to_have_count(3)
    expect(punches).to_contain_text(f"Inside the fence ({punched['distance_m']:.0f} m)")
    expect(punches).to_contain_text(f"Outside the fence ({outside['distance_m']:.0f} m)")

    # 5. The leave workflow: one step, the admin approves.
    page.goto(live.tenant_url(tenant, "/manage/approvals/workflows/"))
    page.locator("#kind-leaverequest").get_by_role("link", name="New workflow").click()
    page.locator('input[name="name"]').fill("Leave: the administrator")
    page.locator('input[name="steps-0-name"]').fill("Administrator")
    page.locator('select[name="steps-0-approver_type"]').select_option("people")
    page.locator('select[name="steps-0-people"]').select_option(str(admin.user.pk))
    page.get_by_role("button", name="Save workflow").click()  # no preview sample needed to save
    expect(page.get_by_text("was saved")).to_be_visible()

    # Mia asks for Tuesday and Wednesday next week through the API: held as pending, routed to the admin.
    start = today - datetime.timedelta(days=today.weekday()) + datetime.timedelta(days=8)
    end = start + datetime.timedelta(days=1)
    before = _balance(api, "ANNUAL", end)
    asked = api.call(
        "POST",
        "/api/v1/leave/me/requests/",
        json={"type": "ANNUAL", "start_date": start.isoformat(), "end_date": end.isoformat(), "reason": "Family visit"},
    )
    assert asked.status_code == 201, asked.text
    leave_request = asked.json()
    assert leave_request["status"] == "pending" and leave_request["minutes"] == 2 * DAY_MINUTES, leave_request
    pending = _balance(api, "ANNUAL", end)
    assert pending["pending_minutes"] == 2 * DAY_MINUTES, pending

    # The admin approves it from the approvals inbox.
    main.locator('a[href="/manage/approvals/"]').click()
    page.get_by_role("link", name=re.compile("Annual leave")).first.click()
    expect(page.get_by_role("heading", name="Your decision")).to_be_visible()
    page.get_by_role("button", name="Approve", exact=True).click()
    expect(page.get_by_text("You approved this request.")).to_be_visible()
    expect(page.locator("#approval-status")).to_contain_text("Approved")

    # Mia's balance is charged: the two days are booked ahead and the projection on the last day is lower.
    mine = api.call("GET", "/api/v1/leave/me/requests/?status=approved")
    assert mine.status_code == 200 and [r["id"] for r in mine.json()["results"]] == [leave_request["id"]], mine.text
    after = _balance(api, "ANNUAL", end)
    assert after["pending_minutes"] == 0, after
    assert after["booked_minutes"] == before["booked_minutes"] - 2 * DAY_MINUTES, (before, after)
    assert after["projected_minutes"] == before["projected_minutes"] - 2 * DAY_MINUTES, (before, after)

    # Mia is told the answer (category "leave").
    with tenant_context(tenant):
        wait_for(
            lambda: Notification.objects.filter(recipient=mia.user, event="leave.approved").exists(),
            message="Mia's notification that her leave was approved",
        )

    # The team calendar of that month shows her off on both days.
    page.goto(live.tenant_url(tenant, f"/manage/leave/calendar/?month={start:%Y-%m}"))
    her_row = page.locator("tr", has=page.get_by_role("cell", name="Mia Manager", exact=True))
    off_that_month = sum(1 for day in (start, end) if day.month == start.month)
    expect(her_row.locator('td[title$="(approved)"]')).to_have_count(off_that_month)
    artifacts.screenshot(page, "last")
