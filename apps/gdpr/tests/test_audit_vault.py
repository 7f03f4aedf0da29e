"""The audit pseudonym vault: personal values are pseudonyms, old (version 1) rows still verify."""

import uuid
from types import SimpleNamespace

import pytest
from django.utils import timezone

from apps.audit.bulk import PendingAuditEvent, audit_record_many
from apps.audit.hashing import GENESIS_HASH, compute_hash
from apps.audit.models import AuditEvent, PiiVault
from apps.audit.pseudonyms import ERASED, pii_reveal, pii_reveal_many, pii_vault_erase, pseudonym_for
from apps.audit.selectors import audit_chain_verify
from apps.audit.services import audit_record

pytestmark = pytest.mark.django_db


def _chain():
    return SimpleNamespace(pk=uuid.uuid4())


def test_version_1_rows_written_before_the_vault_still_verify_between_version_2_rows(acme_admin):
    tenant = _chain()
    legacy = AuditEvent(
        chain=str(tenant.pk), sequence=1, tenant_id=None, actor_id=None, actor_label="system", action="legacy.row",
        after={"email": "raw@example.test"}, ip_address="198.51.100.1", user_agent="Old/1.0",
        correlation_id="", created_at=timezone.now(), prev_hash=GENESIS_HASH, hash_version=1,
    )  # fmt: skip
    legacy.hash = compute_hash(legacy, legacy.prev_hash)
    legacy.save(force_insert=True)
    new = audit_record(action="new.row", tenant=tenant, acting_user=acme_admin, ip_address="198.51.100.2",
                       user_agent="New/2.0", after={"email": "raw@example.test"})  # fmt: skip
    assert new.hash_version == 2 and new.prev_hash == legacy.hash
    assert audit_chain_verify(str(tenant.pk)) == (2, None)


def test_a_changed_pseudonym_breaks_the_chain(acme_admin):
    tenant = _chain()
    event = audit_record(action="x", tenant=tenant, acting_user=acme_admin, ip_address="198.51.100.3")
    event.ip_pseudonym = pseudonym_for("198.51.100.4", acme_admin.pk)
    assert compute_hash(event, event.prev_hash) != event.hash


def test_pseudonyms_are_stable_per_subject_and_stored_once(acme_admin, acme_member):
    tenant = _chain()
    one = audit_record(action="a", tenant=tenant, target=acme_member, after={"email": acme_member.email})
    two = audit_record(action="b", tenant=tenant, target=acme_member, after={"email": acme_member.email})
    other = audit_record(action="c", tenant=tenant, target=acme_admin, after={"email": acme_member.email})
    assert one.after["email"] == two.after["email"] != other.after["email"]  # keyed to the subject
    assert PiiVault.objects.filter(pseudonym=one.after["email"], subject_id=acme_member.pk).count() == 1
    assert pii_reveal_many(one.after, other.after) == [{"email": acme_member.email}, {"email": acme_member.email}]


def test_events_without_personal_values_write_no_vault_row(django_assert_num_queries):
    tenant = _chain()
    before = PiiVault.objects.count()
    audit_record(action="plain", tenant=tenant, after={"status": "active", "count": 3})
    assert PiiVault.objects.count() == before


def test_vault_erase_leaves_only_the_pseudonym(acme_member):
    tenant = _chain()
    event = audit_record(action="a", tenant=tenant, target=acme_member, after={"full_name": "Pat Example"})
    assert pii_reveal(event.after["full_name"]) == "Pat Example"
    assert pii_vault_erase(subject_id=acme_member.pk, values=["Pat Example"]) >= 1
    assert pii_reveal(event.after["full_name"]) == ERASED
    assert audit_chain_verify(str(tenant.pk)) == (1, None)


def test_bulk_writes_pseudonymise_too(acme_member):
    tenant = _chain()
    (event,) = audit_record_many(
        [PendingAuditEvent(action="bulk", tenant=tenant, target=acme_member, after={"email": acme_member.email})]
    )
    assert event.hash_version == 2 and event.after["email"].startswith("pii:")
    assert pii_reveal(event.after["email"]) == acme_member.email
    assert audit_chain_verify(str(tenant.pk)) == (1, None)


def test_audit_admin_shows_resolved_values_to_staff(platform_client, platform_superuser, acme_member):
    event = audit_record(action="shown", tenant=_chain(), target=acme_member, after={"email": acme_member.email})
    platform_client.force_login(platform_superuser)
    page = platform_client.get(f"/admin/audit/auditevent/{event.pk}/change/").content.decode()
    assert acme_member.email in page
