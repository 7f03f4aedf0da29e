"""Timeline surfaces: staff admin view, portal Activity page, tenant API; outsiders are refused."""

import pytest

from tests.factories import MembershipFactory

from .conftest import minutes

pytestmark = pytest.mark.django_db

ACTIVITY = "/manage/activity/"
API = "/api/v1/timeline/"


def staff_url(tenant) -> str:
    return f"/admin/timeline/{tenant.pk}/"


@pytest.mark.parametrize("actor", ["platform_superuser", "support_staff", "billing_staff"])
def test_every_staff_role_sees_the_timeline_with_filters(request, platform_client, acme, acme_admin, audit_at,
                                                         actor):  # fmt: skip
    audit_at(acme, minutes(1), action="test.visible", user=acme_admin, correlation_id="corr-9")
    platform_client.force_login(request.getfixturevalue(actor))
    response = platform_client.get(staff_url(acme), {"kind": "audit", "actor": acme_admin.email})
    assert response.status_code == 200
    page = response.content.decode()
    assert "test.visible" in page and "correlation_id=corr-9" in page


def test_staff_view_older_link_pages_through(platform_client, platform_superuser, acme, audit_at):
    for n in range(3):
        audit_at(acme, minutes(n), action=f"test.step{n}")
    platform_client.force_login(platform_superuser)
    response = platform_client.get(staff_url(acme), {"kind": "audit", "since": "2026-11-20", "until": "2026-11-20"})
    page = response.content.decode()
    assert "test.step2" in page and "Older" not in page
    assert platform_client.get(staff_url(acme), {"cursor": "garbage"}).status_code == 200  # message, no 500


def test_staff_view_refuses_non_staff_and_unknown_tenant(platform_client, acme_admin, platform_superuser, acme):
    platform_client.force_login(acme_admin)
    response = platform_client.get(staff_url(acme))
    assert response.status_code == 302 and "/login" in response["Location"]
    platform_client.force_login(platform_superuser)
    assert platform_client.get("/admin/timeline/00000000-0000-0000-0000-000000000000/").status_code == 404


def test_tenant_change_page_links_the_timeline(platform_client, platform_superuser, acme):
    platform_client.force_login(platform_superuser)
    page = platform_client.get(f"/admin/tenancy/tenant/{acme.pk}/change/").content.decode()
    assert staff_url(acme) in page


def test_portal_activity_is_the_tenant_slice(acme_client, acme_admin, platform_superuser, acme, globex, audit_at):
    audit_at(acme, minutes(1), action="test.mine", user=acme_admin)
    audit_at(acme, minutes(2), action="tenant.data_viewed", user=platform_superuser)
    audit_at(globex, minutes(3), action="test.theirs")
    acme_client.force_login(acme_admin)
    # The test's own day only: rows other tests commit in Acme's schema (concurrency tests) are newer.
    response = acme_client.get(ACTIVITY, {"since": "2026-11-20", "until": "2026-11-20"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "test.mine" in page and "tenant.data_viewed" not in page and "test.theirs" not in page
    assert "203.0.113.9" not in page and "/admin/" not in page


def test_portal_activity_refuses_members_and_outsiders(acme_client, acme_member, globex_member):
    acme_client.force_login(acme_member)
    assert acme_client.get(ACTIVITY).status_code == 403
    acme_client.force_login(globex_member)
    assert acme_client.get(ACTIVITY).status_code in (403, 404)
    acme_client.logout()
    assert acme_client.get(ACTIVITY).status_code == 302


def test_api_lists_with_cursor_and_filters(acme_client, acme_admin, acme, audit_at):
    for n in range(3):
        audit_at(acme, minutes(n), action=f"test.api{n}", user=acme_admin)
    acme_client.force_login(acme_admin)
    params = {"kind": "audit", "since": "2026-11-20", "until": "2026-11-20", "page_size": 2}
    first = acme_client.get(API, params)
    assert first.status_code == 200, first.content
    body = first.json()
    assert [r["summary"].split()[0] for r in body["results"]] == ["test.api2", "test.api1"]
    second = acme_client.get(body["next"]).json()
    assert [r["summary"].split()[0] for r in second["results"]] == ["test.api0"] and second["next"] is None
    bad = acme_client.get(API, {"cursor": "garbage"})
    assert bad.status_code == 400
    assert acme_client.get(API, {"kind": "nope"}).status_code == 400


def test_api_refuses_members_outsiders_and_anonymous(acme_client, globex_client, acme_member, globex, acme,
                                                     audit_at):  # fmt: skip
    acme_client.force_login(acme_member)
    assert acme_client.get(API).status_code == 403
    globex_admin = MembershipFactory(tenant=globex, role="tenant_admin", user__email="admin@globex.test").user
    acme_client.force_login(globex_admin)
    assert acme_client.get(API).status_code == 403  # not a member of acme
    audit_at(acme, minutes(1), action="test.acme_only")
    globex_client.force_login(globex_admin)
    response = globex_client.get(API, {"since": "2026-11-20"})
    assert response.status_code == 200 and "test.acme_only" not in response.content.decode()
    acme_client.logout()
    assert acme_client.get(API).status_code in (401, 403)


def test_unknown_actor_and_inverted_dates_are_handled(platform_client, platform_superuser, acme, audit_at):
    audit_at(acme, minutes(1), action="test.someone")
    platform_client.force_login(platform_superuser)
    page = platform_client.get(staff_url(acme), {"actor": "nobody@nowhere.test"}).content.decode()
    assert "test.someone" not in page and "Nothing here." in page
    page = platform_client.get(staff_url(acme), {"since": "2026-11-21", "until": "2026-11-20"}).content.decode()
    assert "on or before" in page


def test_portal_and_api_query_counts_do_not_grow_with_entries(acme_client, acme_admin, acme, audit_at, auth_at):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    acme_client.force_login(acme_admin)

    def counts() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as portal:
            assert acme_client.get(ACTIVITY).status_code == 200
        with CaptureQueriesContext(connection) as api:
            assert acme_client.get(API).status_code == 200
        return len(portal), len(api)

    counts()  # warm up: the first request of a session records the session (a few writes)
    audit_at(acme, minutes(1), user=acme_admin)
    few = counts()
    for n in range(20):
        audit_at(acme, minutes(n), user=acme_admin)
        auth_at(acme, minutes(n), user=acme_admin)
    assert counts() == few


def test_api_refuses_integrator_api_keys(acme_client, acme, acme_admin):
    from django_tenants.utils import tenant_context

    from apps.integrations.services import api_key_create
    from apps.integrations.tests.conftest import api_key_header

    with tenant_context(acme):
        _, raw = api_key_create(name="Timeline probe", scopes=["tenant:read"], acting_user=acme_admin)
    response = acme_client.get(API, **api_key_header(raw))
    assert response.status_code == 403 and response.json()["code"] == "api_key_not_allowed"


def test_portal_activity_shows_changes_to_a_model_keyed_by_another_field(acme_client, acme_admin, acme):
    """A geofence's primary key is its site, not `id`: its history rows once made the Activity page fail (500)."""
    from django_tenants.utils import tenant_context

    from apps.workplaces.services import geofence_set, workplace_create

    nsw = {"country": "AU", "time_zone": "Australia/Sydney", "holiday_subdivision": "NSW"}
    with tenant_context(acme):
        region = workplace_create(kind="region", code="tl-r", name="Region TL", acting_user=acme_admin, **nsw)
        area = workplace_create(kind="area", code="tl-a", name="Area TL", parent=region, acting_user=acme_admin, **nsw)
        site = workplace_create(kind="site", code="tl-s", name="Site TL", parent=area, acting_user=acme_admin, **nsw)
        geofence_set(
            site=site, shape="circle", center_lat=-33.86, center_lng=151.2, radius_m=80, acting_user=acme_admin
        )
    acme_client.force_login(acme_admin)
    response = acme_client.get(ACTIVITY, {"kind": "history"})
    assert response.status_code == 200
    assert "Geofence" in response.content.decode()
