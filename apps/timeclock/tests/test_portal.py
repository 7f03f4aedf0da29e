"""The clock page: self punches from the browser, kiosk punches by managers and admins, the review queue."""

import uuid

from django.test import Client
from django_tenants.utils import tenant_context

from apps.timeclock.models import Punch

from .conftest import CBD, HOST

PAGE = "/manage/attendance/clock/"


def _client(user):
    client = Client(HTTP_HOST=HOST)
    client.force_login(user)
    return client


def test_clock_me_in_and_out_from_the_browser(clock):
    client = _client(clock.ann)
    page = client.get(PAGE)
    assert page.status_code == 200 and "Clock me in" in page.content.decode()
    assert "Kiosk" not in page.content.decode()  # ann has no direct reports
    form = {"client_id": str(uuid.uuid4()), "kind": "in", "workplace": "SYD-CBD", "lat": CBD[0], "lng": CBD[1],
            "accuracy_m": 8}  # fmt: skip
    assert client.post(PAGE + "me/", form).status_code == 302
    assert client.post(PAGE + "me/", form).status_code == 302  # a double submit: the same punch
    page = client.get(PAGE).content.decode()
    assert "Clock me out" in page
    with tenant_context(clock.tenant):
        punch = Punch.objects.get()
    assert (punch.source, punch.verdict, punch.kind) == ("web", "inside", "in")


def test_kiosk_and_review_queue(clock, django_assert_max_num_queries):
    manager = _client(clock.mia)
    page = manager.get(PAGE).content.decode()
    assert "Kiosk" in page and "ann@acme.test" in page and "bob@acme.test" not in page
    kiosk = {"client_id": str(uuid.uuid4()), "person": str(clock.ann.pk), "workplace": "SYD-CBD", "kind": "in"}
    assert manager.post(PAGE + "kiosk/", kiosk).status_code == 302
    assert manager.post(PAGE + "kiosk/", {**kiosk, "client_id": str(uuid.uuid4()),
                                          "person": str(clock.bob.pk)}).status_code == 403  # fmt: skip
    with tenant_context(clock.tenant):
        punch = Punch.objects.get()
        assert (punch.source, punch.recorded_by_id) == ("kiosk", clock.mia.pk)
        Punch.objects.filter(pk=punch.pk).update(needs_review=True, flags=["outside_fence"])
    admin = _client(clock.admin)
    with django_assert_max_num_queries(30):
        page = admin.get(PAGE + "?flagged=true").content.decode()
    assert "Mark reviewed" in page
    assert manager.post(PAGE + f"punches/{punch.pk}/review/", {"note": "x"}).status_code == 403
    assert admin.post(PAGE + f"punches/{punch.pk}/review/", {"note": "Checked"}).status_code == 302
    with tenant_context(clock.tenant):
        assert Punch.objects.get().needs_review is False


def test_outsiders_are_refused(clock, globex_member):
    assert _client(clock.bob).get(PAGE).status_code == 403
    assert _client(globex_member).get(PAGE).status_code == 403
    assert Client(HTTP_HOST=HOST).get(PAGE).status_code == 302
