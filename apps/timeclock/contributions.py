"""What the time clock adds: the punch API (under /api/v1/attendance/) and the clock page (Workforce),
webhook events, punch history in the timeline, the auto clock-out and missing-punch tasks, demo punches."""

from apps.core.contributions import (
    DemoStep,
    Hook,
    MenuEntry,
    Notice,
    PeriodicTask,
    PortalUrls,
    TenantApiUrls,
    TimelineSource,
    WebhookEventType,
    contribute,
)
from apps.timeline.sources import tenant_schema_history

SAMPLE = "apps.timeclock.payloads.sample_payload"

contribute(
    TenantApiUrls("apps.timeclock.api.urls", prefix="attendance/", order=95),
    PortalUrls("manage/attendance/clock/", "apps.timeclock.portal.urls", order=95),
    # Admins see it in Workforce; a member sees Workforce only for the solutions they may use (the menu
    # test), so people with Attendance reach the page from the API docs, the solution page or its URL.
    MenuEntry("Clock in/out", "timeclock:clock", order=32, group="Workforce", solution="attendance"),
    WebhookEventType("attendance.clocked_in", "A person clocked in (any source: mobile, kiosk, web, correction).",
                     sample_payload=SAMPLE, order=400),
    WebhookEventType("attendance.clocked_out", "A person clocked out (including automatic clock-outs).",
                     sample_payload=SAMPLE, order=401),
    WebhookEventType("attendance.punch_flagged", "A punch was flagged for review (outside the fence, uncertain or "
                     "mock location, impossible jump, automatic clock-out).", sample_payload=SAMPLE, order=402),
    TimelineSource(tenant_schema_history("timeclock.HistoricalPunch"), order=190),
    TimelineSource(tenant_schema_history("timeclock.HistoricalPunchPolicy"), order=191),
    PeriodicTask("timeclock.auto_clock_out", "timeclock.auto_clock_out", interval=(10, "minutes"),
                 description="Close attendance sessions left open past the punch policy's maximum shift length "
                             "(or past their shift's end plus the allowed overrun), flagged for review."),
    PeriodicTask("timeclock.detect_missing_punches", "timeclock.detect_missing_punches", interval=(15, "minutes"),
                 description="Record shifts that ended with no clock-in or no clock-out and tell the person once."),
    Notice("attendance.missing_punch", "attendance", "apps.timeclock.notices.person",
           url="apps.timeclock.notices.clock_url",
           title="{% if kind == 'in' %}No clock-in{% else %}No clock-out{% endif %} for your shift at {{ workplace }}",
           body="Your shift at {{ workplace }} ({{ starts_at }} to {{ ends_at }}) has no "
                "{% if kind == 'in' %}clock-in{% else %}clock-out{% endif %}. Ask your manager to correct it.",
           description="A shift ended with a punch missing; the person is told once."),
    DemoStep("timeclock", "apps.timeclock.demo.demo_seed", order=63),
)  # fmt: skip

contribute(Hook("gdpr.person_export", "apps.timeclock.personal_data.person_export"))  # apps.gdpr.export
