"""What the time clock adds: the punch API (under /api/v1/attendance/) and the clock page (Workforce),
webhook events, punch history in the timeline, the auto clock-out and missing-punch tasks, demo punches."""

from apps.core.contributions import (
    DemoStep,
    MenuEntry,
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
    MenuEntry("Clock in/out", "timeclock:clock", admin_only=False, order=30, group="Workforce"),
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
    DemoStep("timeclock", "apps.timeclock.demo.demo_seed", order=63),
)  # fmt: skip
