"""The isolation matrix: every route of a tenant's domain and every task that takes an id, tried by
everyone who must be refused, with globex's object ids on acme's domain.

Nothing here lists URLs by hand. The routes come from walking the resolver of the tenant urlconf,
so a route added tomorrow is tried tomorrow; its URL is built from its kwargs (by kwarg name and the
path segment before it, then by converter), so a new kwarg still gets a value — and a route whose URL
cannot be built fails the test. Who may call a view is read from the view itself (`tenant_access`,
see apps/surfaces). A view that declares nothing is expected to refuse everyone here: deny by
default.

Expected: 401/403/404/405, or for a portal page a redirect to sign-in (/accounts/...). Globex's
objects carry a canary string (tests/isolation_world.py); no response body may ever contain it.
allauth's pages under /accounts/ are the public sign-in pages: only the canary is checked there, and
only with GET (their POSTs sign people in and out, which is allauth's business, not the tenant's).
"""

import inspect
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import connection, transaction
from django.http import HttpResponse
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, path, resolve
from django.urls.resolvers import RoutePattern
from django.utils import timezone
from django.views import View
from django_tenants.utils import schema_context, schema_exists, tenant_context

from apps.surfaces.checks import is_exempt
from apps.tenancy.models import Tenant
from tests.isolation_world import (
    CANARY,
    SEQUENCE_FLOOR,
    UNKNOWN_SLUG,
    World,
    api_quota_kept,
    app_isolation_modules,
    world_build,
)
from tests.matrix_report import report

pytestmark = pytest.mark.django_db

TENANT_URLCONF = "config.urls.tenant"
METHODS = ("get", "post", "put", "patch", "delete")
SAFE = {"get", "head", "options"}
ACCESS_LEVELS = {"member", "admin", "member_read_admin_write", "public"}
# Who must be refused on every route that is not public, whatever the method.
OUTSIDERS = (
    "anonymous",
    "outsider_session",  # a member of globex, signed in
    "outsider_token",  # globex's member with a bearer token of globex
    "outsider_token_for_acme",  # a bearer token for acme held by someone who is not acme's member
    "globex_api_key",  # globex's API key holding every scope
    "platform_staff",  # a superuser without membership
    "acme_suspended",  # a suspended member of acme
)
# Asked with globex's object ids: the object must be "missing", never served.
WRONG_IDS = ("acme_admin", "acme_api_key")

# --- URL values: by (path segment before the kwarg, kwarg), then by kwarg, then by converter -------
BY_SEGMENT = {
    ("members", "pk"): "membership",
    ("invitations", "pk"): "invitation",
    ("accept", "token"): "invitation_token",
    ("decline", "token"): "invitation_token",
    ("sessions", "pk"): "user_session",
    ("api-keys", "pk"): "api_key",
    ("domains", "pk"): "domain",
    ("types", "code"): "entity_type_code",
    ("people", "uuid"): "person_uuid",
    ("entities", "pk"): "entity_membership",
    ("entities", "uuid"): "entity_uuid",
    ("skills", "pk"): "skill",
    ("certifications", "pk"): "certification",
    ("organisation", "uuid"): "entity_uuid",
    ("roles", "uuid"): "role_uuid",
    ("assignments", "uuid"): "assignment_uuid",
    ("access", "pk"): "solution_access",
    ("solution-access", "pk"): "solution_access",
    ("entity", "pk"): "entity",
    ("branding", "pk"): "branding",
    ("asset", "pk"): "branding",
    ("invoices", "uuid"): "invoice_uuid",
    ("payment-methods", "uuid"): "payment_method_uuid",
    ("checkout", "uuid"): "checkout_uuid",
    ("webhooks", "uuid"): "endpoint_uuid",
    ("endpoints", "uuid"): "endpoint_uuid",
    ("deliveries", "uuid"): "delivery_uuid",
    ("download", "token"): "export_token",
    ("approvals", "uuid"): "approval_request_uuid",
    ("requests", "uuid"): "approval_request_uuid",
    ("workflows", "uuid"): "approval_workflow_uuid",
    ("delegations", "uuid"): "delegation_uuid",
    ("access-requests", "pk"): "access_request_uuid",
    ("open", "pk"): "notification",
    ("notifications", "pk"): "notification",
}
for _module in app_isolation_modules():  # apps/<app>/tests/isolation.py (tests/isolation_world.py)
    BY_SEGMENT.update(getattr(_module, "SEGMENTS", {}))
BY_KWARG = {
    "number": "ticket_number",
    "attachment_id": "attachment",
    "entity_uuid": "entity_uuid",
}
# Values that are not ids (an image kind, a user type, a catalogue code): valid-looking or unknown.
LITERALS = {"kind": "logo", "user_type": "member"}
# A value of each converter for a kwarg nobody told us about: a globex id where there is one.
FALLBACK = {
    "int": SEQUENCE_FLOOR + 1,
    "uuid": "entity_uuid",
    "slug": UNKNOWN_SLUG,
    "str": UNKNOWN_SLUG,
    "path": UNKNOWN_SLUG,
}
CONVERTER_KINDS = {"IntConverter": "int", "UUIDConverter": "uuid", "SlugConverter": "slug", "PathConverter": "path"}


@dataclass
class Route:
    route: str  # the pattern text, prefixes included
    name: str
    view: Any  # the view class (or function) the callback serves
    callback: Any
    parts: list[Any]  # the pattern objects from the root to this one


@dataclass
class Outcome:
    attempts: int = 0
    routes: int = 0
    missing_refusals: list[str] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)
    server_errors: list[str] = field(default_factory=list)
    unbuildable: list[str] = field(default_factory=list)
    by_access: dict[str, int] = field(default_factory=dict)
    statuses: dict[int, int] = field(default_factory=dict)

    @property
    def failures(self) -> list[str]:
        return self.unbuildable + self.server_errors + self.missing_refusals + self.leaks


def routes_walk(urlconf: Any = TENANT_URLCONF) -> Iterator[Route]:
    def walk(resolver: URLResolver, prefix: str, parts: list[Any], namespace: str) -> Iterator[Route]:
        for entry in resolver.url_patterns:
            text = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                yield from walk(entry, text, [*parts, entry.pattern], ns)
            elif isinstance(entry, URLPattern):
                callback = entry.callback
                view = getattr(callback, "view_class", None) or getattr(callback, "cls", None) or callback
                yield Route(text, f"{namespace}{entry.name or ''}", view, callback, [*parts, entry.pattern])

    yield from walk(get_resolver(urlconf), "/", [], "")


def qualified(view: Any) -> str:
    return f"{view.__module__}.{view.__qualname__}"


def declared_access(route: Route) -> str:
    """The view's `tenant_access` (apps/surfaces); views with no tenant surface at all (allauth's
    sign-in pages, the bare-domain redirect, the health probe: `apps.surfaces.checks.EXEMPT`) are
    public here, so only the canary is checked on them."""
    access = getattr(route.view, "tenant_access", None)
    if access:
        return str(access)
    if is_exempt(qualified(route.view)):
        return "public"
    return "undeclared"  # deny by default: expected to refuse everyone the matrix tries


def route_methods(route: Route) -> list[str]:
    actions = getattr(route.callback, "actions", None)
    if actions:  # a DRF router route: exactly the methods mapped to actions
        return [m for m in METHODS if m in actions]
    if not inspect.isclass(route.view):
        return ["get", "post"]
    allowed = getattr(route.view, "http_method_names", METHODS)
    return [m for m in METHODS if m in allowed and hasattr(route.view, m)] or ["get"]


def _segment_before(text: str) -> str:
    segments = [s for s in re.sub(r"[\^$]", "", text).split("/") if s and not s.startswith(("<", "("))]
    return segments[-1] if segments else ""


def _value(world: World, segment: str, kwarg: str, kind: str) -> tuple[Any, bool]:
    key = BY_SEGMENT.get((segment, kwarg)) or BY_KWARG.get(kwarg)
    if key and key in world.values:
        return world.values[key]
    if kwarg in LITERALS:
        return LITERALS[kwarg], False
    fallback = FALLBACK.get(kind, UNKNOWN_SLUG)
    if isinstance(fallback, str) and fallback in world.values:
        return world.values[fallback][0], False
    return fallback, False


def _regex_kind(regex: str) -> str:
    if re.fullmatch(regex, "12345"):
        return "int"
    if re.fullmatch(regex, "0f0e0d0c-0b0a-4908-8706-050403020100"):
        return "uuid"
    return "str"


def url_build(world: World, route: Route) -> tuple[str, bool]:
    """The route's URL with globex's values; (url, whether a kwarg names a real globex object)."""
    url, owned = "/", False
    for part in route.parts:
        text = str(part)
        if isinstance(part, RoutePattern):  # a path() pattern

            def fill(match: re.Match, part: Any = part, before: str = url, text: str = text) -> str:
                nonlocal owned
                name = match.group(2)
                converter = part.converters[name]
                kind = CONVERTER_KINDS.get(type(converter).__name__, "str")
                segment = _segment_before(before + text[: match.start()])
                value, is_owned = _value(world, segment, name, kind)
                owned |= is_owned
                return converter.to_url(value)

            url += re.sub(r"<(?:(\w+):)?(\w+)>", fill, text)
        else:  # a regex pattern (DRF routers, allauth)

            def fill_regex(match: re.Match, before: str = url, text: str = text) -> str:
                nonlocal owned
                name, regex = match.group(1), match.group(2)
                segment = _segment_before(before + text[: match.start()])
                value, is_owned = _value(world, segment, name, _regex_kind(regex))
                owned |= is_owned
                return str(value)

            filled = re.sub(r"\(\?P<(\w+)>((?:[^()]|\([^()]*\))*)\)", fill_regex, text)
            url += re.sub(r"\\(.)", r"\1", filled.lstrip("^").rstrip("$"))
    return url, owned


def url_resolves_to(url: str, route: Route, urlconf: Any) -> bool:
    try:
        match = resolve(url, urlconf=urlconf)
    except Exception:  # noqa: BLE001 - any failure to resolve means the URL could not be built
        return False
    return match.func is route.callback


def body_of(response: Any) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def refused(response: Any, url: str) -> bool:
    if response.status_code in (401, 403, 404, 405):
        return True
    location = response.get("Location", "")
    is_portal = not url.startswith("/api/")
    return is_portal and response.status_code in (301, 302, 303, 307) and location.startswith("/accounts/")


def _request(world: World, actor: str, method: str, url: str) -> Any:
    client = world.clients[actor]
    if url.startswith("/api/"):
        return getattr(client, method)(url, data={}, content_type="application/json", HTTP_ACCEPT="application/json")
    return getattr(client, method)(url, data={} if method == "post" else "")


def _actors_for(access: str, method: str, owned: bool) -> list[str]:
    actors = list(OUTSIDERS)
    if access == "admin" or (access == "member_read_admin_write" and method not in SAFE):
        actors.append("acme_member")
    if owned:
        actors += WRONG_IDS
    return actors


def matrix_run(world: World, urlconf: Any = TENANT_URLCONF, only: Any = None) -> Outcome:
    outcome = Outcome()
    for route in routes_walk(urlconf):
        if only is not None and not only(route):
            continue
        outcome.routes += 1
        access = declared_access(route)
        outcome.by_access[access] = outcome.by_access.get(access, 0) + 1
        url, owned = url_build(world, route)
        if not url_resolves_to(url, route, urlconf):
            outcome.unbuildable.append(f"{route.route} ({route.name}): built {url!r}, which does not resolve to it")
            continue
        public = access == "public"
        methods = ["get"] if route.route.startswith("/accounts/") else route_methods(route)
        for method in methods:
            actors = list(OUTSIDERS) + (list(WRONG_IDS) if owned else []) if public else None
            for actor in actors or _actors_for(access, method, owned):
                response = _request(world, actor, method, url)
                outcome.attempts += 1
                outcome.statuses[response.status_code] = outcome.statuses.get(response.status_code, 0) + 1
                label = f"{method.upper()} {url} as {actor} [{access}] → {response.status_code}"
                # 503 is a deliberate answer (health checks, maintenance), not a crash.
                if response.status_code >= 500 and response.status_code != 503:
                    outcome.server_errors.append(f"SERVER ERROR {label}")
                if CANARY.encode() in body_of(response):
                    outcome.leaks.append(f"LEAK {label}")
                if not public and not refused(response, url):
                    outcome.missing_refusals.append(f"NOT REFUSED {label} {response.get('Location', '')}")
                connection.set_schema_to_public()
    return outcome


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> Iterator[World]:
    """Globex's canaried objects and the actors, built once and rolled back after the module."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            with api_quota_kept(*Tenant.objects.filter(slug__in=["acme", "globex"])):
                yield world_build()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            connection.set_schema_to_public()


def test_every_tenant_route_refuses_outsiders_and_never_leaks(world, request):
    outcome = matrix_run(world)
    report(
        request,
        f"isolation matrix: {outcome.attempts} attempts, {outcome.routes} routes "
        f"({', '.join(f'{k} {v}' for k, v in sorted(outcome.by_access.items()))}), "
        f"{len(outcome.missing_refusals)} missing refusals, {len(outcome.leaks)} leaks; "
        f"answers {', '.join(f'{code}: {n}' for code, n in sorted(outcome.statuses.items()))}",
    )
    if outcome.failures:
        pytest.fail("\n".join(outcome.failures), pytrace=False)
    assert outcome.routes >= 150
    assert outcome.attempts >= 2000


# Each actor signed in as claimed (a refusal of a caller who is silently anonymous would prove nothing):
# host, path, expected status and, for a refusal, the `code` that names who the caller is.
ACTOR_IDENTITY = {
    "anonymous": ("acme.localhost", "/api/v1/tenant/", 403, None),
    "outsider_session": ("globex.localhost", "/api/v1/me/", 200, None),
    "outsider_token": ("globex.localhost", "/api/v1/me/", 200, None),
    "outsider_token_for_acme": ("acme.localhost", "/api/v1/tenant/", 403, "not_member"),
    "globex_api_key": ("globex.localhost", "/api/v1/tenant/", 200, None),
    "platform_staff": ("acme.localhost", "/api/v1/tenant/", 403, "not_member"),
    "acme_suspended": ("acme.localhost", "/api/v1/tenant/", 403, "membership_suspended"),
    "acme_member": ("acme.localhost", "/api/v1/me/", 200, None),
    "acme_admin": ("acme.localhost", "/api/v1/billing/plans/", 200, None),
    "acme_api_key": ("acme.localhost", "/api/v1/tenant/", 200, None),
}


def test_the_matrix_actors_are_who_they_claim(world):
    assert set(ACTOR_IDENTITY) == set(world.clients)
    for actor, (host, url, status, code) in ACTOR_IDENTITY.items():
        response = world.clients[actor].get(url, HTTP_HOST=host, HTTP_ACCEPT="application/json")
        connection.set_schema_to_public()
        assert response.status_code == status, (actor, response.content[:300])
        if code:
            assert response.json()["code"] == code, (actor, response.json())


# --- The matrix catches what it is for ------------------------------------------------------------


class UnprotectedView(View):
    """What a careless new route looks like: no mixin, no `tenant_access`, and globex's data."""

    def get(self, request: Any, pk: int) -> HttpResponse:
        with schema_context("t_globex"):
            from apps.organisation.models import Entity

            return HttpResponse(", ".join(Entity.objects.values_list("name", flat=True)))


class DeclaredPublicView(View):
    tenant_access = "public"

    def get(self, request: Any) -> HttpResponse:
        return HttpResponse(f"hello {request.GET.get('x', '')}")


def _with_extra_routes() -> list[Any]:
    from config.urls.tenant import urlpatterns

    return [
        path("manage/new-feature/<int:pk>/", UnprotectedView.as_view(), name="new-feature"),
        path("manage/hello/", DeclaredPublicView.as_view(), name="hello"),
        *urlpatterns,
    ]


class ExtraUrlconf:
    urlpatterns = _with_extra_routes()


def test_a_new_unprotected_route_fails_the_matrix_without_editing_it(world):
    with override_settings(ROOT_URLCONF=ExtraUrlconf):
        routes = {route.route for route in routes_walk(ExtraUrlconf)}
        assert "/manage/new-feature/<int:pk>/" in routes  # found by the walk, listed nowhere
        outcome = matrix_run(world, ExtraUrlconf, only=lambda r: r.view in (UnprotectedView, DeclaredPublicView))
    assert outcome.routes == 2
    refusals = [f for f in outcome.failures if f.startswith("NOT REFUSED GET /manage/new-feature/")]
    assert any("as anonymous [undeclared]" in f for f in refusals)
    assert any(f.startswith("LEAK GET /manage/new-feature/") for f in outcome.failures)
    assert not any("/manage/hello/" in f for f in outcome.failures)  # public: only the canary is checked


def test_a_route_whose_url_cannot_be_built_fails_loudly(world):
    from django.urls import re_path

    class Odd:
        urlpatterns = [re_path(r"^odd/(?P<code>[A-Z]{3}\d{2})/$", DeclaredPublicView.as_view())]

    outcome = matrix_run(world, Odd)
    assert outcome.unbuildable and "does not resolve" in outcome.unbuildable[0]


# --- Tasks --------------------------------------------------------------------------------------
# Arguments by parameter name: the globex object a task would be given.
TASK_ARGUMENTS = {
    "request_id": "gdpr_request_id",
    "job_id": "provisioning_job_id",
    "tenant_id": "tenant_id",
    "delivery_id": "delivery_id",
    "subscription_uuid": "subscription_uuid",
    "schema": "schema_name",
    "ids": "notification_delivery_ids",
}
for _module in app_isolation_modules():
    TASK_ARGUMENTS.update(getattr(_module, "TASK_ARGUMENTS", {}))


def project_tasks() -> list[Any]:
    from config.celery import app

    app.loader.import_default_modules()
    return sorted(
        (task for task in app.tasks.values() if task.__module__.startswith("apps.")), key=lambda task: task.name
    )


def _id_parameters(task: Any) -> list[inspect.Parameter]:
    parameters = inspect.signature(task.run).parameters.values()
    return [p for p in parameters if p.default is inspect.Parameter.empty and p.kind is p.POSITIONAL_OR_KEYWORD]


def globex_rows(world: World) -> dict[str, Any]:
    rows: dict[str, Any] = {"globex schema exists": schema_exists(world.globex.schema_name)}
    for schema, model, pk in world.objects:
        with schema_context(schema):
            rows[f"{schema}.{model.__name__}#{pk}"] = model.objects.filter(pk=pk).values().first()
    return rows


def test_tasks_given_globex_ids_in_acme_leave_globex_alone(world, request):
    attempts, failures, sweeps = 0, [], []
    for task in project_tasks():
        required = _id_parameters(task)
        if not required:
            sweeps.append(task.name)  # runs over every tenant by design; takes no one's id
            continue
        missing = [p.name for p in required if TASK_ARGUMENTS.get(p.name) not in world.values]
        if missing:
            failures.append(f"{task.name}: no globex object for {missing}; add one to TASK_ARGUMENTS")
            continue
        kwargs = {p.name: world.values[TASK_ARGUMENTS[p.name]][0] for p in required}
        before = globex_rows(world)
        with tenant_context(world.acme):
            result = task.apply(kwargs={k: str(v) if k == "tenant_id" else v for k, v in kwargs.items()})
        connection.set_schema_to_public()
        attempts += 1
        if result.failed():
            failures.append(f"{task.name}({kwargs}) raised {result.result!r}")
        changed = [key for key, row in globex_rows(world).items() if row != before[key]]
        if changed:
            failures.append(f"{task.name}({kwargs}) sent from acme changed globex's {changed}")
    line = f"isolation matrix: {attempts} task attempts with globex ids ({len(sweeps)} sweeps not called)"
    report(request, line)
    if failures:
        pytest.fail("\n".join(failures), pytrace=False)
    assert attempts >= 4


def test_tasks_sent_from_a_tenant_still_act_on_its_own_objects(world):
    """The refusal above is about the other tenant only: acme's own delivery and request still run."""
    from apps.gdpr.models import GdprRequest
    from apps.gdpr.services import gdpr_request_create
    from apps.gdpr.tasks import run_request
    from apps.webhooks.models import WebhookDelivery, WebhookEvent
    from apps.webhooks.services import webhook_endpoint_create
    from apps.webhooks.tasks import deliver

    acme, member = world.acme, world.users["acme_member"]
    endpoint, _ = webhook_endpoint_create(tenant=acme, url="http://127.0.0.1:9/own", acting_user=None,
                                          enabled_events=["invoice.issued"])  # fmt: skip
    event = WebhookEvent.objects.create(tenant=acme, type="invoice.issued", payload={})
    delivery = WebhookDelivery.objects.create(
        tenant=acme, endpoint=endpoint, event=event, next_attempt_at=timezone.now()
    )
    request = gdpr_request_create(subject=member, kind="access", acting_user=None, enqueue=False)
    with tenant_context(acme):
        delivered = deliver.apply(kwargs={"delivery_id": delivery.pk}).get()
        ran = run_request.apply(kwargs={"request_id": request.pk}).get()
    connection.set_schema_to_public()
    assert delivered != "not_yours"
    assert WebhookDelivery.objects.get(pk=delivery.pk).attempt_count == 1
    assert ran.get("reason") != "not_yours"
    assert GdprRequest.objects.get(pk=request.pk).status != GdprRequest.Status.RECEIVED
