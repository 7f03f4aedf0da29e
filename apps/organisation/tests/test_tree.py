"""The hierarchy's rules, refused by the services (a coded field error) and by the database itself
(an IntegrityError when code bypasses the services), and its one-query reads."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from apps.organisation.models import (
    ENTITY_CODE_PATTERN,
    PERSON_CODE_PATTERN,
    Entity,
    EntityType,
    MemberProfile,
)
from apps.organisation.services import entity_create, entity_move, profile_update

pytestmark = pytest.mark.django_db


def _code(exc: ValidationError, field: str) -> str:
    return exc.value.error_dict[field][0].code  # type: ignore[attr-defined]


def _refused_by_database(write) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        write()


# --- Orphans ------------------------------------------------------------------------------------


def test_a_second_root_is_refused_by_the_service(tree, acme_admin):
    with pytest.raises(ValidationError) as exc:
        entity_create(name="Rogue", entity_type=EntityType.objects.get(code="group"), parent=None,
                      acting_user=acme_admin)  # fmt: skip
    assert _code(exc, "parent") == "orphan"
    assert Entity.objects.filter(parent__isnull=True).count() == 1


def test_a_second_root_is_refused_by_the_database(tree):
    group = EntityType.objects.get(code="group")
    _refused_by_database(lambda: Entity.objects.create(name="Rogue", entity_type=group, parent=None))
    # Detaching an entity from its parent makes it a second root, too.
    _refused_by_database(lambda: Entity.objects.filter(pk=tree["sales"].pk).update(parent=None, parent_path=None))


def test_parent_and_parent_path_go_together(tree):
    # A parent without its path (or a stale path) is refused by the composite foreign key / check.
    _refused_by_database(lambda: Entity.objects.filter(pk=tree["north"].pk).update(parent_path=None))
    _refused_by_database(lambda: Entity.objects.filter(pk=tree["north"].pk).update(parent_path="/999999/"))


# --- Cycles -------------------------------------------------------------------------------------


def test_moving_an_entity_under_its_own_subtree_is_refused_by_the_service(tree, acme_admin):
    for new_parent in (tree["sales"], tree["north"]):
        with pytest.raises(ValidationError) as exc:
            entity_move(entity=tree["sales"] if new_parent != tree["sales"] else tree["operations"],
                        new_parent=new_parent, acting_user=acme_admin)  # fmt: skip
        assert _code(exc, "parent") == "cycle"
    with pytest.raises(ValidationError) as exc:
        entity_move(entity=tree["sales"], new_parent=tree["sales"], acting_user=acme_admin)
    assert _code(exc, "parent") == "cycle"


def test_a_cycle_is_refused_by_the_database_whatever_the_route(tree):
    sales, north = tree["sales"], tree["north"]
    # queryset.update of the parent alone: the composite foreign key refuses the stale parent_path.
    _refused_by_database(lambda: Entity.objects.filter(pk=sales.pk).update(parent=north))
    # ... and with the parent's path copied in too: the no-cycle check refuses it.
    _refused_by_database(lambda: Entity.objects.filter(pk=sales.pk).update(parent=north, parent_path=north.path))

    def raw_save():
        entity = Entity.objects.get(pk=sales.pk)
        entity.parent = north
        entity.save()  # save() reads north's fresh path, which contains sales' own id

    _refused_by_database(raw_save)
    assert Entity.objects.get(pk=sales.pk).parent_id == tree["operations"].pk


# --- Duplicate sibling names --------------------------------------------------------------------


def test_duplicate_sibling_names_are_refused_case_insensitively(tree, make_entity):
    with pytest.raises(ValidationError) as exc:
        make_entity("  sales north ", tree["sales"], "team")
    assert _code(exc, "name") == "duplicate_sibling"
    # The same name elsewhere in the tree is fine.
    assert make_entity("Sales North", tree["support"], "team").parent_id == tree["support"].pk


def test_duplicate_sibling_names_are_refused_by_the_database(tree):
    team = EntityType.objects.get(code="team")
    _refused_by_database(lambda: Entity.objects.create(name="SALES NORTH", entity_type=team, parent=tree["sales"]))


# --- Moves --------------------------------------------------------------------------------------


def test_moving_rechecks_names_root_and_archived_parents(tree, make_entity, acme_admin):
    make_entity("Sales North", tree["support"], "team")
    with pytest.raises(ValidationError) as exc:
        entity_move(entity=tree["north"], new_parent=tree["support"], acting_user=acme_admin)
    assert _code(exc, "name") == "duplicate_sibling"
    with pytest.raises(ValidationError) as exc:
        entity_move(entity=tree["root"], new_parent=tree["sales"], acting_user=acme_admin)
    assert _code(exc, "parent") == "root_move"
    archived = make_entity("Old", tree["root"], "group", status=Entity.Status.ARCHIVED)
    with pytest.raises(ValidationError) as exc:
        entity_move(entity=tree["south"], new_parent=archived, acting_user=acme_admin)
    assert _code(exc, "parent") == "archived_parent"


def test_a_move_rewrites_the_subtree_paths_in_one_statement(tree, make_entity, acme_admin):
    deep = make_entity("Key accounts", tree["north"], "team")
    with CaptureQueriesContext(connection) as queries:
        entity_move(entity=tree["sales"], new_parent=tree["support"], acting_user=acme_admin)
    updates = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('UPDATE "organisation_entity"')]
    assert len(updates) == 1
    sales = Entity.objects.get(pk=tree["sales"].pk)
    assert sales.path == f"{tree['support'].path}{sales.pk}/"
    for entity in (tree["north"], tree["south"], deep):
        refreshed = Entity.objects.get(pk=entity.pk)
        assert refreshed.path.startswith(sales.path) and refreshed.parent_path.startswith(sales.path)
    assert Entity.objects.get(pk=deep.pk).path == f"{sales.path}{tree['north'].pk}/{deep.pk}/"


def test_a_move_is_recorded_in_history_and_audit(tree, acme_admin):
    from apps.audit.models import AuditEvent

    entity_move(entity=tree["north"], new_parent=tree["support"], acting_user=acme_admin, reason="reorg")
    record = Entity.history.filter(id=tree["north"].pk).order_by("-history_id").first()
    assert record.parent_id == tree["support"].pk and record.history_user_id == acme_admin.pk
    assert record.history_change_reason == "reorg"
    event = AuditEvent.objects.filter(action="organisation.entity_moved", target_id=str(tree["north"].pk)).get()
    assert event.before["parent"] == tree["sales"].pk and event.after["parent"] == tree["support"].pk


# --- Reporting lines ----------------------------------------------------------------------------


@pytest.fixture
def chain(acme_schema, make_person):
    """boss ← middle ← worker (worker reports to middle, who reports to boss)."""
    boss = make_person("boss@acme.test")
    middle = make_person("middle@acme.test", manager=boss)
    worker = make_person("worker@acme.test", manager=middle)
    return boss, middle, worker


def test_a_reporting_line_cycle_is_refused_by_the_service(chain, acme_admin):
    boss, middle, worker = chain
    for manager in (worker, middle):
        with pytest.raises(ValidationError) as exc:
            profile_update(profile=boss, manager=manager, acting_user=acme_admin)
        assert _code(exc, "manager") == "cycle"
    with pytest.raises(ValidationError) as exc:
        profile_update(profile=worker, manager=worker, acting_user=acme_admin)
    assert _code(exc, "manager") == "cycle"


def test_a_reporting_line_cycle_is_refused_by_the_database(chain):
    boss, _, worker = chain
    worker.refresh_from_db()
    _refused_by_database(lambda: MemberProfile.objects.filter(pk=boss.pk).update(manager=worker))
    _refused_by_database(
        lambda: MemberProfile.objects.filter(pk=boss.pk).update(manager=worker, manager_path=worker.reporting_path)
    )

    def raw_save():
        profile = MemberProfile.objects.get(pk=boss.pk)
        profile.manager = worker
        profile.save()

    _refused_by_database(raw_save)


def test_changing_a_manager_rewrites_the_reporting_paths_below(chain, make_person, acme_admin):
    _, middle, worker = chain
    other = make_person("other@acme.test")
    profile_update(profile=middle, manager=other, acting_user=acme_admin)
    worker.refresh_from_db()
    assert worker.reporting_path == f"/{other.pk}/{middle.pk}/{worker.pk}/"


# --- Codes --------------------------------------------------------------------------------------


def test_codes_are_generated_in_their_format_and_checked(tree, make_person):
    person = make_person("coded@acme.test")
    assert ENTITY_CODE_PATTERN.match(tree["sales"].code) and PERSON_CODE_PATTERN.match(person.code)
    assert tree["sales"].code != tree["support"].code
    tree["sales"].code = "ENT-lower12"
    with pytest.raises(ValidationError) as exc:
        tree["sales"].full_clean(exclude=["parent_path"], validate_constraints=False)
    assert exc.value.error_dict["code"][0].code == "invalid_code"
    _refused_by_database(lambda: Entity.objects.filter(pk=tree["sales"].pk).update(code="PRS-ABCDEFGH"))
    _refused_by_database(lambda: MemberProfile.objects.filter(pk=person.pk).update(code="ENT-ABCDEFGH"))


# --- One query at any depth ---------------------------------------------------------------------


def test_subtree_and_ancestors_are_one_query_at_depth_twelve(acme_schema, acme_root, make_entity,
                                                             django_assert_num_queries):  # fmt: skip
    parent, chain = acme_root, []
    for level in range(12):
        parent = make_entity(f"Level {level}", parent, "team")
        chain.append(parent)
    deepest, top = chain[-1], chain[0]
    with django_assert_num_queries(1):
        subtree = list(Entity.objects.subtree_of(top))
    assert [e.pk for e in subtree] == [e.pk for e in chain]
    with django_assert_num_queries(1):
        ancestors = list(Entity.objects.ancestors_of(deepest).order_by("path"))
    assert [e.pk for e in ancestors] == [acme_root.pk] + [e.pk for e in chain[:-1]]
    assert deepest.depth == 12
