"""What attendance adds: the attendance pages (board, records, exceptions, corrections, overtime) and
API, the correction and overtime approval kinds, events and notices, history, beat tasks, demo data."""

from apps.core.contributions import (
    ApprovalKind,
    DemoStep,
    Hook,
    MenuEntry,
    Notice,
    PeriodicTask,
    PortalHomeBlock,
    PortalUrls,
    TenantApiUrls,
    TimelineSource,
    WebhookEventType,
    contribute,
)
from apps.timeline.sources import tenant_schema_history

contribute(
    ApprovalKind(
        "attendance.correction", "Attendance correction", subject_model="attendance.AttendanceCorrection",
        on_decision="apps.attendance.approval.correction_on_decision",
        subject_fields="apps.attendance.approval.correction_fields",
        fields=(("date", "date"), ("punch_count", "int"), ("for_someone_else", "bool")),
        describe="apps.attendance.approval.correction_describe", sample="apps.attendance.approval.correction_sample",
        url_name="attendance:correction", order=30,
    ),
    ApprovalKind(
        "attendance.overtime", "Overtime", subject_model="attendance.OvertimeRecord",
        on_decision="apps.attendance.approval.overtime_on_decision",
        subject_fields="apps.attendance.approval.overtime_fields",
        fields=(("minutes", "int"), ("reason", "str"), ("multiplier", "decimal"), ("date", "date")),
        describe="apps.attendance.approval.overtime_describe", sample="apps.attendance.approval.overtime_sample",
        order=31,
    ),
    PortalUrls("manage/attendance/", "apps.attendance.portal.urls", order=120),
    MenuEntry("Attendance", "attendance:board", order=33, group="Workforce", solution="attendance"),
    MenuEntry("Overtime", "attendance:overtime", order=34, group="Workforce", solution="attendance"),
    PortalHomeBlock("attendance", "portal/home/attendance.html", "apps.attendance.portal.home.home_context",
                    admin_only=False, order=70),
    TenantApiUrls("apps.attendance.api.urls", prefix="attendance/", order=92),
    WebhookEventType("attendance.late", "A rostered person has not clocked in after their shift's grace.",
                     sample_payload="apps.attendance.payloads.late_sample", order=230),
    WebhookEventType("attendance.correction_decided", "A correction of a day's punches was approved or rejected.",
                     sample_payload="apps.attendance.payloads.correction_sample", order=231),
    WebhookEventType("overtime.approved", "An overtime record was approved for payroll.",
                     sample_payload="apps.attendance.payloads.overtime_sample", order=232),
    TimelineSource(tenant_schema_history("attendance.HistoricalAttendanceCorrection"), order=195),
    TimelineSource(tenant_schema_history("attendance.HistoricalOvertimeRecord"), order=196),
    TimelineSource(tenant_schema_history("attendance.HistoricalOvertimeRule"), order=197),
    Notice(
        "attendance.late", "attendance", "apps.attendance.notices.person_and_manager",
        title="Late: {{ workplace_name|default:workplace }} shift started {{ minutes_late }} min ago",
        body="The shift at {{ workplace_name|default:workplace }} started at {{ starts_at }} and nobody has "
             "clocked in yet ({{ minutes_late }} minutes).",
        url="apps.attendance.notices.board_url", description="Tells the person and their manager once per shift.",
    ),
    Notice(
        "attendance.correction_decided", "attendance", "apps.attendance.notices.person",
        title="Attendance correction {{ status }}: {{ date }}",
        body="The correction of your punches on {{ date }} was {{ status }}."
             "{% if decision_reason %} Reason: {{ decision_reason }}{% endif %}",
        url="apps.attendance.notices.corrections_url", description="Tells the person the outcome.",
    ),
    Notice(
        "overtime.approved", "attendance", "apps.attendance.notices.person",
        title="Overtime approved: {{ minutes }} min on {{ date }}",
        body="Your {{ minutes }} minutes of overtime on {{ date }} (x{{ multiplier }}) were approved.",
        url="apps.attendance.notices.overtime_url", description="Tells the person their overtime was approved.",
    ),
    PeriodicTask("attendance.compute_records", "attendance.compute_records", interval=(15, "minutes"),
                 description="Attendance records of yesterday and today, and their weeks' overtime."),
    PeriodicTask("attendance.detect_late", "attendance.detect_late", interval=(5, "minutes"),
                 description="Tells a person and their manager once when a shift started with no clock-in."),
    DemoStep("attendance", "apps.attendance.demo.demo_seed", order=64),
)  # fmt: skip

contribute(Hook("gdpr.person_export", "apps.attendance.personal_data.person_export"))  # apps.gdpr.export
