"""Everything the sample app adds to the platform, in one place."""

from apps.core.contributions import (
    DashboardBlock,
    DemoStep,
    MenuEntry,
    PeriodicTask,
    PortalUrls,
    ScopeFamily,
    TenantApiUrls,
    TimelineSource,
    WebhookEventType,
    contribute,
)

contribute(
    PortalUrls("manage/sample/", "tests.sample_app.portal_urls"),
    MenuEntry("Sample", "sample:index", admin_only=True),
    TenantApiUrls("tests.sample_app.api_urls"),
    ScopeFamily("sample", "Sample things", ("read", "write")),
    WebhookEventType("sample.happened", "Something happened in the sample app.",
                     sample_payload="tests.sample_app.webhooks.sample_payload"),
    TimelineSource("tests.sample_app.timeline.SampleSource"),
    DashboardBlock("sample", "sample_app/dashboard_block.html", context="tests.sample_app.dashboard.block_context"),
    DemoStep("sample", "tests.sample_app.demo.demo_seed"),
    PeriodicTask("sample.tick", "sample.tick", interval=(1, "hours"), description="The sample app's tick."),
)  # fmt: skip
