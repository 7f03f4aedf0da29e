"""Organisation services: every rule refused with a coded field error, every write audited and in history."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from apps.audit.models import AuditEvent
from apps.integrations.authentication import ApiKeyPrincipal
from apps.organisation.models import Certification, Entity, EntityMembership, EntityType, MemberProfile, Skill
from apps.organisation.services import (
    certification_add,
    certification_remove,
    certification_update,
    entity_delete,
    entity_membership_add,
    entity_membership_remove,
    entity_membership_set_primary,
    entity_status_change,
    entity_type_create,
    entity_type_delete,
    entity_type_update,
    entity_update,
    profile_create,
    profile_preferences_update,
    profile_update,
    skill_add,
    skill_remove,
    skill_update,
)
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def _code(exc, field: str) -> str:
    return exc.value.error_dict[field][0].code


def _audited(action: str, target) -> AuditEvent:
    return AuditEvent.objects.filter(action=action, target_id=str(target.pk)).latest("sequence")


# --- Entity types -------------------------------------------------------------------------------


def test_a_tenant_adds_renames_and_removes_its_own_type(acme_schema, acme_admin):
    region = entity_type_create(code="Region", name="Region", acting_user=acme_admin, position=50)
    assert (region.code, region.is_system) == ("region", False)
    assert _audited("organisation.entity_type_created", region).after["code"] == "region"
    region = entity_type_update(entity_type=region, name="Sales region", code="sales-region", acting_user=acme_admin)
    assert region.history.count() == 2 and region.history.latest().history_user_id == acme_admin.pk
    entity_type_delete(entity_type=region, acting_user=acme_admin)
    assert not EntityType.objects.filter(code="sales-region").exists()
    assert _audited("organisation.entity_type_deleted", region).before["name"] == "Sales region"


def test_type_codes_and_names_are_unique(acme_schema, acme_admin):
    with pytest.raises(ValidationError) as exc:
        entity_type_create(code="team", name="Squad", acting_user=acme_admin)
    assert _code(exc, "code") == "duplicate_code"
    with pytest.raises(ValidationError) as exc:
        entity_type_create(code="squad", name="TEAM", acting_user=acme_admin)
    assert _code(exc, "name") == "duplicate_name"
    with pytest.raises(ValidationError) as exc:
        entity_type_create(code="not a slug", name="Bad", acting_user=acme_admin)
    assert "code" in exc.value.error_dict


def test_system_types_keep_their_code_and_cannot_be_removed(acme_schema, acme_admin):
    team = EntityType.objects.get(code="team")
    with pytest.raises(ValidationError) as exc:
        entity_type_update(entity_type=team, code="squad", acting_user=acme_admin)
    assert _code(exc, "code") == "system_type"
    assert entity_type_update(entity_type=team, name="Squad", acting_user=acme_admin).name == "Squad"
    with pytest.raises(ValidationError) as exc:
        entity_type_delete(entity_type=team, acting_user=acme_admin)
    assert _code(exc, "entity_type") == "system_type"


def test_a_type_in_use_cannot_be_removed(acme_schema, acme_root, acme_admin, make_entity):
    store = entity_type_create(code="store", name="Store", acting_user=acme_admin)
    make_entity("Store 1", acme_root, "store")
    with pytest.raises(ValidationError) as exc:
        entity_type_delete(entity_type=store, acting_user=acme_admin)
    assert _code(exc, "entity_type") == "in_use"
    assert EntityType.objects.filter(pk=store.pk).exists()


# --- Entity status and deletion -----------------------------------------------------------------


def test_status_changes_are_audited_and_kept_in_history(tree, acme_admin):
    entity = entity_status_change(entity=tree["north"], status="inactive", acting_user=acme_admin, reason="paused")
    assert entity.status == "inactive"
    record = Entity.history.filter(id=entity.pk).latest("history_id")
    assert (record.status, record.history_change_reason, record.history_user_id) == ("inactive", "paused",
                                                                                      acme_admin.pk)  # fmt: skip
    event = _audited("organisation.entity_status_changed", entity)
    assert (event.before["status"], event.after["status"], event.after["reason"]) == ("active", "inactive", "paused")


def test_status_rules(tree, acme_admin):
    with pytest.raises(ValidationError) as exc:
        entity_status_change(entity=tree["root"], status="inactive", acting_user=acme_admin)
    assert _code(exc, "status") == "root_status"
    with pytest.raises(ValidationError) as exc:
        entity_status_change(entity=tree["sales"], status="archived", acting_user=acme_admin)
    assert _code(exc, "status") == "active_descendants"
    with pytest.raises(ValidationError) as exc:
        entity_status_change(entity=tree["sales"], status="closed", acting_user=acme_admin)
    assert _code(exc, "status") == "invalid_status"
    for team in ("north", "south"):
        entity_status_change(entity=tree[team], status="archived", acting_user=acme_admin)
    entity_status_change(entity=tree["sales"], status="archived", acting_user=acme_admin)
    with pytest.raises(ValidationError) as exc:
        entity_status_change(entity=tree["north"], status="active", acting_user=acme_admin)
    assert _code(exc, "status") == "archived_ancestor"
    # entity_update applies the same rules.
    with pytest.raises(ValidationError) as exc:
        entity_update(entity=tree["root"], status="archived", acting_user=acme_admin)
    assert _code(exc, "status") == "root_status"


def test_nothing_new_goes_under_an_archived_entity(tree, acme_admin, make_entity, make_person):
    person = make_person("p@acme.test")
    for team in ("north", "south"):
        entity_status_change(entity=tree[team], status="archived", acting_user=acme_admin)
    with pytest.raises(ValidationError) as exc:
        make_entity("Sales East", tree["north"], "team")
    assert _code(exc, "parent") == "archived_parent"
    with pytest.raises(ValidationError) as exc:
        entity_membership_add(profile=person, entity=tree["north"], acting_user=acme_admin)
    assert _code(exc, "entity") == "archived_entity"


def test_only_an_empty_entity_can_be_deleted(tree, acme_admin, make_person):
    with pytest.raises(ValidationError) as exc:
        entity_delete(entity=tree["root"], acting_user=acme_admin)
    assert _code(exc, "entity") == "root_delete"
    with pytest.raises(ValidationError) as exc:
        entity_delete(entity=tree["sales"], acting_user=acme_admin)
    assert _code(exc, "entity") == "has_children"
    make_person("p@acme.test", entity=tree["north"])
    with pytest.raises(ValidationError) as exc:
        entity_delete(entity=tree["north"], acting_user=acme_admin)
    assert _code(exc, "entity") == "has_members"
    entity_delete(entity=tree["south"], acting_user=acme_admin)
    assert not Entity.objects.filter(pk=tree["south"].pk).exists()
    assert Entity.history.filter(id=tree["south"].pk, history_type="-").exists()
    assert _audited("organisation.entity_deleted", tree["south"]).before["name"] == "Sales South"


# --- People -------------------------------------------------------------------------------------


def test_profile_create_needs_an_active_member_without_a_profile(tree, acme, globex, acme_admin):
    outsider = MembershipFactory(tenant=globex, user__email="g@globex.test").user
    with pytest.raises(ValidationError) as exc:
        profile_create(user=outsider, acting_user=acme_admin)
    assert _code(exc, "user") == "not_member"
    stranger = UserFactory(email="nobody@example.test")
    with pytest.raises(ValidationError) as exc:
        profile_create(user=stranger, acting_user=acme_admin)
    assert _code(exc, "user") == "not_member"
    user = MembershipFactory(tenant=acme, user__email="new@acme.test").user
    profile = profile_create(user=user, acting_user=acme_admin, entity=tree["north"], job_title="Rep")
    membership = EntityMembership.objects.get(profile=profile)
    assert (membership.entity_id, membership.is_primary, profile.job_title) == (tree["north"].pk, True, "Rep")
    assert _audited("organisation.profile_created", profile).after["job_title"] == "Rep"
    with pytest.raises(ValidationError) as exc:
        profile_create(user=user, acting_user=acme_admin)
    assert _code(exc, "user") == "profile_exists"


def test_employee_codes_are_unique_with_a_field_error(acme_schema, acme_admin, make_person):
    make_person("a@acme.test", employee_code="E-1")
    other = make_person("b@acme.test")
    with pytest.raises(ValidationError) as exc:
        profile_update(profile=other, employee_code="E-1", acting_user=acme_admin)
    assert _code(exc, "employee_code") == "duplicate_employee_code"
    with pytest.raises(ValidationError) as exc:
        profile_update(profile=other, status="retired", acting_user=acme_admin)
    assert _code(exc, "status") == "invalid_status"


def test_status_changes_of_people_are_audited(acme_schema, acme_admin, make_person):
    person = make_person("a@acme.test")
    profile_update(profile=person, status="on_leave", acting_user=acme_admin, reason="parental leave")
    record = person.history.latest("history_id")
    assert (record.status, record.history_change_reason) == ("on_leave", "parental leave")
    assert _audited("organisation.profile_updated", person).after["status"] == "on_leave"


def test_primary_entity_changes_keep_one_primary_and_history(tree, acme_admin, make_person):
    person = make_person("a@acme.test", entity=tree["north"])
    second = entity_membership_add(profile=person, entity=tree["support"], acting_user=acme_admin)
    entity_membership_set_primary(membership=second, acting_user=acme_admin)
    primaries = EntityMembership.objects.filter(profile=person, is_primary=True)
    assert list(primaries.values_list("entity_id", flat=True)) == [tree["support"].pk]
    first = EntityMembership.objects.get(profile=person, entity=tree["north"])
    assert first.history.latest("history_id").history_change_reason == "primary entity changed"
    # Adding a new primary membership clears the old one, with history too.
    entity_membership_add(profile=person, entity=tree["south"], acting_user=acme_admin, is_primary=True)
    assert list(primaries.values_list("entity_id", flat=True)) == [tree["south"].pk]
    first_pk = first.pk
    entity_membership_remove(membership=first, acting_user=acme_admin, reason="moved team")
    assert EntityMembership.history.filter(id=first_pk, history_type="-").get().history_change_reason == "moved team"


# --- Skills -------------------------------------------------------------------------------------


def test_skills_add_update_remove(acme_schema, acme_admin, make_person):
    person = make_person("a@acme.test")
    skill = skill_add(profile=person, name=" Negotiation ", level=3, acting_user=acme_admin)
    assert (skill.name, skill.level) == ("Negotiation", 3)
    assert _audited("organisation.skill_added", skill).after == {"profile": person.pk, "name": "Negotiation",
                                                                 "level": 3}  # fmt: skip
    skill = skill_update(skill=skill, level=5, acting_user=acme_admin)
    assert skill.level == 5 and skill.history.count() == 2
    assert _audited("organisation.skill_updated", skill).before["level"] == 3
    skill_pk = skill.pk
    skill_remove(skill=skill, acting_user=acme_admin)
    assert not Skill.objects.filter(pk=skill_pk).exists()
    assert Skill.history.filter(id=skill_pk, history_type="-").get().history_user_id == acme_admin.pk


def test_skill_rules(acme_schema, acme_admin, make_person):
    person = make_person("a@acme.test")
    skill = skill_add(profile=person, name="Excel", acting_user=acme_admin)
    with pytest.raises(ValidationError) as exc:
        skill_add(profile=person, name="EXCEL", acting_user=acme_admin)
    assert _code(exc, "name") == "duplicate_skill"
    for level in (0, 6, "3"):
        with pytest.raises(ValidationError) as exc:
            skill_update(skill=skill, level=level, acting_user=acme_admin)
        assert _code(exc, "level") == "invalid_level"
    other = skill_add(profile=person, name="Word", acting_user=acme_admin)
    with pytest.raises(ValidationError) as exc:
        skill_update(skill=other, name="excel", acting_user=acme_admin)
    assert _code(exc, "name") == "duplicate_skill"
    # Another person may have the same skill.
    assert skill_add(profile=make_person("b@acme.test"), name="Excel", acting_user=acme_admin).pk


# --- Certifications -----------------------------------------------------------------------------


def test_certifications_add_update_remove(acme_schema, acme_admin, make_person):
    person = make_person("a@acme.test")
    issued = datetime.date(2025, 1, 1)
    cert = certification_add(profile=person, name="First aid", issuer="Red Cross", issued_on=issued,
                             expires_on=datetime.date(2027, 1, 1), acting_user=acme_admin)  # fmt: skip
    assert _audited("organisation.certification_added", cert).after["expires_on"] == "2027-01-01"
    cert = certification_update(certification=cert, expires_on=datetime.date(2028, 1, 1), acting_user=acme_admin)
    assert cert.expires_on == datetime.date(2028, 1, 1) and cert.history.count() == 2
    cert_pk = cert.pk
    certification_remove(certification=cert, acting_user=acme_admin)
    assert not Certification.objects.filter(pk=cert_pk).exists()
    event = AuditEvent.objects.get(action="organisation.certification_removed", target_id=str(cert_pk))
    assert event.before["name"] == "First aid"


def test_a_certification_cannot_expire_before_it_was_issued(acme_schema, acme_admin, make_person):
    person = make_person("a@acme.test")
    with pytest.raises(ValidationError) as exc:
        certification_add(profile=person, name="Forklift", issued_on=datetime.date(2025, 6, 1),
                          expires_on=datetime.date(2025, 5, 1), acting_user=acme_admin)  # fmt: skip
    assert _code(exc, "expires_on") == "expires_before_issue"
    cert = certification_add(profile=person, name="Forklift", issued_on=datetime.date(2025, 6, 1),
                             acting_user=acme_admin)  # fmt: skip
    with pytest.raises(ValidationError) as exc:
        certification_update(certification=cert, expires_on=datetime.date(2024, 1, 1), acting_user=acme_admin)
    assert _code(exc, "expires_on") == "expires_before_issue"
    # The database refuses it too.
    with pytest.raises(IntegrityError), transaction.atomic():
        Certification.objects.filter(pk=cert.pk).update(expires_on=datetime.date(2024, 1, 1))


# --- Preferences --------------------------------------------------------------------------------


def test_preferences_merge_clear_and_replace(acme_schema, acme_admin, make_person):
    person = make_person("a@acme.test")
    person = profile_preferences_update(
        profile=person, preferences={"language": "fr", "time_zone": "Australia/Sydney"}, acting_user=acme_admin
    )
    person = profile_preferences_update(
        profile=person, preferences={"notifications": {"email": False}, "language": None}, acting_user=acme_admin
    )
    assert person.preferences == {"time_zone": "Australia/Sydney", "notifications": {"email": False}}
    event = _audited("organisation.preferences_updated", person)
    assert event.before["preferences"]["language"] == "fr"
    person = profile_preferences_update(profile=person, preferences={"language": "de"}, replace=True,
                                        acting_user=acme_admin)  # fmt: skip
    assert person.preferences == {"language": "de"}
    assert MemberProfile.history.filter(id=person.pk, history_change_reason="preferences").count() == 3


@pytest.mark.parametrize(
    ("preferences", "code"),
    [
        ({"colour": "blue"}, "unknown_preference"),
        ({"language": "xx-nope"}, "invalid_language"),
        ({"time_zone": "Mars/Olympus"}, "invalid_time_zone"),
        ({"notifications": {"email": "yes"}}, "invalid_notifications"),
        ({"notifications": {"pigeon": True}}, "invalid_notifications"),
        (["language"], "invalid_preferences"),
    ],
)
def test_preferences_are_checked(acme_schema, acme_admin, make_person, preferences, code):
    person = make_person("a@acme.test")
    with pytest.raises(ValidationError) as exc:
        profile_preferences_update(profile=person, preferences=preferences, acting_user=acme_admin)
    assert _code(exc, "preferences") == code


# --- Acting as an API key -----------------------------------------------------------------------


def test_an_api_key_acting_leaves_history_without_a_user_and_audits_the_key(tree, acme_key):
    api_key, _ = acme_key(["organisation:write"])
    principal = ApiKeyPrincipal(api_key)
    entity = entity_update(entity=tree["north"], description="Key-managed", acting_user=principal)
    assert Entity.history.filter(id=entity.pk).latest("history_id").history_user_id is None
    event = _audited("organisation.entity_updated", entity)
    assert event.actor_id is None


# --- Demo data ----------------------------------------------------------------------------------


def test_the_demo_seed_builds_the_tree_and_profiles_idempotently(acme_schema, acme_root, acme_admin, acme_member):
    from apps.organisation.demo import organisation_demo_seed

    made = organisation_demo_seed(acting_user=acme_admin)
    assert made["entities"] == 5 and made["profiles"] >= 2
    paths = {e.name: e for e in Entity.objects.subtree_of(acme_root)}
    assert paths["Sales North"].parent_id == paths["Sales"].pk == paths["Sales South"].parent_id
    assert paths["Sales"].parent_id == paths["Operations"].pk == paths["Support"].parent_id
    assert paths["Operations"].parent_id == acme_root.pk
    assert MemberProfile.objects.filter(user__in=[acme_admin, acme_member]).count() == 2
    assert organisation_demo_seed(acting_user=acme_admin) == {"entities": 0, "profiles": 0}
