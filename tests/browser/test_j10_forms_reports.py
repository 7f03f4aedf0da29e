"""J10: issue 17's acceptance for reports. A tenant on a plan with Reports, a store in Sydney. Its admin, in the
portal, builds a store-visit form (a "Shelf" section; the shelf share, a number in % from 0 to 100; whether the
display is compliant, a single choice; what is wrong, a text shown only when the display is not compliant; shelf
photos) and publishes it as version 1. Mia Merchandiser, through the API as the mobile app calls it (a bearer
token from /api/v1/auth/token/), sends a visit with a photo: 201, and the retry with the same client id returns
the same submission (200); a visit breaking the rules is refused with a message per field. The admin finds the
visit in the portal, with its photo, and approves it (no approval workflow: the admin signs it off directly).
The analytics page shows the visit in the field's aggregates and its chart. The admin defines a report over the
form's submissions filtered on their answers and a weekly schedule sending it to Rob Regional, and sends it now
(the schedule's "Send now", instead of waiting for Monday): the worker renders the file, Rob's email has a
signed link that downloads it from the live server, and the run is in the schedule's history as sent.
"""

import datetime
import json
import re
import uuid
from typing import Any
from urllib.parse import urlsplit

import requests
from django.utils import timezone
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from apps.reporting.models import ReportRun, RunStatus
from tests.browser.test_j8_attendance import TenantApi, _label, _professional_plan
from tests.browser.test_j9_tasks_operations import _png

SITE = "J10-CBD"


def _world(tenant: Any, admin: Any, mia: Any) -> None:
    """What the journey starts from: a store in Sydney (region → area → site) and Mia allowed to use Reports."""
    from apps.solutions.services import solution_access_ensure
    from apps.workplaces.models import Workplace

    with tenant_context(tenant):
        common = {"country": "AU", "time_zone": "Australia/Sydney"}
        region = Workplace.objects.create(kind="region", code="NSW", name="New South Wales", **common)
        area = Workplace.objects.create(kind="area", code="SYD", name="Sydney Metro", parent=region, **common)
        Workplace.objects.create(kind="site", code=SITE, name="Harbour CBD Store", parent=area, **common)
        solution_access_ensure(solution_code="reports", users=[mia.user], acting_user=admin.user, reason="J10")


def _add_field(page: Any, **values: Any) -> None:
    """Fill the builder's "Add a field" form (labels as Django writes them) and add the field."""
    form = page.locator("form", has=page.get_by_role("button", name="Add field"))
    key = values.pop("key")
    _label(form, "Key").fill(key)
    _label(form, "Label").fill(values.pop("label"))
    _label(form, "Type").select_option(values.pop("type"))
    if values.pop("required", False):
        _label(form, "Required").check()
    for label, value in values.items():
        _label(form, label).fill(str(value))
    form.get_by_role("button", name="Add field").click()
    expect(page.locator("li code").filter(has_text=re.compile(rf"^{key}$"))).to_be_visible()  # in the section


def _build_store_visit(page: Any) -> int:
    """The admin builds and publishes the form; returns its id."""
    _label(page, "Name").fill("Store visit J10")
    page.get_by_role("button", name="Create and build").click()
    expect(page.get_by_role("heading", name=re.compile("Store visit J10"))).to_be_visible()
    form_id = int(re.search(r"/manage/reports/forms/(\d+)/", page.url).group(1))
    page.get_by_placeholder("Section title").first.fill("Shelf")
    page.get_by_role("button", name="Rename").click()
    expect(page.get_by_placeholder("Section title").first).to_have_value("Shelf")
    _add_field(page, key="shelf_share", label="Shelf share", type="number", required=True, Unit="%", Min=0, Max=100)
    _add_field(page, key="compliant", label="Display compliant", type="single_choice", required=True,
               Options="yes|Yes\nno|No")  # fmt: skip
    _add_field(page, key="why_not", label="What is wrong", type="text", required=True,
               **{"Shown when field": "compliant", "equals": "no"})  # fmt: skip
    _add_field(page, key="photos", label="Shelf photos", type="photo", required=True,
               **{"Min photos": 1, "Max photos": 3})  # fmt: skip
    expect(page.get_by_text("when compliant = no")).to_be_visible()
    page.get_by_role("button", name="Publish v1").click()
    expect(page.get_by_text("Published version 1.")).to_be_visible()
    expect(page.get_by_text("published v1")).to_be_visible()
    return form_id


def test_a_store_visit_form_its_submission_analytics_and_a_scheduled_report(page, live, people, sign_in, mailbox,
                                                                            wait_for, artifacts, tmp_path):  # fmt: skip
    tenant = people.tenant(name="Harbour Retail", plan=_professional_plan())
    admin = people.tenant_admin(tenant)
    mia = people.member(tenant, full_name="Mia Merchandiser")
    rob = people.member(tenant, full_name="Rob Regional")
    _world(tenant, admin, mia)

    # 1. The admin builds the store-visit form in the portal and publishes version 1.
    sign_in(page, live.tenant_url(tenant, "/accounts/login/?next=/manage/reports/forms/"), admin)
    form_id = _build_store_visit(page)

    # 2. Mia, on her phone: the form is hers to fill in; a visit with a photo is accepted once (the retry with
    #    the same client id is the same submission); a visit breaking the rules is refused field by field.
    api = TenantApi(live, tenant)
    api.sign_in(mia)
    forms = api.call("GET", "/api/v1/reports/forms/")
    assert forms.status_code == 200, forms.text
    assert form_id in [row["id"] for row in forms.json()], forms.text
    photo = _png(tmp_path / "shelf.png")
    answers = {"shelf_share": 42, "compliant": "no", "why_not": "Facings hidden by a pallet"}
    body = {"template": form_id, "client_id": str(uuid.uuid4()), "workplace": SITE, "answers": json.dumps(answers)}

    def send() -> Any:
        with photo.open("rb") as file:
            return api.call("POST", "/api/v1/reports/forms/submissions/", data=body,
                            files={"files.photos": ("shelf.png", file, "image/png")})  # fmt: skip

    sent = send()
    assert sent.status_code == 201, sent.text
    submission_id = sent.json()["id"]
    assert sent.json()["status"] == "submitted" and sent.json()["version"] == 1, sent.text
    retried = send()
    assert retried.status_code == 200 and retried.json()["id"] == submission_id, retried.text
    wrong = api.call("POST", "/api/v1/reports/forms/submissions/", json={
        "template": form_id, "client_id": str(uuid.uuid4()), "workplace": SITE,
        "answers": {"shelf_share": 150, "compliant": "no"}})  # fmt: skip
    assert wrong.status_code == 400, wrong.text
    refusal = wrong.json()
    assert refusal["codes"]["shelf_share"] == ["above_max"], refusal
    assert refusal["codes"]["why_not"] == ["required"] and refusal["codes"]["photos"] == ["required"], refusal
    assert all(refusal["errors"][key] for key in ("shelf_share", "why_not", "photos")), refusal

    # 3. The admin finds the visit, with its photo, and approves it.
    page.goto(live.tenant_url(tenant, "/manage/reports/forms/submissions/"))
    page.get_by_role("link", name=str(submission_id), exact=True).click()
    expect(page.get_by_role("heading", name=re.compile(rf"Store visit J10 #{submission_id}"))).to_contain_text(
        "Submitted"
    )
    expect(page.get_by_role("cell", name="Facings hidden by a pallet")).to_be_visible()
    expect(page.get_by_role("img", name="Shelf photos 1")).to_be_visible()
    _label(page, "Outcome").select_option("approved")
    page.get_by_role("button", name="Decide").click()
    expect(page.get_by_role("heading", name=re.compile(rf"#{submission_id}"))).to_contain_text("Approved")
    expect(page.get_by_text(re.compile(r"Approved by .* on "))).to_be_visible()

    # 4. The analytics page: the visit in the shelf share's aggregates and the choice's chart.
    page.goto(live.tenant_url(tenant, "/manage/reports/analytics/"))
    page.get_by_role("link", name="Store visit J10").first.click()
    expect(page.get_by_text(re.compile(r"1 submission counted"))).to_be_visible()
    share = page.locator("section", has=page.get_by_role("heading", name=re.compile("^Shelf share")))
    expect(share.get_by_role("cell", name="42.00").first).to_be_visible()  # the sum, average, min and max
    compliant = page.locator("section", has=page.get_by_role("heading", name=re.compile("^Display compliant")))
    expect(compliant.locator("svg[role=img]")).to_be_visible()
    expect(compliant.get_by_role("columnheader", name="No", exact=True)).to_be_visible()
    artifacts.screenshot(page, "analytics")

    # 5. A report over the form's submissions this month, by form, of the non-compliant visits with a shelf share of
    #    40 % or more (a filter naming an option the field does not have is refused first).
    page.goto(live.tenant_url(tenant, "/manage/reports/definitions/new/"))
    _label(page, "Dataset").select_option("form_submissions")  # htmx reloads the groupings and columns
    expect(_label(page, "Group by").locator('option[value="form"]')).to_have_count(1)
    _label(page, "Name").fill("Store visits J10")
    _label(page, "Group by").select_option("form")
    _label(page, "Period").select_option("this_month")
    _label(page, "Form").select_option(str(form_id))
    _label(page, "Filters").fill("compliant = maybe")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("“compliant” is one of yes, no; not maybe.")).to_be_visible()  # checked on the form
    _label(page, "Filters").fill("compliant = no\nshelf_share >= 40")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("The report “Store visits J10” was saved.")).to_be_visible()
    expect(page.get_by_text("compliant = no", exact=True)).to_be_visible()
    definition_id = int(re.search(r"/manage/reports/definitions/(\d+)/", page.url).group(1))
    cells = page.locator("table.report-table tbody tr", has_text="Store visit J10").locator("td")
    expect(cells).to_have_text(["Store visit J10", "1", "0", "1", "0"])  # submissions, awaiting, approved, rejected

    # 6. A weekly schedule sending it to Rob as a CSV behind a signed link; sent now, not next Monday.
    page.goto(live.tenant_url(tenant, f"/manage/reports/schedules/new/?definition={definition_id}"))
    expect(_label(page, "Report")).to_have_value(str(definition_id))
    _label(page, "Repeat (RFC 5545 rule)").fill("FREQ=WEEKLY;BYDAY=MO")
    starts = timezone.localtime(timezone.now()) + datetime.timedelta(days=1)
    _label(page, "First run (local time)").fill(starts.strftime("%Y-%m-%dT08:00"))
    _label(page, "Format").select_option("csv")
    _label(page, "Delivery").select_option("link")
    _label(page, "People").select_option(str(rob.user.pk))
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("The schedule was saved.")).to_be_visible()
    row = page.get_by_role("row", name=re.compile("Store visits J10"))
    expect(row).to_contain_text("FREQ=WEEKLY;BYDAY=MO")
    expect(row).to_contain_text("Rob Regional")
    row.get_by_role("button", name="Send now").click()
    expect(page.get_by_text("The report is being sent now")).to_be_visible()

    # 7. The worker renders and sends it: Rob's link downloads the CSV from the live server.
    link = mailbox.link(rob.email, contains="/manage/reports/link/", timeout=60)
    parts = urlsplit(link)
    download = requests.get(f"http://127.0.0.1:{live.port}{parts.path}", headers={"Host": parts.netloc}, timeout=30)
    assert download.status_code == 200, download.text[:500]
    assert "attachment" in download.headers.get("Content-Disposition", ""), download.headers
    assert "Store visit J10" in download.content.decode("utf-8-sig"), download.text[:500]

    # 8. … and the run is in the schedule's history, sent to one recipient.
    def sent_run() -> Any:
        with tenant_context(tenant):
            return ReportRun.objects.filter(definition_id=definition_id, status=RunStatus.SENT).first()

    run = wait_for(sent_run, timeout=30, message="the run to be marked sent")
    assert run.recipients == 1 and run.occurrence_key.startswith("now-")
    page.goto(live.tenant_url(tenant, "/manage/reports/schedules/"))
    page.get_by_role("row", name=re.compile("Store visits J10")).get_by_role("link", name="History").click()
    history = page.get_by_role("row", name=re.compile("Store visits J10"))
    expect(history).to_contain_text("Sent")
    expect(history.get_by_role("link", name="CSV")).to_be_visible()
    artifacts.screenshot(page, "run-history")
