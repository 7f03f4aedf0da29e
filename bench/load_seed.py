"""The people and data the load test (bench/load.py) signs in as and works on, made idempotently.

Import after `django.setup()`, with the settings and database of the stack under test: the bearer
tokens and session cookies made here are signed with its SECRET_KEY and stored in its database.

Per tenant `load-NN` (a clone of the template, `load-NN.<PLATFORM_DOMAIN>`, on a plan with every
solution and a quota no run reaches): `admins` tenant admins, `field` field staff with access to
attendance, tasks, reports and chat, one site with a geofence, a published roster (a shift per person
per day around today), two open tasks per person due today with a five-item checklist, a published
form, a public channel everybody is in, and an integrator API key. Plus one platform staff user with
a TOTP factor (the staff admin requires one). What exists is kept; a re-run only tops up, then issues
new credentials (tokens, sessions, a fresh key per tenant; the previous run's keys are revoked).
"""

from __future__ import annotations

import datetime
import time
from dataclasses import asdict, dataclass, field
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.hashers import make_password
from django.db import OperationalError, transaction
from django.utils import timezone
from django_tenants.utils import schema_context, tenant_context

from apps.access.models import Role
from apps.access.services import assignment_create, default_roles_ensure, role_create
from apps.accounts.models import Membership, User
from apps.accounts.totp import totp_ensure
from apps.chat.models import Channel, ChannelMember
from apps.chat.services import channel_create
from apps.forms.models import FormTemplate
from apps.forms.services import template_create, template_publish
from apps.integrations.models import ApiKey
from apps.integrations.services import api_key_create, api_key_revoke
from apps.organisation.models import Entity, EntityMembership, EntityType, MemberProfile
from apps.organisation.services import entity_create
from apps.rosters.models import Roster, ShiftType
from apps.rosters.services import roster_create, roster_publish, shift_type_create, shifts_assign
from apps.solutions.models import SolutionAccess
from apps.tasks.models import ChecklistItem, Task
from apps.tenancy.models import Plan, Tenant
from apps.tenancy.services import platform_tenant_ensure, tenant_create, tenant_template_ensure
from apps.tokens.access_tokens import access_token_issue
from apps.tokens.models import RefreshTokenFamily
from apps.workplaces.models import Workplace
from apps.workplaces.services import geofence_set, workplace_create

PLAN = "load-test"
SOLUTIONS = ["attendance", "tasks", "workplaces", "reports", "chat"]
SITE_CODE, SITE_POSITION = "LOAD-SITE", (-33.8731, 151.2065)
DEVICE = "load-test"  # the refresh-token families of the field staff's tokens, replaced each run
KEY_NAME, KEY_ROLE = "Load test integrator", "load-integrator"
KEY_SCOPES = ["tasks:read", "tasks:write", "organisation:read", "organisation:write", "attendance:read"]
TASKS_PER_PERSON, CHECKLIST_ITEMS = 2, 5
FORM_NAME, CHANNEL_NAME = "Load test site check", "load-general"
FORM_SCHEMA = {
    "sections": [
        {
            "title": "Site check",
            "fields": [
                {"key": "note", "label": "Note", "type": "text", "required": True, "help_text": "", "config": {}},
                {"key": "count", "label": "Count", "type": "number", "required": False, "help_text": "", "config": {}},
            ],
        }
    ]
}
STAFF_EMAIL = "load-staff@bench.invalid"
UNUSABLE = make_password(None)


@dataclass
class TenantActors:
    """What the virtual users of one tenant need: its host, credentials and the ids they work on."""

    slug: str
    host: str
    api_key: str
    admin_sessions: list[str] = field(default_factory=list)
    field_staff: list[dict[str, Any]] = field(default_factory=list)  # token, tasks [{id, items}], ...
    site: str = SITE_CODE
    form: int = 0
    channel: int = 0
    task_ids: list[int] = field(default_factory=list)
    people: list[str] = field(default_factory=list)


def log(message: str) -> None:
    import sys

    print(message, file=sys.stderr, flush=True)


def plan_ensure() -> Plan:
    plan, _ = Plan.objects.get_or_create(
        name=PLAN,
        defaults={
            "display_name": "Load test (every solution)",
            "features": {"solutions": SOLUTIONS, "integrations": ["webhook"], "flags": {"api_access": True}},
        },
    )
    return plan


def tenant_ensure(slug: str, plan: Plan) -> Tenant:
    tenant = Tenant.objects.filter(slug=slug).first() or tenant_create(
        name=f"Load {slug[-2:]}", slug=slug, acting_user=None
    )
    # A run makes hundreds of thousands of API calls: far above a tenant's default daily quota.
    Tenant.objects.filter(pk=tenant.pk).update(
        plan=plan, status=Tenant.Status.ACTIVE, api_calls_per_day=100_000_000, max_users=100_000
    )
    tenant.refresh_from_db()
    return tenant


def users_ensure(tenant: Tenant, kind: str, count: int, role: str) -> list[User]:
    emails = [f"{tenant.slug}-{kind}-{i:03d}@bench.invalid" for i in range(count)]
    existing = set(User.objects.filter(email__in=emails).values_list("email", flat=True))
    User.objects.bulk_create(
        [User(email=e, full_name=f"{kind.title()} {e.split('@')[0][-3:]}", password=UNUSABLE) for e in emails
         if e not in existing]
    )  # fmt: skip
    users = list(User.objects.filter(email__in=emails).order_by("email"))
    Membership.objects.bulk_create([Membership(user=u, tenant=tenant, role=role) for u in users], ignore_conflicts=True)
    with schema_context(tenant.schema_name):
        MemberProfile.objects.bulk_create([MemberProfile(user=u) for u in users], ignore_conflicts=True)
        granted = set(SolutionAccess.objects.active().filter(user__in=users).values_list("user_id", "solution_code"))
        SolutionAccess.objects.bulk_create(
            [SolutionAccess(solution_code=code, user=u, reason="load test") for u in users for code in SOLUTIONS
             if (u.pk, code) not in granted]
        )  # fmt: skip
    return users


def site_ensure() -> Workplace:
    site = Workplace.objects.filter(code=SITE_CODE).first()
    if site is None:
        region = workplace_create(kind="region", code="LOAD-R", name="Region", acting_user=None)
        area = workplace_create(kind="area", code="LOAD-A", name="Area", parent=region, acting_user=None)
        site = workplace_create(kind="site", code=SITE_CODE, name="Load test store", parent=area,
                                acting_user=None, time_zone="UTC")  # fmt: skip
        geofence_set(site=site, shape="circle", center_lat=SITE_POSITION[0], center_lng=SITE_POSITION[1],
                     radius_m=500, acting_user=None)  # fmt: skip
    return site


def roster_ensure(site: Workplace, people: list[User], admin: User) -> None:
    """A published roster of day shifts for everybody from three days ago to three days ahead."""
    today = timezone.now().date()
    if Roster.objects.filter(workplace=site, start_date__lte=today, end_date__gte=today).exists():
        return
    shift_type = ShiftType.objects.filter(code="LOAD-DAY").first() or shift_type_create(
        code="LOAD-DAY", name="Day", start_time=datetime.time(9, 0), end_time=datetime.time(17, 0), acting_user=None
    )
    start, end = today - datetime.timedelta(days=3), today + datetime.timedelta(days=3)
    roster = roster_create(workplace=site, name=f"Load {today:%d %b}", start_date=start, end_date=end,
                           acting_user=admin)  # fmt: skip
    days = [start + datetime.timedelta(days=n) for n in range((end - start).days + 1)]
    shifts_assign(roster=roster, users=people, shift_type=shift_type, days=days, acting_user=admin)
    roster_publish(roster=roster, acting_user=admin)


def tasks_ensure(site: Workplace, people: list[User]) -> dict[Any, list[dict[str, Any]]]:
    """Open tasks due today per person, in bulk (the services' events are not what is measured)."""
    due = timezone.now().replace(hour=23, minute=0, second=0, microsecond=0)
    have = set(Task.objects.filter(origin_kind="load-test").values_list("assignee_id", flat=True))
    missing = [p for p in people if p.pk not in have]
    tasks = Task.objects.bulk_create(
        [Task(title=f"Load task {n}", workplace=site, due_at=due, assignee_kind="person", assignee=p,
              origin_kind="load-test") for p in missing for n in range(TASKS_PER_PERSON)]
    )  # fmt: skip
    ChecklistItem.objects.bulk_create(
        [ChecklistItem(task=t, position=i, text=f"Step {i}") for t in tasks for i in range(1, CHECKLIST_ITEMS + 1)]
    )
    Task.objects.filter(origin_kind="load-test").update(due_at=due, status="todo")
    mine: dict[Any, list[dict[str, Any]]] = {}
    for task in Task.objects.filter(origin_kind="load-test").prefetch_related("checklist").order_by("pk"):
        items = [item.pk for item in task.checklist.all()]
        mine.setdefault(task.assignee_id, []).append({"id": task.pk, "items": items})
    return mine


def form_ensure(admin: User) -> FormTemplate:
    template = FormTemplate.objects.filter(name=FORM_NAME).first()
    if template is None:
        template = template_create(name=FORM_NAME, acting_user=admin, schema=FORM_SCHEMA, review_required=False)
        template_publish(template=template, acting_user=admin)
    return template


def channel_ensure(admin: User, people: list[User]) -> Channel:
    channel = Channel.objects.filter(name=CHANNEL_NAME).first() or channel_create(name=CHANNEL_NAME, acting_user=admin)
    present = set(ChannelMember.objects.filter(channel=channel).values_list("user_id", flat=True))
    ChannelMember.objects.bulk_create(
        [ChannelMember(channel=channel, user=p) for p in people if p.pk not in present], ignore_conflicts=True
    )
    return channel


def organisation_ensure(tenant: Tenant, people: list[User]) -> Entity:
    """What provisioning gives a tenant (a root entity, the default roles), everybody in the root, and the
    integrator's role: a manager of the root (sees and updates people) with Tasks and Attendance."""
    root = Entity.objects.filter(parent__isnull=True).first() or entity_create(
        name=tenant.name, entity_type=EntityType.objects.get(code="enterprise"), parent=None, acting_user=None
    )
    roles = {role.code: role for role in default_roles_ensure(acting_user=None)}
    profiles = MemberProfile.objects.filter(user__in=people)
    EntityMembership.objects.bulk_create(
        [EntityMembership(profile=p, entity=root, is_primary=True) for p in profiles], ignore_conflicts=True
    )
    role = Role.objects.filter(code=KEY_ROLE).first() or role_create(
        code=KEY_ROLE, name="Load test integrator", permissions=[], parent=roles["manager"], acting_user=None
    )
    for code in ("tasks", "attendance"):
        SolutionAccess.objects.get_or_create(solution_code=code, role=role, revoked_at=None)
    return root


def api_key_renew(admin: User, root: Entity) -> str:
    """A new key for this run (the previous run's are revoked), holding the integrator role on the root:
    API keys reach people and solutions through roles, like members."""
    for old in ApiKey.objects.active().filter(name=KEY_NAME):
        api_key_revoke(api_key=old, acting_user=admin)
    key, raw = api_key_create(name=KEY_NAME, scopes=KEY_SCOPES, acting_user=admin)
    assignment_create(role=Role.objects.get(code=KEY_ROLE), api_key=key, scope_entity=root, acting_user=admin)
    return raw


def tokens_issue(tenant: Tenant, people: list[User]) -> list[str]:
    """A bearer token per person (what POST /api/v1/auth/token/ returns), minted in bulk."""
    RefreshTokenFamily.objects.filter(tenant=tenant, device_name=DEVICE).delete()
    families = RefreshTokenFamily.objects.bulk_create(
        [RefreshTokenFamily(user=u, tenant=tenant, device_name=DEVICE, refresh_token_version=u.refresh_token_version)
         for u in people]
    )  # fmt: skip
    return [access_token_issue(user=u, tenant=tenant, family=f)[0] for u, f in zip(people, families, strict=True)]


def session_create(user: User) -> str:
    """A signed-in session as the login form leaves it (the cookie value), without the password hashing."""
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return str(store.session_key)


def sessions_end(previous: dict[str, Any]) -> None:
    """Sign out the previous run's sessions (from its actors file), so re-runs do not pile them up."""
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    keys = [previous.get("staff_session"), *(k for t in previous.get("tenants", []) for k in t["admin_sessions"])]
    with schema_context("public"):
        for key in filter(None, keys):
            store_class(session_key=key).delete()


def staff_ensure() -> User:
    staff = User.objects.filter(email=STAFF_EMAIL).first() or User.objects.create_superuser(
        email=STAFF_EMAIL, password=None, full_name="Load Staff"
    )
    totp_ensure(staff)
    return staff


def tenant_seed(slug: str, plan: Plan, admins: int, field_count: int) -> TenantActors:
    """One tenant, retried when PostgreSQL's shared lock table is full: cloning a schema locks every table
    of it, and on a shared server other sessions' locks can leave too little room for a while."""
    for attempt in range(1, 6):
        try:
            tenant = tenant_ensure(slug, plan)  # its own transaction: the clone's locks are released at once
            return tenant_fill(tenant, admins, field_count)
        except OperationalError as exc:
            if "out of shared memory" not in str(exc) or attempt == 5:
                raise
            log(f"  {slug}: PostgreSQL is out of lock slots (attempt {attempt}); retrying in {5 * attempt} s")
            time.sleep(5 * attempt)
    raise AssertionError("unreachable")


@transaction.atomic
def tenant_fill(tenant: Tenant, admins: int, field_count: int) -> TenantActors:
    slug = tenant.slug
    admin_users = users_ensure(tenant, "admin", admins, Membership.Role.TENANT_ADMIN)
    people = users_ensure(tenant, "field", field_count, Membership.Role.MEMBER)
    host = f"{slug}.{settings.PLATFORM_DOMAIN}"
    with tenant_context(tenant):
        site = site_ensure()
        roster_ensure(site, people, admin_users[0])
        tasks = tasks_ensure(site, people)
        form = form_ensure(admin_users[0])
        channel = channel_ensure(admin_users[0], admin_users + people)
        root = organisation_ensure(tenant, people)
        key = api_key_renew(admin_users[0], root)
        profiles = [str(u) for u in MemberProfile.objects.filter(user__in=people).values_list("uuid", flat=True)]
    tokens = tokens_issue(tenant, people)
    with schema_context("public"):
        sessions = [session_create(u) for u in admin_users]
    staff = [{"token": t, "tasks": tasks.get(p.pk, [])} for p, t in zip(people, tokens, strict=True)]
    return TenantActors(
        slug=slug, host=host, api_key=key, admin_sessions=sessions, field_staff=staff, form=form.pk,
        channel=channel.pk, task_ids=[t["id"] for ts in tasks.values() for t in ts],
        people=profiles,
    )  # fmt: skip


def seed(*, tenants: int, admins: int, field_count: int) -> dict[str, Any]:
    """Everything the locustfile reads (bench/load_locust.py), as one JSON-ready dict."""
    started = time.perf_counter()
    platform_tenant_ensure()
    tenant_template_ensure()
    plan = plan_ensure()
    actors = []
    for n in range(1, tenants + 1):
        actors.append(asdict(tenant_seed(f"load-{n:02d}", plan, admins, field_count)))
        log(f"  tenant load-{n:02d} ready ({time.perf_counter() - started:.0f} s)")
    with schema_context("public"):
        staff_session = session_create(staff_ensure())
    return {
        "platform_host": settings.PLATFORM_DOMAIN,
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "staff_session": staff_session,
        "site_position": SITE_POSITION,
        "tenants": actors,
    }
