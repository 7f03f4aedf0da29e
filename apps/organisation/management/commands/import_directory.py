"""manage.py import_directory --tenant acme people.csv [--commit]: bulk import of a directory (docs/import.md)."""

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_tenants.utils import tenant_context

from apps.organisation.importing.formats import FORMATS, ImportFileError, format_for_name, rows_parse, text_decode
from apps.organisation.importing.progress import Progress, TextProgress
from apps.organisation.importing.report import report_csv, report_text, summary_text
from apps.organisation.importing.services import directory_import
from apps.tenancy.models import Tenant

IMPORTABLE_STATUSES = (Tenant.Status.ACTIVE, Tenant.Status.SUSPENDED)


class Command(BaseCommand):
    help = (
        "Import entities, people, reporting lines and role assignments from a CSV or JSON file into a "
        "tenant's directory. Dry run by default: prints what would change and writes nothing. With "
        "--commit, writes everything in one transaction, and only when no row has an error. Rows are "
        "matched by external id, so running the same file again changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The CSV or JSON file to import.")
        parser.add_argument("--tenant", required=True, help="The tenant's slug, e.g. acme.")
        parser.add_argument(
            "--commit", "--apply", action="store_true", dest="commit", help="Write the import (default: dry run)."
        )
        parser.add_argument("--format", choices=FORMATS, help="File format (default: from the file's extension).")
        parser.add_argument("--report", metavar="OUT.csv", help="Also write the report to this CSV file.")
        parser.add_argument(
            "--as", dest="acting_email", metavar="EMAIL",
            help="Record the changes (history, audit) as this user; default: the system.",
        )  # fmt: skip
        parser.add_argument("--no-progress", action="store_true", help="Do not draw progress bars.")

    def handle(self, *args: Any, **options: Any) -> None:
        tenant = self._tenant(options["tenant"])
        path = Path(options["file"])
        rows = self._rows(path, options["format"])
        acting_user = self._acting_user(options["acting_email"])
        progress: Progress = Progress()
        if not options["no_progress"]:
            progress = TextProgress(lambda text: self._progress_write(text))
        with tenant_context(tenant):
            plan = directory_import(
                rows=rows, tenant=tenant, acting_user=acting_user, commit=options["commit"], progress=progress,
                source=path.name,
            )  # fmt: skip
        for line in report_text(plan):
            self.stdout.write(line)
        for message in plan.errors:
            self.stdout.write(self.style.ERROR(message))
        if options["report"]:
            self._report_write(Path(options["report"]), report_csv(plan))
        self.stdout.write(f"{tenant.slug}: {summary_text(plan)}.")
        if plan.has_errors:
            raise CommandError(f"{plan.error_count} row(s) have errors; nothing was written.", returncode=1)
        if plan.committed:
            self.stdout.write(self.style.SUCCESS(f"Imported {path.name} into {tenant.name}."))
        else:
            self.stdout.write(self.style.WARNING("Dry run: nothing was written. Run again with --commit to import."))

    def _progress_write(self, text: str) -> None:
        self.stderr.write(text, style_func=lambda s: s, ending="")
        self.stderr.flush()

    def _tenant(self, slug: str) -> Tenant:
        tenant = Tenant.objects.filter(slug=slug, is_template=False).first()
        if tenant is None or tenant.is_public:
            raise CommandError(f"No tenant with the slug “{slug}”.")
        if tenant.status not in IMPORTABLE_STATUSES:
            raise CommandError(
                f"{tenant.name} is {tenant.get_status_display().lower()}: only active or suspended tenants import."
            )
        return tenant

    def _rows(self, path: Path, file_format: str | None) -> list:
        file_format = file_format or format_for_name(path.name)
        if file_format is None:
            raise CommandError(f"Cannot tell the format of {path.name}; name it .csv or .json, or pass --format.")
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror or exc}.") from None
        try:
            return rows_parse(text_decode(data), file_format)
        except ImportFileError as exc:
            raise CommandError(f"{path.name}: {exc}") from None

    def _acting_user(self, email: str | None) -> Any:
        if not email:
            return None
        user = get_user_model().objects.filter(email__iexact=email).first()
        if user is None:
            raise CommandError(f"No user with the email {email} (--as).")
        return user

    def _report_write(self, path: Path, text: str) -> None:
        try:
            path.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"Cannot write the report to {path}: {exc.strerror or exc}.") from None
        self.stdout.write(f"Report written to {path}.")
