"""Roles: default roles, inheritance, cycles (service and database), permission validation, deletion."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from apps.access.catalogue import permission_catalogue
from apps.access.models import Role
from apps.access.provisioning import default_roles
from apps.access.resolver import may
from apps.access.services import (
    assignment_create,
    default_roles_ensure,
    role_create,
    role_delete,
    role_effective_permissions,
    role_update,
)
from apps.audit.models import AuditEvent
from apps.tenancy.provisioning import provisioning_steps

pytestmark = pytest.mark.django_db


def test_default_roles_inherit_member_viewer_manager_tenant_admin(roles):
    assert [roles[c].parent.code if roles[c].parent else None for c in ("member", "viewer", "manager")] == [
        None, "member", "viewer",
    ]  # fmt: skip
    assert roles["tenant-admin"].parent == roles["manager"] and all(r.is_system for r in roles.values())
    member = role_effective_permissions(roles["member"])
    assert member["organisation.view_memberprofile"] == {"own_records"}
    viewer = role_effective_permissions(roles["viewer"])
    # The viewer's own unconditional entry widens the member's own-records one.
    assert viewer["organisation.view_memberprofile"] == set() and viewer["organisation.view_entity"] == set()
    manager = role_effective_permissions(roles["manager"])
    assert {"organisation.view_entity", "organisation.view_people", "organisation.manage_people"} <= set(manager)
    assert manager["organisation.change_memberprofile"] == set()
    admin = role_effective_permissions(roles["tenant-admin"])
    assert set(admin) == set(permission_catalogue())
    assert "organisation.manage_branding" in admin and "organisation.view_entity" not in {
        e["permission"] for e in roles["tenant-admin"].permissions
    }


def test_default_roles_ensure_is_idempotent_and_a_provisioning_step(in_acme, roles, acme_admin):
    codes = ("member", "viewer", "manager", "tenant-admin")
    assert [role.pk for role in default_roles_ensure()] == [roles[code].pk for code in codes]
    assert Role.objects.count() == 4
    assert ("default_roles", 50) in [(s.name, s.position) for s in provisioning_steps()]

    class Job:
        requested_by = acme_admin

    default_roles(job=Job(), tenant=in_acme)
    assert Role.objects.count() == 4


def test_role_inherits_every_ancestor_in_one_query(roles, django_assert_num_queries):
    auditor = role_create(
        code="auditor", name="Auditor", parent=roles["manager"], permissions=["organisation.view_security_policy"],
        acting_user=None,
    )  # fmt: skip
    with django_assert_num_queries(1):
        effective = role_effective_permissions(auditor)
    assert {"organisation.view_entity", "organisation.view_people", "organisation.assign_roles"} <= set(effective)
    assert AuditEvent.objects.filter(action="access.role_created", target_id=str(auditor.pk)).exists()
    assert auditor.path == f"{roles['manager'].path}{auditor.pk}/"


def test_role_cycle_refused_with_a_clear_message(roles):
    a = role_create(code="a", name="A", permissions=[], acting_user=None)
    b = role_create(code="b", name="B", permissions=[], parent=a, acting_user=None)
    c = role_create(code="c", name="C", permissions=[], parent=b, acting_user=None)
    with pytest.raises(ValidationError) as exc:
        role_update(role=a, parent=c, acting_user=None)
    assert exc.value.error_dict["parent"][0].code == "cycle"
    assert "“C” inherits from “A”" in exc.value.error_dict["parent"][0].message
    with pytest.raises(ValidationError) as exc:
        role_update(role=a, parent=a, acting_user=None)
    assert exc.value.error_dict["parent"][0].message == "A role cannot inherit from itself."
    a.refresh_from_db()
    assert a.parent is None


def test_role_cycle_refused_by_the_database(roles):
    a = role_create(code="a", name="A", permissions=[], acting_user=None)
    b = role_create(code="b", name="B", permissions=[], parent=a, acting_user=None)
    with pytest.raises(IntegrityError, match="access_role_no_cycle"), transaction.atomic():
        Role.objects.filter(pk=a.pk).update(parent=b, parent_path=b.path)
    with pytest.raises(IntegrityError), transaction.atomic():  # a stale parent path is refused too
        Role.objects.filter(pk=b.pk).update(parent_path="/999/")


@pytest.mark.parametrize(
    ("permissions", "fragment"),
    [
        (["organisation.fly"], "Unknown permission: organisation.fly"),
        (["accounts.view_user"], "Unknown permission: accounts.view_user"),  # a shared (public) app
        (["guardian.add_userobjectpermission"], "Unknown permission: guardian.add_userobjectpermission"),
        (["organisation.view_historicalentity"], "Unknown permission: organisation.view_historicalentity"),
        ([{"permission": "organisation.view_entity", "conditions": ["weekends"]}], "Unknown condition “weekends”"),
        (
            [{"permission": "organisation.view_entity", "conditions": ["own_records"]}],
            "“own_records” on organisation.view_entity only applies to permissions on organisation.memberprofile",
        ),
        (
            [{"permission": "organisation.view_memberprofile", "conditions": ["own_records", "scope_only"]}],
            "cannot be combined",
        ),
        (["organisation.view_entity", "organisation.view_entity"], "organisation.view_entity is listed twice"),
    ],
)
def test_permissions_are_validated(roles, permissions, fragment):
    with pytest.raises(ValidationError) as exc:
        role_create(code="x", name="X", permissions=permissions, acting_user=None)
    messages = [e.message for e in exc.value.error_dict["permissions"]]
    assert any(fragment in m for m in messages), messages
    assert not Role.objects.filter(code="x").exists()


def test_every_bad_permission_is_listed(roles):
    with pytest.raises(ValidationError) as exc:
        role_create(code="x", name="X", permissions=["organisation.fly", "organisation.swim"], acting_user=None)
    assert len(exc.value.error_dict["permissions"]) == 2


def test_permissions_are_stored_normalised(roles):
    scoped = {"permission": "organisation.view_entity", "conditions": ["scope_only"]}
    role = role_create(code="x", name="X", acting_user=None, permissions=["organisation.view_people", scoped])
    assert role.permissions == [
        {"permission": "organisation.view_entity", "conditions": ["scope_only"]},
        {"permission": "organisation.view_people", "conditions": []},
    ]


def test_role_delete_rules(roles, tree, person):
    with pytest.raises(ValidationError) as exc:
        role_delete(role=roles["viewer"], acting_user=None)
    assert exc.value.code == "system_role"
    parent = role_create(code="p", name="P", permissions=["organisation.view_entity"], acting_user=None)
    child = role_create(code="c", name="C", permissions=[], parent=parent, acting_user=None)
    with pytest.raises(ValidationError) as exc:
        role_delete(role=parent, acting_user=None)
    assert exc.value.code == "role_has_children" and "C inherit" in exc.value.message
    assignment_create(role=child, user=person("ann"), scope_entity=tree.sales, acting_user=None)
    with pytest.raises(ValidationError) as exc:
        role_delete(role=child, acting_user=None)
    assert exc.value.code == "role_in_use" and "1 assignment" in exc.value.message
    lonely = role_create(code="l", name="L", permissions=[], acting_user=None)
    role_delete(role=lonely, acting_user=None)
    assert not Role.objects.filter(code="l").exists()
    assert AuditEvent.objects.filter(action="access.role_deleted", target_id=str(lonely.pk)).exists()


def test_system_role_keeps_its_code(roles):
    with pytest.raises(ValidationError) as exc:
        role_update(role=roles["member"], code="staff", acting_user=None)
    assert exc.value.error_dict["code"][0].code == "system_role"


def test_changing_permissions_regrants_active_assignments_of_the_role_and_below(roles, tree, person):
    ann, bob = person("ann"), person("bob")
    base = role_create(code="base", name="Base", permissions=["organisation.view_entity"], acting_user=None)
    child = role_create(code="child", name="Child", permissions=[], parent=base, acting_user=None)
    assignment_create(role=base, user=ann, scope_entity=tree.sales, acting_user=None)
    assignment_create(role=child, user=bob, scope_entity=tree.sales, acting_user=None)
    assert may(ann, "organisation.view_entity", tree.east) and may(bob, "organisation.view_entity", tree.east)
    assert not may(bob, "organisation.view_people", tree.east)

    role_update(role=base, permissions=["organisation.view_people"], acting_user=None)
    assert may(ann, "organisation.view_people", tree.east) and may(bob, "organisation.view_people", tree.sales)
    assert not may(ann, "organisation.view_entity", tree.east) and not may(bob, "organisation.view_entity", tree.east)

    role_update(role=child, parent=roles["member"], acting_user=None)  # a new parent: new inheritance
    assert may(bob, "organisation.view_entity", tree.east) and not may(bob, "organisation.view_people", tree.east)
    assert AuditEvent.objects.filter(action="access.role_updated", target_id=str(child.pk)).exists()
