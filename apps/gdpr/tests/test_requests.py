"""GDPR requests: export across every schema, erasure leaving no personal data, legal holds, overdue flag."""

import io
import json
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.audit.models import AuditEvent, PiiVault
from apps.audit.pseudonyms import ERASED, pii_reveal
from apps.audit.selectors import audit_chain_verify, audit_chains
from apps.billing.invoices import invoice_issue_for_period
from apps.gdpr.models import ConsentRecord, GdprRequest
from apps.gdpr.runner import gdpr_request_run
from apps.gdpr.services import gdpr_overdue_flag, gdpr_request_create, gdpr_request_reject
from apps.organisation.models import MemberProfile

from .conftest import EMAIL, IP, NAME, database_hits

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def export_root(tmp_path, settings):
    settings.GDPR_EXPORT_ROOT = str(tmp_path / "gdpr")
    return tmp_path / "gdpr"


def _run(request: GdprRequest) -> GdprRequest:
    gdpr_request_run(request_id=request.pk)
    request.refresh_from_db()
    return request


def test_request_gets_a_number_a_one_month_due_date_and_an_audit_event(person, platform_superuser):
    request = gdpr_request_create(subject=person, kind="access", acting_user=platform_superuser, enqueue=False)
    assert request.number.startswith("GDPR-") and request.status == "received"
    # One calendar month (GDPR art. 12(3); GDPR_REQUEST_DUE_MONTHS): 28 to 31 days.
    assert request.due_at == request.requested_at + relativedelta(months=1)
    assert timedelta(days=28) <= request.due_at - request.requested_at <= timedelta(days=31)
    event = AuditEvent.objects.filter(action="gdpr.request_received", target_id=str(request.pk)).get()
    assert event.after["kind"] == "access"
    assert request.history.count() == 1


def test_duplicate_open_request_is_refused(person, platform_superuser):
    gdpr_request_create(subject=person, kind="access", acting_user=platform_superuser, enqueue=False)
    with pytest.raises(ValidationError, match="already has an open access request"):
        gdpr_request_create(subject=person, kind="access", acting_user=platform_superuser, enqueue=False)


def test_export_contains_public_and_both_tenant_schemas(person, platform_superuser, acme, globex):
    request = _run(gdpr_request_create(subject=person, kind="access", acting_user=platform_superuser, enqueue=False))
    assert request.status == "completed" and request.progress == 100 and request.download_ready
    path = Path(request.result_path)
    assert path.exists()
    import hashlib

    assert hashlib.sha256(path.read_bytes()).hexdigest() == request.result_checksum
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        manifest = json.loads(archive.read("manifest.json"))
        for name, meta in manifest["files"].items():
            assert hashlib.sha256(archive.read(name)).hexdigest() == meta["sha256"]
        user_rows = json.loads(archive.read("public/accounts.user.json"))
        acme_profiles = json.loads(archive.read(f"tenants/{acme.slug}/organisation.memberprofile.json"))
        globex_profiles = json.loads(archive.read(f"tenants/{globex.slug}/organisation.memberprofile.json"))
        audit_rows = json.loads(archive.read("public/audit.auditevent.json"))
        everything = " ".join(archive.read(n).decode() for n in names)
    assert {"acme", "globex"} <= set(manifest["schemas"])
    assert user_rows[0]["email"] == EMAIL and "password" not in user_rows[0]
    assert acme_profiles[0]["job_title"] == "Acme widget engineer"
    assert globex_profiles[0]["job_title"] == "Globex gizmo lead"
    assert f"tenants/{acme.slug}/organisation.skill.json" in names
    assert f"tenants/{globex.slug}/organisation.skill.json" in names
    assert {"public/security.authevent.json", "public/emails.emaildelivery.json"} <= names
    assert "public/invitations.invitation.json" in names and "public/accounts.membership.json" in names
    # Audit events where they are the actor, pseudonyms resolved for the person.
    assert any(row["action"] == "test.person_login" and row["ip_pseudonym"] == IP for row in audit_rows)
    assert "ErinBrowser" in everything and "erin-session-key-0001" not in everything  # metadata, never secrets
    assert "pbkdf2" not in everything and "md5$" not in everything


def test_audit_personal_values_are_pseudonyms_resolved_through_the_vault(person):
    event = AuditEvent.objects.filter(action="test.person_changed").get()
    assert event.hash_version == 2 and event.ip_address is None
    assert event.after["email"].startswith("pii:") and event.after["full_name"].startswith("pii:")
    assert event.after["note"].startswith("contact pii:")  # an address inside free text too
    assert pii_reveal(event.after) == {"email": EMAIL, "full_name": NAME, "note": "contact " + EMAIL}
    assert EMAIL not in json.dumps([event.before, event.after, event.user_agent, event.ip_pseudonym])
    assert pii_reveal(event.after["email"]) == EMAIL and pii_reveal(event.ip_pseudonym) == IP
    assert audit_chain_verify(event.chain)[1] is None


def test_erasure_leaves_no_personal_data_anywhere_and_the_audit_chain_verifies(
    person, platform_superuser, acme, globex
):
    assert database_hits(EMAIL, NAME)  # the scan finds the data before
    event = AuditEvent.objects.filter(action="test.person_changed").get()
    request = _run(gdpr_request_create(subject=person, kind="erasure", acting_user=platform_superuser, enqueue=False))
    assert request.status == "completed", request.error
    assert database_hits(EMAIL, NAME, IP, "ErinBrowser") == []
    person.refresh_from_db()
    assert person.email == f"erased-{person.pk}@invalid" and person.full_name == "" and not person.is_active
    assert not person.has_usable_password()
    assert not PiiVault.objects.filter(subject_id=person.pk).exists()
    assert pii_reveal(event.after["email"]) == ERASED  # only the pseudonym remains
    # Every chain the person's events are in (tests/test_audit.py leaves a forged chain behind on purpose,
    # so "every chain of the database" is not a stable assertion with --reuse-db).
    for chain in ("platform", str(acme.pk), str(globex.pk)):
        assert chain in audit_chains() and audit_chain_verify(chain)[1] is None, chain
        call_command("audit_verify", chain=chain, stdout=io.StringIO())
    assert GdprRequest.objects.filter(pk=request.pk).exists()  # the request itself is kept
    assert AuditEvent.objects.filter(action="gdpr.request_completed", target_id=str(request.pk)).exists()


def test_erasure_keeps_other_people_and_tenant_rows(person, acme_admin, acme):
    request = gdpr_request_create(subject=person, kind="erasure", acting_user=None, enqueue=False)
    _run(request)
    acme_admin.refresh_from_db()
    assert acme_admin.email == "admin@acme.test"
    with schema_context(acme.schema_name):
        assert MemberProfile.objects.filter(user=person).exists()  # the row stays (references remain valid)


def test_erasure_is_refused_while_the_person_is_billing_contact_of_unpaid_invoices(
    person, acme_subscription, platform_superuser
):
    from apps.gdpr.tests.conftest import EMAIL as email

    acme = acme_subscription.tenant
    acme.billing_email = email
    acme.save(update_fields=["billing_email"])
    now = timezone.now()
    invoice = invoice_issue_for_period(
        subscription=acme_subscription, period_start=now - timedelta(days=30), period_end=now, now=now
    )[0]
    assert invoice.status in ("open", "uncollectible")
    before = GdprRequest.objects.count()
    with pytest.raises(ValidationError, match="billing contact of Acme"):
        gdpr_request_create(subject=person, kind="erasure", acting_user=platform_superuser, enqueue=False)
    assert GdprRequest.objects.count() == before
    assert User.objects.get(pk=person.pk).email == email  # nothing written


def test_reject_needs_a_reason_and_is_audited(person, platform_superuser):
    request = gdpr_request_create(subject=person, kind="access", acting_user=platform_superuser, enqueue=False)
    with pytest.raises(ValidationError):
        gdpr_request_reject(request=request, reason=" ", acting_user=platform_superuser)
    request = gdpr_request_reject(request=request, reason="Identity not verified", acting_user=platform_superuser)
    assert request.status == "rejected"
    assert AuditEvent.objects.filter(action="gdpr.request_rejected", target_id=str(request.pk)).exists()


def test_overdue_requests_are_flagged_in_one_update(person, platform_superuser, django_assert_num_queries):
    request = gdpr_request_create(subject=person, kind="rectification", acting_user=None, notes="Fix my title")
    GdprRequest.objects.filter(pk=request.pk).update(due_at=timezone.now() - timedelta(days=1))
    with django_assert_num_queries(1):
        assert gdpr_overdue_flag() == 1
    request.refresh_from_db()
    assert request.overdue and request.is_overdue


def test_creating_a_request_queues_the_task_on_commit(person, monkeypatch, django_capture_on_commit_callbacks):
    from apps.gdpr import tasks

    queued = []
    monkeypatch.setattr(tasks.run_request, "delay", lambda pk: queued.append(pk))
    with django_capture_on_commit_callbacks(execute=True):
        request = gdpr_request_create(subject=person, kind="access", acting_user=None)
    assert queued == [request.pk]


def test_tasks_run_the_request_and_flag_overdue(person):
    from apps.gdpr import tasks

    request = gdpr_request_create(subject=person, kind="access", acting_user=None, enqueue=False)
    assert tasks.run_request(request.pk)["completed"] is True
    assert tasks.run_request(request.pk) == {"skipped": True}  # a duplicate delivery does nothing
    late = gdpr_request_create(subject=person, kind="rectification", acting_user=None, notes="Title", enqueue=False)
    GdprRequest.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(hours=1))
    assert tasks.flag_overdue() == {"overdue": 1, "archives_expired": 0}


def test_expired_export_archives_are_deleted_and_the_request_keeps_its_record(person):
    from pathlib import Path

    from apps.gdpr import tasks

    request = gdpr_request_create(subject=person, kind="access", acting_user=None, enqueue=False)
    tasks.run_request(request.pk)
    request.refresh_from_db()
    archive = Path(request.result_path)
    assert archive.exists() and request.download_ready
    GdprRequest.objects.filter(pk=request.pk).update(result_expires_at=timezone.now() - timedelta(minutes=1))
    assert tasks.flag_overdue()["archives_expired"] == 1
    request.refresh_from_db()
    assert not archive.exists() and request.result_path == "" and request.result_checksum  # the record stays
    assert not request.download_ready
    assert tasks.flag_overdue()["archives_expired"] == 0


def test_a_legal_hold_found_at_run_time_rejects_the_erasure(person, monkeypatch):
    from apps.gdpr import erasure

    request = gdpr_request_create(subject=person, kind="erasure", acting_user=None, enqueue=False)
    monkeypatch.setattr(erasure, "legal_holds", lambda user: ["they are the billing contact of Acme"])
    request = _run(request)
    assert request.status == "rejected" and "billing contact" in request.rejection_reason
    assert User.objects.get(pk=person.pk).email == EMAIL  # nothing erased


def test_demo_seed_is_idempotent(acme):
    from apps.gdpr.demo import DEMO_EMAIL, demo_seed
    from tests.factories import MembershipFactory

    MembershipFactory(tenant=acme, user__email=DEMO_EMAIL)
    demo_seed()
    demo_seed()
    request = GdprRequest.objects.get(subject__email=DEMO_EMAIL)
    assert request.status == "completed" and request.download_ready
    assert ConsentRecord.objects.filter(user__email=DEMO_EMAIL).count() == 2
