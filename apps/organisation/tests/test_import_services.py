"""Directory import: validation writes nothing, commit writes all or nothing, re-running changes nothing."""

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django_tenants.utils import tenant_context

from apps.access.models import RoleAssignment
from apps.access.services import assignment_create
from apps.accounts.models import Membership, User
from apps.audit.models import AuditEvent
from apps.organisation.importing import apply as import_apply_module
from apps.organisation.importing.formats import COLUMNS, ImportFileError, rows_from_csv, rows_from_json
from apps.organisation.importing.services import directory_import
from apps.organisation.models import Entity, EntityMembership, EntityType, MemberProfile
from apps.organisation.services import entity_create, entity_status_change, profile_ensure
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

DEMO = Path(settings.BASE_DIR, "fixtures", "demo_directory.csv")


def _csv(*records: dict) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    for record in records:
        writer.writerow(record)
    return out.getvalue()


def _import(tenant, text, *, commit=False, acting_user=None, fmt="csv"):
    rows = rows_from_csv(text) if fmt == "csv" else rows_from_json(text)
    return directory_import(rows=rows, tenant=tenant, acting_user=acting_user, commit=commit)


def _snapshot() -> dict[str, int]:
    """Row counts of everything an import may write, with their history tables (current schema)."""
    models: list[Any] = [Entity, MemberProfile, EntityMembership, RoleAssignment, User, Membership]
    counts = {m.__name__: m.objects.count() for m in models}
    counts.update({f"{m.__name__} history": m.history.count() for m in models})  # type: ignore[attr-defined]
    counts["audit"] = AuditEvent.objects.count()
    return counts


def _entity(external_id, name, type_="department", parent=""):
    return {"record": "entity", "external_id": external_id, "name": name, "type": type_, "parent_external_id": parent}


def _person(external_id, email, entities="", manager="", **fields):
    return {
        "record": "person", "external_id": external_id, "email": email, "entity_external_id": entities,
        "manager_external_id": manager, **fields,
    }  # fmt: skip


def _line(plan, row):
    return next(line for line in plan.lines if line.row == row)


@pytest.fixture
def in_acme(acme):
    with tenant_context(acme):
        yield acme


@pytest.fixture
def admin(acme_admin):
    return acme_admin


# --- The demo file ---------------------------------------------------------------------------------


def test_dry_run_reports_every_row_and_writes_nothing(in_acme):
    before = _snapshot()
    plan = _import(in_acme, DEMO.read_text())
    assert not plan.has_errors and not plan.committed
    assert len(plan.lines) == 31
    assert {line.status for line in plan.lines} == {"create"}
    assert _snapshot() == before


def test_demo_commit_creates_people_reporting_lines_and_assignments(in_acme, acme_root, admin):
    plan = _import(in_acme, DEMO.read_text(), commit=True, acting_user=admin)
    assert plan.committed, [line.messages for line in plan.lines if line.errors]
    night = Entity.objects.get(external_id="OPS-WH-NIGHT")
    assert night.code.startswith("ENT-") and night.parent.external_id == "OPS-WH"
    assert night.parent.parent.parent == acme_root and night.entity_type.code == "team"
    assert MemberProfile.objects.filter(external_id__startswith="HR-").count() == 12
    tom = MemberProfile.objects.select_related("user", "manager").get(external_id="HR-1004")
    assert tom.code.startswith("PRS-") and tom.user.email == "tom.becker@acme.localhost"
    assert tom.user.full_name == "Tom Becker" and not tom.user.has_usable_password()
    assert tom.manager.external_id == "HR-1002" and tom.job_title == "Night Shift Supervisor"
    assert tom.reporting_path.count("/") == 4  # Olivia, then Marcus, then Tom
    memberships = {m.entity.external_id: m.is_primary for m in tom.entity_memberships.select_related("entity")}
    assert memberships == {"OPS-WH-NIGHT": True, "OPS-WH": False}
    membership = Membership.objects.get(user=tom.user, tenant=in_acme)
    assert membership.role == "member" and membership.status == "active" and membership.joined_via == "transfer"
    marcus = RoleAssignment.objects.get(user__email="marcus.webb@acme.localhost")
    assert marcus.role.code == "manager" and marcus.scope_entity.external_id == "OPS-WH"
    assert marcus.status == "active" and marcus.valid_until is None and marcus.created_by == admin
    assert RoleAssignment.objects.get(team=night).scope_entity.external_id == "OPS-WH"
    assert AuditEvent.objects.filter(action="organisation.directory_imported").count() == 1


def test_rerunning_the_demo_changes_nothing(in_acme, admin):
    assert _import(in_acme, DEMO.read_text(), commit=True, acting_user=admin).committed
    before = _snapshot()
    plan = _import(in_acme, DEMO.read_text(), commit=True, acting_user=admin)
    assert plan.committed and {line.status for line in plan.lines} == {"unchanged"}
    assert _snapshot() == before


# --- All or nothing --------------------------------------------------------------------------------


def test_an_error_in_the_last_row_means_nothing_is_written(in_acme):
    text = DEMO.read_text() + "person,HR-9999,,,,,not-an-email,,,,,,,,,,,\n"
    before = _snapshot()
    plan = _import(in_acme, text, commit=True)
    assert not plan.committed and plan.error_count == 1
    assert plan.lines[-1].errors == ["“not-an-email” is not a valid email address."]
    assert _snapshot() == before


def test_a_write_refused_midway_rolls_everything_back(in_acme, monkeypatch):
    calls = []
    real = import_apply_module.profile_update

    def refuse_the_fifth(**kwargs):
        calls.append(kwargs)
        if len(calls) == 5:
            raise ValidationError({"manager": ValidationError("Refused for the test.", code="test")})
        return real(**kwargs)

    monkeypatch.setattr(import_apply_module, "profile_update", refuse_the_fifth)
    before = _snapshot()
    plan = _import(in_acme, DEMO.read_text(), commit=True)
    assert not plan.committed and plan.errors == ["A row was refused while writing; nothing was imported."]
    refused = [line for line in plan.lines if line.errors]
    assert len(refused) == 1 and refused[0].kind == "reporting_line"
    assert refused[0].errors == ["Refused while writing: Refused for the test."]
    assert _snapshot() == before


# --- Order, existing rows, formats -----------------------------------------------------------------


def test_parents_may_come_after_their_children(in_acme, acme_root):
    text = _csv(
        _entity("T", "Team", "team", parent="D"),
        _entity("D", "Department", parent="G"),
        _entity("G", "Group", "group"),
        _person("P", "p@example.test", entities="T", manager="M"),
        _person("M", "m@example.test", entities="D"),
    )
    plan = _import(in_acme, text, commit=True)
    assert plan.committed
    team = Entity.objects.get(external_id="T")
    assert [e.name for e in Entity.objects.ancestors_of(team)] == ["Acme", "Group", "Department"]
    assert MemberProfile.objects.get(external_id="P").manager.external_id == "M"


def test_parents_may_be_existing_entities_by_external_id_or_code(in_acme, acme_root, admin):
    department = EntityType.objects.get(code="department")
    sales = entity_create(
        name="Sales", entity_type=department, parent=acme_root, external_id="ERP-9", acting_user=admin
    )
    support = entity_create(name="Support", entity_type=department, parent=acme_root, acting_user=admin)
    plan = _import(
        in_acme, _csv(_entity("A", "North", "team", parent="ERP-9"), _entity("B", "Desk", "team", parent=support.code)),
        commit=True,
    )  # fmt: skip
    assert plan.committed
    assert Entity.objects.get(external_id="A").parent == sales
    assert Entity.objects.get(external_id="B").parent == support


def test_existing_rows_are_updated_and_moved_and_reported(in_acme, acme_root, admin):
    assert _import(in_acme, _csv(_entity("A", "Alpha"), _entity("B", "Beta")), commit=True).committed
    alpha = Entity.objects.get(external_id="A")
    history = alpha.history.count()
    plan = _import(in_acme, _csv(_entity("A", "Alpha Two", parent="B"), _entity("B", "Beta")), commit=True)
    assert plan.committed
    assert _line(plan, 2).status == "update" and _line(plan, 3).status == "unchanged"
    assert "Renamed “Alpha” → “Alpha Two”." in _line(plan, 2).notes
    assert "Moves from “Acme” to “Beta”." in _line(plan, 2).notes
    alpha.refresh_from_db()
    assert alpha.name == "Alpha Two" and alpha.parent.external_id == "B" and alpha.code.startswith("ENT-")
    assert alpha.history.count() == history + 2  # renamed, moved


def test_moves_are_ordered_so_a_swap_is_no_cycle(in_acme, admin):
    """B is under A today; the file puts A under B. Written parents first, it never loops."""
    assert _import(in_acme, _csv(_entity("A", "Alpha"), _entity("B", "Beta", parent="A")), commit=True).committed
    plan = _import(
        in_acme, _csv(_entity("A", "Alpha", parent="B"), _entity("B", "Beta", parent=acme_code())), commit=True
    )
    assert plan.committed, [line.errors for line in plan.lines]
    assert Entity.objects.get(external_id="A").parent.external_id == "B"


def acme_code() -> str:
    return Entity.objects.get(parent__isnull=True).code


def test_people_link_existing_accounts_by_email_case_insensitively(in_acme, admin):
    jane = UserFactory(email="jane@example.test", full_name="Jane Original")
    plan = _import(in_acme, _csv(_person("P1", "JANE@Example.test", first_name="Janet")), commit=True)
    assert plan.committed and "Uses the existing account jane@example.test." in plan.lines[0].notes
    profile = MemberProfile.objects.get(external_id="P1")
    assert profile.user == jane and User.objects.filter(email__iexact="jane@example.test").count() == 1
    jane.refresh_from_db()
    assert jane.full_name == "Jane Original" and jane.has_usable_password()  # global accounts are not changed
    assert Membership.objects.get(user=jane, tenant=in_acme).status == "active"


def test_an_existing_member_without_external_id_is_linked(in_acme, admin):
    user = MembershipFactory(tenant=in_acme, user__email="sam@example.test").user
    profile = profile_ensure(user=user, acting_user=admin, job_title="Picker")
    plan = _import(in_acme, _csv(_person("P7", "sam@example.test", job_title="Lead picker")), commit=True)
    assert plan.committed and plan.lines[0].status == "update"
    profile.refresh_from_db()
    assert profile.external_id == "P7" and profile.job_title == "Lead picker"
    assert Membership.objects.filter(user=user).count() == 1


def test_csv_and_json_give_the_same_plan(in_acme):
    records = [
        _entity("G", "Group", "group"), _entity("D", "Dept", parent="G"),
        _person("P", "p@example.test", entities="D;G", job_title="Boss"), _person("Q", "q@example.test", manager="P"),
    ]  # fmt: skip
    document = {
        "entities": [{k: v for k, v in r.items() if k != "record"} for r in records[:2]],
        "people": [{**{k: v for k, v in records[2].items() if k != "record"}, "entity_external_id": ["D", "G"]},
                   {k: v for k, v in records[3].items() if k != "record"}],
        "reporting_lines": [], "assignments": [],
    }  # fmt: skip
    from_csv = _import(in_acme, _csv(*records))
    from_json = _import(in_acme, json.dumps(document), fmt="json")
    assert [(x.kind, x.external_id, x.status, x.messages) for x in from_csv.lines] == [
        (x.kind, x.external_id, x.status, x.messages) for x in from_json.lines
    ]
    assert _import(in_acme, json.dumps(document), fmt="json", commit=True).committed
    assert MemberProfile.objects.get(external_id="Q").manager.external_id == "P"


def test_existing_assignments_are_not_duplicated(in_acme, admin):
    assert _import(
        in_acme, _csv(_entity("D", "Dept"), _person("P", "p@example.test", entities="D")), commit=True
    ).committed
    profile = MemberProfile.objects.select_related("user").get(external_id="P")
    from apps.access.models import Role

    assignment_create(
        role=Role.objects.get(code="viewer"), user=profile.user, scope_entity=Entity.objects.get(external_id="D"),
        acting_user=admin,
    )  # fmt: skip
    plan = _import(
        in_acme, _csv({"record": "assignment", "external_id": "P", "role": "viewer", "scope_external_id": "D"})
    )
    assert plan.lines[0].status == "unchanged" and plan.lines[0].notes == ["Already assigned."]


def test_a_new_primary_entity_replaces_the_old_one(in_acme):
    assert _import(in_acme, _csv(_entity("A", "A"), _entity("B", "B"), _person("P", "p@example.test", entities="A;B")),
                   commit=True).committed  # fmt: skip
    plan = _import(in_acme, _csv(_person("P", "p@example.test", entities="B;A")), commit=True)
    assert plan.committed and "“B” becomes their primary entity." in plan.lines[0].notes
    primary = EntityMembership.objects.get(profile__external_id="P", is_primary=True)
    assert primary.entity.external_id == "B"


# --- Row errors ------------------------------------------------------------------------------------


ASSIGN = {"record": "assignment", "external_id": "P", "role": "viewer"}
PERSON_P = _person("P", "p@example.test")
ERROR_CASES = {
    "unknown record": ([{"record": "department", "external_id": "X"}], 2, "Unknown record “department”"),
    "no record": ([{"external_id": "X", "name": "Y"}], 2, "No record kind"),
    "unknown type": ([_entity("X", "Y", "division")], 2, "Unknown entity type “division”; the types are: "),
    "no type for a new entity": ([_entity("X", "Y", "")], 2, "“type” is required for a new entity."),
    "name missing": ([_entity("X", "")], 2, "“name” is required for entity rows."),
    "missing parent": ([_entity("X", "Y", parent="NOPE")], 2, "Parent “NOPE” is neither an entity of this file"),
    "own parent": ([_entity("X", "Y", parent="X")], 2, "An entity cannot be its own parent."),
    "parent cycle": (
        [_entity("A", "Alpha", parent="B"), _entity("B", "Beta", parent="A")], 2,
        "Parent cycle: “Alpha” → “Beta” → “Alpha”",
    ),
    "below a cycle": (
        [_entity("A", "Alpha", parent="B"), _entity("B", "Beta", parent="A"), _entity("C", "C", parent="A")], 4,
        "An entity above this one is in a parent cycle",
    ),
    "duplicate sibling in file": (
        [_entity("A", "Sales"), _entity("B", "sales")], 3, "Another entity named “sales” would be under “Acme” (row 2)",
    ),
    "duplicate external id": (
        [_entity("A", "One"), _entity("A", "Two")], 3, "External id “A” is already used by the entity on row 2.",
    ),
    "bad email": ([_person("P", "nobody-at-example")], 2, "“nobody-at-example” is not a valid email address."),
    "duplicate email": (
        [_person("P", "p@example.test"), _person("Q", "P@example.test")], 3,
        "p@example.test is already the email of the person on row 2.",
    ),
    "duplicate person id": (
        [_person("P", "p@example.test"), _person("P", "q@example.test")], 3,
        "External id “P” is already used by the person on row 2.",
    ),
    "unknown entity of a person": ([_person("P", "p@example.test", entities="NOPE")], 2, "Entity “NOPE” is neither"),
    "duplicate employee code": (
        [_person("P", "p@example.test", employee_code="E1"), _person("Q", "q@example.test", employee_code="E1")], 3,
        "Employee code “E1” already belongs to the person on row 2.",
    ),
    "unknown manager": ([_person("P", "p@example.test", manager="NOPE")], 2, "Manager “NOPE” is neither"),
    "own manager": ([_person("P", "p@example.test", manager="P")], 2, "A person cannot be their own manager."),
    "manager cycle": (
        [_person("P", "p@example.test", manager="Q"), _person("Q", "q@example.test"),
         {"record": "reporting_line", "external_id": "Q", "manager_external_id": "P"}], 2,
        "Manager cycle: p@example.test reports to q@example.test reports to p@example.test.",
    ),
    "conflicting reporting lines": (
        [_person("P", "p@example.test", manager="Q"), _person("Q", "q@example.test"), _person("R", "r@example.test"),
         {"record": "reporting_line", "external_id": "P", "manager_external_id": "R"}], 5,
        "Row 2 already gives p@example.test another manager (q@example.test).",
    ),
    "reporting line of nobody": (
        [{"record": "reporting_line", "external_id": "NOPE", "manager_external_id": "X"}], 2,
        "Person “NOPE” is neither",
    ),
    "unknown role": ([PERSON_P, {**ASSIGN, "role": "boss"}], 3, "Unknown role “boss”; the roles are: "),
    "scope not found": ([PERSON_P, {**ASSIGN, "scope_external_id": "NOPE"}], 3, "Scope “NOPE” is neither"),
    "two principals": ([{**ASSIGN, "entity_external_id": "X"}], 2, "Give the role to one principal"),
    "valid_until before valid_from": (
        [PERSON_P, {**ASSIGN, "valid_from": "2030-02-01", "valid_until": "2030-01-01"}], 3,
        "valid_until must be after valid_from.",
    ),
    "valid_until passed": ([PERSON_P, {**ASSIGN, "valid_until": "2020-01-01"}], 3, "valid_until has passed"),
    "bad date": ([PERSON_P, {**ASSIGN, "valid_from": "next week"}], 3, "valid_from “next week” is not a date"),
    "duplicate assignment": ([PERSON_P, ASSIGN, ASSIGN], 4, "The same assignment is already on row 3."),
}  # fmt: skip


@pytest.mark.parametrize("case", ERROR_CASES)
def test_each_error_has_a_clear_row_message(in_acme, case):
    records, row, message = ERROR_CASES[case]
    before = _snapshot()
    plan = _import(in_acme, _csv(*records), commit=True)
    assert not plan.committed
    assert any(m.startswith(message) for m in _line(plan, row).errors), _line(plan, row).errors
    assert _line(plan, row).status == "error"
    assert _snapshot() == before


def test_a_duplicate_sibling_name_against_an_existing_entity(in_acme, acme_root, admin):
    entity_create(
        name="Sales", entity_type=EntityType.objects.get(code="department"), parent=acme_root, acting_user=admin
    )
    plan = _import(in_acme, _csv(_entity("S", "SALES")))
    assert plan.lines[0].errors[0].startswith("Another entity named “SALES” would be under “Acme” (existing ENT-")


def test_moving_an_existing_entity_into_its_own_subtree_is_a_cycle(in_acme):
    assert _import(in_acme, _csv(_entity("A", "Alpha"), _entity("B", "Beta", parent="A")), commit=True).committed
    plan = _import(in_acme, _csv(_entity("A", "Alpha", parent=Entity.objects.get(external_id="B").code)))
    assert plan.lines[0].errors == ["Parent cycle: “Alpha” → “Beta” → “Alpha” (each would be inside the other)."]


def test_archived_entities_take_nobody_new(in_acme, acme_root, admin):
    old = entity_create(name="Old", entity_type=EntityType.objects.get(code="department"), parent=acme_root,
                        acting_user=admin, external_id="OLD")  # fmt: skip
    entity_status_change(entity=old, status="archived", acting_user=admin)
    plan = _import(in_acme, _csv(_entity("N", "New", parent="OLD"), _person("P", "p@example.test", entities="OLD")))
    assert plan.lines[0].errors == ["“Old” is archived: nothing new may be placed under it."]
    assert plan.lines[1].errors == ["“Old” is archived: nobody may join it."]


def test_an_external_id_keeps_its_email(in_acme):
    assert _import(in_acme, _csv(_person("P", "p@example.test")), commit=True).committed
    plan = _import(in_acme, _csv(_person("P", "other@example.test")))
    assert plan.lines[0].errors == [
        "External id “P” belongs to p@example.test in this organisation, not other@example.test; "
        "an import does not change email addresses."
    ]


def test_roles_go_only_to_active_members(in_acme, admin):
    assert _import(in_acme, _csv(_person("P", "p@example.test")), commit=True).committed
    Membership.objects.filter(user__email="p@example.test").update(status="suspended")
    plan = _import(in_acme, _csv(ASSIGN))
    assert plan.lines[0].errors == ["p@example.test cannot be given a role: their membership is suspended."]


# --- Plan limit ------------------------------------------------------------------------------------


def test_the_plan_user_limit_is_checked_in_the_dry_run(in_acme, acme_admin):
    used = Membership.objects.filter(tenant=in_acme, status__in=["active", "suspended"]).count()
    in_acme.max_users = used + 2
    in_acme.save(update_fields=["max_users"])
    plan = _import(in_acme, _csv(*[_person(f"P{n}", f"p{n}@example.test") for n in range(3)]), commit=True)
    assert not plan.committed
    assert plan.errors == [
        f"Acme may have {used + 2} users and has {used}; this import would add 3. "
        "Import fewer people or raise the plan's user limit."
    ]
    assert all(line.errors == ["Over the user limit: 2 seat(s) left for 3 new members."] for line in plan.lines)
    assert not MemberProfile.objects.filter(external_id__startswith="P").exists()
    assert _import(
        in_acme, _csv(_person("P0", "p0@example.test"), _person("P1", "p1@example.test")), commit=True
    ).committed


# --- The file --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "The file is empty."),
        ("kind,external_id\n", "Bad header: unknown column(s) 'kind'. Expected columns: record, external_id, name,"),
        ("external_id,name\n", "Bad header: no “record” column."),
    ],
)
def test_a_bad_csv_header_lists_the_expected_columns(text, message):
    with pytest.raises(ImportFileError) as exc:
        rows_from_csv(text)
    assert str(exc.value).startswith(message)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[]", "The JSON file must be an object with the lists entities, people, reporting_lines, assignments."),
        ('{"teams": []}', "Unknown key(s) 'teams'."),
        ("{", "The file is not valid JSON"),
        ('{"people": {}}', "“people” must be a list."),
    ],
)
def test_a_bad_json_document_is_refused(text, message):
    with pytest.raises(ImportFileError) as exc:
        rows_from_json(text)
    assert str(exc.value).startswith(message)


def test_json_items_are_checked_field_by_field():
    rows = rows_from_json('{"people": [{"external_id": "P", "mail": "x"}, "P2", {"external_id": {"a": 1}}]}')
    assert rows[0].problems == ["Unknown field “mail”."]
    assert rows[1].problems == ["Each item must be an object of column names and values."]
    assert rows[2].problems == ["“external_id” must be text (or a list of texts for entity_external_id)."]


def test_csv_rows_with_extra_cells_are_errors_and_blank_lines_are_skipped():
    rows = rows_from_csv("record,external_id\n\nentity,A,surplus\n,\n")
    assert len(rows) == 1 and rows[0].row == 3
    assert rows[0].problems == ["The row has more cells than the header has columns."]


def test_the_validation_reads_a_fixed_number_of_queries(in_acme, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        plan = _import(in_acme, DEMO.read_text())
    assert not plan.has_errors
