"""The import report as text (management command) and CSV (--report, portal download)."""

import csv
import io

from .validation import ImportPlan, Status

REPORT_COLUMNS = ("row", "record", "external_id", "status", "messages")


def _cell(value: str) -> str:
    # The file's own values come back in the report: keep spreadsheets from running them as formulas.
    return f"'{value}" if value[:1] in ("=", "+", "-", "@") else value


def report_csv(plan: ImportPlan) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(REPORT_COLUMNS)
    for line in plan.lines:
        writer.writerow([line.row, _cell(line.kind), _cell(line.external_id), line.status, " | ".join(line.messages)])
    for message in plan.errors:
        writer.writerow(["", "", "", Status.ERROR, message])
    return out.getvalue()


def report_text(plan: ImportPlan) -> list[str]:
    """One line per row, then its messages indented; errors first."""
    lines = [f"{'Row':>5}  {'Record':<15} {'External id':<20} Status"]
    for line in plan.lines:
        lines.append(f"{line.row:>5}  {line.kind[:15]:<15} {line.external_id[:20]:<20} {line.status}")
        lines += [f"{'':>7}- {message}" for message in line.messages]
    return lines


def summary_text(plan: ImportPlan) -> str:
    """`entity: 3 create, 1 update; person: 12 create; ...; 2 errors`."""
    parts = []
    for kind, counts in plan.counts_by_kind().items():
        shown = [f"{count} {status}" for status, count in counts.items() if count and status != Status.ERROR]
        if shown:
            parts.append(f"{kind}: {', '.join(shown)}")
    errors = plan.error_count
    parts.append(f"{errors} row(s) with errors" if errors else "no errors")
    return "; ".join(parts)
