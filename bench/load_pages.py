"""The pages the load test browses (bench/load_locust.py) and probes (bench/load.py): (path, label)."""

# A tenant admin's portal pages (tenant host, signed-in session).
PORTAL_PAGES = [
    ("/manage/", "dashboard"),
    ("/manage/members/", "members"),
    ("/manage/tasks/", "tasks"),
    ("/manage/attendance/rosters/", "rosters"),
    ("/manage/attendance/clock/", "clock"),
    ("/manage/reports/forms/", "forms"),
    ("/manage/chat/{channel}/", "chat"),  # /manage/chat/ redirects to the first channel
    ("/manage/activity/", "activity"),
]
# The platform staff member's Django admin pages (platform host).
ADMIN_PAGES = [
    ("/admin/", "index"),
    ("/admin/tenancy/tenant/", "tenants"),
    ("/admin/accounts/user/", "users"),
    ("/admin/audit/auditevent/", "audit"),
]
