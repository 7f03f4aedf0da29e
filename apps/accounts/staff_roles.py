"""Staff roles are Django groups whose model permissions are declared here and synced by
`manage.py sync_staff_roles` (run by `platform_setup` and by the test session).

A rule names an app label, a model ("*" for every model of the app, including models added later)
and the actions allowed. Apps that do not exist yet (support, billing) simply match nothing until
they land, so the roles are right from the day those apps appear.
"""

from dataclasses import dataclass

SUPER_ADMIN = "super_admin"
SUPPORT = "support"
BILLING_ADMIN = "billing_admin"

VIEW = ("view",)
ALL = ("view", "add", "change", "delete")


@dataclass(frozen=True)
class Rule:
    app_label: str
    model: str
    actions: tuple[str, ...]


STAFF_ROLES: dict[str, tuple[Rule, ...]] = {
    # Everything, including managing staff (users, groups and their permissions).
    SUPER_ADMIN: (Rule("*", "*", ALL),),
    # Reads tenants and people, works support tickets; never billing, never staff or security settings.
    SUPPORT: (
        Rule("tenancy", "*", VIEW),
        Rule("accounts", "membership", VIEW),
        Rule("accounts", "user", VIEW),
        Rule("invitations", "*", VIEW),
        Rule("security", "*", VIEW),
        Rule("emails", "*", VIEW),
        Rule("audit", "*", VIEW),
        Rule("support", "*", ("view", "add", "change")),
        Rule("webhooks", "*", VIEW),  # tenants ask support why their endpoint stopped receiving
        Rule("logs", "*", VIEW),  # API requests and errors by correlation id, to answer tickets
        Rule("sysconfig", "*", VIEW),  # system settings and validation rules: super admins change them
        Rule("reference", "tenantcompanyrecord", VIEW),  # the customer's company details (ABN, GST)
    ),
    # Writes billing; reads tenants; never tenant security settings or staff.
    BILLING_ADMIN: (
        Rule("tenancy", "*", VIEW),
        Rule("accounts", "membership", VIEW),
        Rule("billing", "*", ALL),
        Rule("reference", "country", ALL),  # tax rates and currencies billing depends on
        Rule("reference", "*", VIEW),
        Rule("reference", "tenantcompanyrecord", ("view", "change")),  # tax id, ABN lookups
        Rule("sysconfig", "*", VIEW),
        Rule("djstripe", "*", ALL),
        Rule("audit", "*", VIEW),
    ),
}


def is_super_admin(user: object) -> bool:
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_staff", False):
        return False
    if getattr(user, "is_superuser", False):
        return True
    return user.groups.filter(name=SUPER_ADMIN).exists()  # type: ignore[attr-defined]
