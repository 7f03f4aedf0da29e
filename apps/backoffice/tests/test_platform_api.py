import pytest

from apps.tenancy.lifecycle import tenant_request
from apps.tenancy.models import ProvisioningJob, Tenant
from apps.tenancy.provisioning import provisioning_steps
from apps.tenancy.tasks import provision_tenant

pytestmark = pytest.mark.django_db
V1 = "/api/platform/v1"


@pytest.fixture
def superuser_client(platform_client, platform_superuser):
    platform_client.force_login(platform_superuser)
    return platform_client


@pytest.fixture
def support_client(platform_client, support_staff):
    platform_client.force_login(support_staff)
    return platform_client


def test_superuser_requests_a_tenant_and_follows_its_job(superuser_client, no_enqueue, starter):
    body = {"name": "Initech", "slug": "initech", "plan": "starter", "admin_email": "boss@initech.test"}
    response = superuser_client.post(f"{V1}/tenants/", body, content_type="application/json")
    assert response.status_code == 202, response.content
    data = response.json()
    assert data["tenant"]["status"] == "requested" and data["tenant"]["plan"] == "starter"
    assert data["job_url"].endswith(f"{V1}/provisioning-jobs/{data['job']['id']}/")
    assert response["Location"] == data["job_url"]
    provision_tenant(data["job"]["id"])
    job = superuser_client.get(data["job_url"]).json()
    assert job["status"] == "succeeded" and job["tenant_status"] == "active"
    assert [s["status"] for s in job["steps"]] == ["succeeded"] * len(provisioning_steps())


@pytest.mark.parametrize(("body", "code"), [
    ({"name": "Big", "slug": "bigco", "isolation_level": "dedicated_database"}, "isolation_not_available"),
    ({"name": "Dup", "slug": "acme"}, "unique"),
    ({"name": "Res", "slug": "admin"}, "reserved_slug"),
    ({"name": "Plan", "slug": "planless", "plan": "nope"}, "does_not_exist"),
])  # fmt: skip
def test_bad_tenant_requests_are_refused_and_change_nothing(superuser_client, no_enqueue, body, code):
    count = Tenant.objects.count()
    response = superuser_client.post(f"{V1}/tenants/", body, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == code, response.content
    assert Tenant.objects.count() == count and no_enqueue == []


def test_list_filters_and_query_count(superuser_client, acme, globex, django_assert_max_num_queries, starter):
    Tenant.objects.filter(pk=acme.pk).update(plan=starter)
    with django_assert_max_num_queries(12):
        data = superuser_client.get(f"{V1}/tenants/").json()
    slugs = [t["slug"] for t in data["results"]]
    assert {"acme", "globex"} <= set(slugs) and "_template" not in slugs and "_platform" not in slugs
    assert [t["slug"] for t in superuser_client.get(f"{V1}/tenants/?plan=starter").json()["results"]] == ["acme"]
    assert superuser_client.get(f"{V1}/tenants/?status=suspended").json()["results"] == []
    assert [t["slug"] for t in superuser_client.get(f"{V1}/tenants/?search=glob").json()["results"]] == ["globex"]


def test_suspend_and_reactivate(superuser_client, acme):
    url = f"{V1}/tenants/{acme.pk}"
    assert superuser_client.post(f"{url}/suspend/", {}, content_type="application/json").json()["code"] == "required"
    response = superuser_client.post(f"{url}/suspend/", {"reason": "Unpaid"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "suspended"
    again = superuser_client.post(f"{url}/suspend/", {"reason": "Unpaid"}, content_type="application/json")
    assert again.status_code == 400 and again.json()["code"] == "invalid_transition"
    assert superuser_client.post(f"{url}/reactivate/").json()["status"] == "active"


def test_support_views_but_cannot_write(support_client, acme, starter, no_enqueue, django_assert_max_num_queries):
    assert support_client.get(f"{V1}/tenants/{acme.pk}/").status_code == 200
    assert support_client.get(f"{V1}/plans/").status_code == 200
    with django_assert_max_num_queries(12):
        assert support_client.get(f"{V1}/provisioning-jobs/").status_code == 200
    response = support_client.post(f"{V1}/tenants/{acme.pk}/suspend/", {"reason": "x"}, content_type="application/json")
    assert response.status_code == 403
    assert support_client.post(f"{V1}/tenants/", {"name": "X", "slug": "xco"}).status_code == 403
    assert Tenant.objects.get(pk=acme.pk).status == "active"


@pytest.mark.parametrize("who", ["acme_admin", "globex_member"])
def test_non_staff_and_tenant_members_are_refused(platform_client, acme, who, request):
    platform_client.force_login(request.getfixturevalue(who))
    for url in [f"{V1}/tenants/", f"{V1}/tenants/{acme.pk}/", f"{V1}/plans/", f"{V1}/provisioning-jobs/"]:
        assert platform_client.get(url).status_code == 403
    assert platform_client.post(f"{V1}/tenants/{acme.pk}/suspend/", {"reason": "x"}).status_code == 403
    assert platform_client.post(f"{V1}/auth/token/").status_code == 403


def test_anonymous_is_refused(platform_client):
    assert platform_client.get(f"{V1}/tenants/").status_code == 403


def test_tenant_member_token_does_not_work_on_the_platform(acme, acme_admin, platform_client):
    from apps.tokens.services import token_pair_issue

    pair = token_pair_issue(user=acme_admin, tenant=acme)
    response = platform_client.get(f"{V1}/tenants/", HTTP_AUTHORIZATION=f"Bearer {pair.access}")
    assert response.status_code == 401 and response.json()["code"] == "token_wrong_tenant"


def test_staff_bearer_token(superuser_client, acme, platform_superuser):
    token = superuser_client.post(f"{V1}/auth/token/").json()["access"]
    from django.test import Client

    bearer = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert bearer.get(f"{V1}/tenants/{acme.pk}/").json()["slug"] == "acme"
    platform_superuser.is_active = False
    platform_superuser.save()
    assert bearer.get(f"{V1}/tenants/").status_code == 401


def test_jobs_list_and_plans(superuser_client, no_enqueue, starter):
    job = tenant_request(name="Initech", slug="initech", acting_user=None)
    data = superuser_client.get(f"{V1}/provisioning-jobs/?tenant__slug=initech").json()["results"]
    assert [j["id"] for j in data] == [job.pk]
    assert ProvisioningJob.objects.count() >= 1
    plans = superuser_client.get(f"{V1}/plans/").json()["results"]
    assert "starter" in [p["name"] for p in plans]
