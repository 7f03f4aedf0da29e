"""manage.py import_directory: dry run by default, --commit writes, exit codes and messages."""

import csv
import json
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django_tenants.utils import tenant_context

from apps.organisation.models import Entity, MemberProfile

pytestmark = pytest.mark.django_db

DEMO = str(Path(settings.BASE_DIR, "fixtures", "demo_directory.csv"))


def _run(*args, **options):
    out, err = StringIO(), StringIO()
    call_command("import_directory", *args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def _people(tenant) -> int:
    with tenant_context(tenant):
        return MemberProfile.objects.count()


def test_dry_run_prints_the_report_and_writes_nothing(acme):
    out, err = _run(DEMO, tenant="acme")
    assert "OPS-WH-NIGHT" in out and "create" in out and "- New team “Night shift” under “Warehouse”." in out
    assert (
        "acme: entity: 5 create; person: 12 create; reporting_line: 11 create; assignment: 3 create; no errors." in out
    )
    assert "Dry run: nothing was written. Run again with --commit to import." in out
    assert "Validating [" in err and "100% (31/31)" in err
    assert _people(acme) == 0


def test_commit_imports_and_a_second_run_changes_nothing(acme, acme_admin):
    out, err = _run(DEMO, "--commit", "--as", acme_admin.email, tenant="acme")
    assert "Imported demo_directory.csv into Acme." in out and "Importing  [" in err
    assert _people(acme) == 12
    with tenant_context(acme):
        assert MemberProfile.objects.get(external_id="HR-1001").history.get().history_user == acme_admin
    out, _ = _run(DEMO, "--apply", tenant="acme")
    assert "entity: 5 unchanged; person: 12 unchanged; reporting_line: 11 unchanged; assignment: 3 unchanged" in out
    assert _people(acme) == 12


def test_row_errors_exit_with_1_and_write_nothing(acme, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("record,external_id,name,type\nentity,A,Alpha,division\nentity,B,Beta,team\n")
    with pytest.raises(CommandError) as exc:
        _run(str(path), "--commit", "--no-progress", tenant="acme", report=str(tmp_path / "report.csv"))
    assert exc.value.returncode == 1
    assert str(exc.value) == "1 row(s) have errors; nothing was written."
    with tenant_context(acme):
        assert not Entity.objects.filter(external_id__in=["A", "B"]).exists()
    report = list(csv.DictReader((tmp_path / "report.csv").open()))
    assert [(r["row"], r["status"]) for r in report] == [("2", "error"), ("3", "create")]
    assert report[0]["messages"].startswith("Unknown entity type “division”")


def test_json_by_extension_and_progress_can_be_turned_off(acme, tmp_path):
    path = tmp_path / "org.json"
    path.write_text(json.dumps({"entities": [{"external_id": "G", "name": "Group", "type": "group"}]}))
    out, err = _run(str(path), "--commit", "--no-progress", tenant="acme")
    assert "entity: 1 create" in out and err == ""
    with tenant_context(acme):
        assert Entity.objects.get(external_id="G").code.startswith("ENT-")


@pytest.mark.parametrize(
    ("args", "options", "message"),
    [
        ([DEMO], {"tenant": "nope"}, "No tenant with the slug “nope”."),
        (["/nonexistent/people.csv"], {"tenant": "acme"},
         "Cannot read /nonexistent/people.csv: No such file or directory."),
        (["people.xlsx"], {"tenant": "acme"},
         "Cannot tell the format of people.xlsx; name it .csv or .json, or pass --format."),
        ([DEMO], {"tenant": "acme", "acting_email": "ghost@example.test"},
         "No user with the email ghost@example.test (--as)."),
    ],
)  # fmt: skip
def test_clear_errors_for_tenant_file_and_user(acme, args, options, message):
    with pytest.raises(CommandError) as exc:
        _run(*args, **options)
    assert str(exc.value) == message and exc.value.returncode == 1


def test_a_bad_header_lists_the_expected_columns(acme, tmp_path):
    path = tmp_path / "people.csv"
    path.write_text("kind,id\nentity,A\n")
    with pytest.raises(CommandError) as exc:
        _run(str(path), tenant="acme")
    assert str(exc.value).startswith(
        "people.csv: Bad header: unknown column(s) 'kind', 'id'. Expected columns: record,"
    )


def test_the_template_tenant_is_not_a_target(template_tenant):
    with pytest.raises(CommandError, match="No tenant with the slug"):
        _run(DEMO, tenant=template_tenant.slug)


def test_an_archived_tenant_is_refused(acme):
    acme.status = "archived"
    acme.save(update_fields=["status"])
    with pytest.raises(CommandError) as exc:
        _run(DEMO, tenant="acme")
    assert str(exc.value) == "Acme is archived: only active or suspended tenants import."
