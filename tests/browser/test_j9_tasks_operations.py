"""J9: issue 16's acceptance. A tenant on a plan with Tasks and Workplaces, a site in Sydney. Its admin, in the
portal, makes a store-visit template (a checklist with required items and a required photo) and gives Mia
Manager a store visit from it. Mia, through the API as the mobile app calls it, finds it in "my tasks today",
is refused completion while required items are open and again while the photo is missing, ticks the items,
uploads the photo and completes it. The admin sees it done, with the photo, on the task page. Then the admin
publishes an inspection template, performs an inspection with a failed item (the portal's form), and finds the
corrective task it opened on the result; finally registers a fridge and a weekly maintenance plan from a
service template, and the asset page shows the plan's next work orders.
"""

import datetime
import re
import struct
import zlib
from pathlib import Path
from typing import Any

from django.utils import timezone
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from apps.tasks.models import Task, TaskStatus
from tests.browser.test_j8_attendance import TenantApi, _label, _professional_plan

TIME_ZONE = "Australia/Sydney"


def _png(path: Path) -> Path:
    """A real one-pixel PNG (the server sniffs the bytes, not the name)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )  # fmt: skip
    return path


def _world(tenant: Any, admin: Any, mia: Any) -> None:
    """What the journey starts from: a region → area → site in Sydney, an asset category, and Mia allowed to
    use Tasks and Workplaces (J8 walks through making these in the portal)."""
    from apps.assets.models import AssetCategory
    from apps.solutions.services import solution_access_ensure
    from apps.workplaces.models import Workplace

    with tenant_context(tenant):
        common = {"country": "AU", "time_zone": TIME_ZONE}
        region = Workplace.objects.create(kind="region", code="NSW", name="New South Wales", **common)
        area = Workplace.objects.create(kind="area", code="SYD", name="Sydney Metro", parent=region, **common)
        Workplace.objects.create(kind="site", code="J9-CBD", name="Harbour CBD Store", parent=area, **common)
        AssetCategory.objects.create(code="FRIDGE", name="Fridges")
        for solution in ("tasks", "workplaces"):
            solution_access_ensure(solution_code=solution, users=[mia.user], acting_user=admin.user, reason="J9")


def test_a_store_visit_an_inspection_failure_and_a_maintenance_plan(page, live, people, sign_in, artifacts, tmp_path):
    tenant = people.tenant(name="Harbour Operations", plan=_professional_plan())
    admin = people.tenant_admin(tenant)
    mia = people.member(tenant, full_name="Mia Manager")
    _world(tenant, admin, mia)

    # 1. The admin makes the store-visit template: two required checklist items, one optional, a photo required.
    sign_in(page, live.tenant_url(tenant, "/accounts/login/?next=/manage/tasks/templates/"), admin)
    _label(page, "Code").fill("STORE-VISIT")
    _label(page, "Name").fill("Store visit")
    page.get_by_label("Photo", exact=True).check()
    _label(page, "Checklist").fill("* Check the shelf\n* Count the facings\nTidy the display")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_text("Template STORE-VISIT created.")).to_be_visible()

    # 2. … and gives Mia a store visit from it at the CBD store, due yesterday (so it is in her day, as overdue,
    #    whatever the hour in Sydney and whichever zone the field is read in).
    page.goto(live.tenant_url(tenant, "/manage/tasks/"))
    create = page.locator("form", has=page.get_by_role("button", name="Create"))
    create.locator('input[name="template"]').fill("STORE-VISIT")
    create.locator('input[name="workplace"]').fill("J9-CBD")
    due = timezone.now() - datetime.timedelta(hours=26)
    create.locator('input[name="due_at"]').fill(due.strftime("%Y-%m-%dT%H:%M"))
    create.locator('input[name="assignee"]').fill(mia.email)
    create.get_by_role("button", name="Create").click()
    expect(page.get_by_text("Task “Store visit” created.")).to_be_visible()
    task_id = int(re.search(r"/manage/tasks/(\d+)/", page.url).group(1))

    # 3. Mia, on her phone: the visit is in her day; completing is refused until the items are ticked and the
    #    photo is there, then accepted.
    api = TenantApi(live, tenant)
    api.sign_in(mia)
    today = api.call("GET", "/api/v1/tasks/me/today/")
    assert today.status_code == 200, today.text
    assert task_id in [row["id"] for row in today.json()["results"]]
    done = {"status": "done", "note": "Display tidy"}
    refused = api.call("POST", f"/api/v1/tasks/{task_id}/status/", json=done)
    assert refused.status_code == 400 and refused.json()["code"] == "required_items_open", refused.text
    detail = api.call("GET", f"/api/v1/tasks/{task_id}/").json()
    for item in detail["checklist"]:
        if item["is_required"]:
            ticked = api.call("POST", f"/api/v1/tasks/{task_id}/checklist/{item['id']}/tick/")
            assert ticked.status_code == 200, ticked.text
    refused = api.call("POST", f"/api/v1/tasks/{task_id}/status/", json=done)
    assert refused.status_code == 400 and refused.json()["code"] == "evidence_missing", refused.text
    photo = _png(tmp_path / "display.png")
    with photo.open("rb") as file:
        uploaded = api.call("POST", f"/api/v1/tasks/{task_id}/attachments/", data={"kind": "photo"},
                            files={"file": ("display.png", file, "image/png")})  # fmt: skip
    assert uploaded.status_code == 201, uploaded.text
    completed = api.call("POST", f"/api/v1/tasks/{task_id}/status/", json=done)
    assert completed.status_code == 200 and completed.json()["status"] == "done", completed.text

    # 4. The admin sees it done, with the photo.
    page.goto(live.tenant_url(tenant, f"/manage/tasks/{task_id}/"))
    expect(page.get_by_role("heading", name="Store visit")).to_contain_text("Done")
    expect(page.get_by_text("display.png").first).to_be_visible()

    # 5. An inspection template with a pass mark; an inspection with a failed item opens a corrective task.
    page.goto(live.tenant_url(tenant, "/manage/inspections/templates/"))
    page.locator('input[name="code"]').fill("SAFETY-WALK")
    page.locator('input[name="name"]').fill("Safety walk")
    page.locator('textarea[name="items"]').fill(
        "# Exits\npf | Fire exit clear | 2 | task: Clear the fire exit\nyn | Extinguisher tagged | 1"
    )
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("Published SAFETY-WALK version 1.")).to_be_visible()
    page.goto(live.tenant_url(tenant, "/manage/inspections/"))
    start = page.locator("form", has=page.get_by_role("button", name="Start"))
    start.locator('select[name="template"]').select_option("SAFETY-WALK")
    start.locator('select[name="workplace"]').select_option("J9-CBD")
    start.get_by_role("button", name="Start").click()
    page.get_by_label(re.compile("Fire exit clear")).select_option("fail")
    page.get_by_label(re.compile("Extinguisher tagged")).select_option("yes")
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_text(re.compile(r"Submitted: .* \(failed\)\."))).to_be_visible()
    expect(page.get_by_role("cell", name=re.compile("Clear the fire exit"))).to_be_visible()
    with tenant_context(tenant):
        corrective = Task.objects.get(title__startswith="Clear the fire exit")
        assert corrective.status == TaskStatus.TODO and corrective.workplace.code == "J9-CBD"

    # 6. A fridge and its weekly service plan: the asset page lists the plan's next work orders.
    page.goto(live.tenant_url(tenant, "/manage/tasks/templates/"))
    _label(page, "Code").fill("FRIDGE-SERVICE")
    _label(page, "Name").fill("Fridge service")
    _label(page, "Checklist").fill("* Clean the coils\n* Check the seals")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_text("Template FRIDGE-SERVICE created.")).to_be_visible()
    page.goto(live.tenant_url(tenant, "/manage/assets/new/"))
    _label(page, "Name").fill("Dairy fridge")
    _label(page, "Category").select_option("FRIDGE")  # the options' values are codes
    _label(page, "Site").select_option("J9-CBD")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text(re.compile(r"Dairy fridge \(.+\) was saved\."))).to_be_visible()
    page.get_by_role("link", name="New plan").click()
    _label(page, "Name").fill("Weekly fridge service")
    _label(page, "Template").select_option("FRIDGE-SERVICE")
    _label(page, "Recurrence rule").fill("FREQ=WEEKLY;COUNT=12")
    starts = timezone.now() + datetime.timedelta(days=2)  # within the plan's 14 days ahead, in any zone
    _label(page, "First occurrence").fill(starts.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Create the plan").click()
    expect(page.get_by_text("The plan Weekly fridge service was created.")).to_be_visible()
    next_orders = page.locator("table", has=page.get_by_role("columnheader", name="Next work orders"))
    expect(next_orders).to_be_visible()
    expect(next_orders.locator("tbody tr").first).to_be_visible()
    artifacts.screenshot(page, "asset-with-plan")
