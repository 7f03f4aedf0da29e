"""Onboarding: the steps' writes, the subdomain check and the submit that requests the tenant.

Submitting requests the tenant through `apps.tenancy.lifecycle.tenant_request` (the provisioning job
staff use: status requested, the job enqueued after commit) and writes its company profile in the same
transaction; the provisioning step `signup_admin` (provisioning.py) makes the person its tenant admin.
"""

from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.accounts.models import Membership
from apps.accounts.services import membership_create
from apps.audit import writes
from apps.reference.models import CustomerTier, DisplayNameSource, Industry
from apps.reference.services import company_record_update
from apps.sysconfig.services import setting_get
from apps.tenancy.lifecycle import tenant_request
from apps.tenancy.models import Domain, Plan, ProvisioningJob, Tenant, validate_tenant_slug

from .business_numbers import BusinessNumber
from .models import IN_PROGRESS, Onboarding

REGISTER_DATES = ("abn_status_from", "gst_registered_from")


def signup_open(request: Any = None) -> bool:
    """Open self-service signup: the `signup.open` system setting, on the platform domain only (people
    join an existing organisation by invitation). Answers the hook "security.signup_open"."""
    tenant = getattr(request, "tenant", None)
    if tenant is not None and not tenant.is_public:
        return False
    return bool(setting_get("signup.open"))


def onboarding_in_progress(*, user: Any) -> Onboarding | None:
    return Onboarding.objects.filter(user=user, status__in=IN_PROGRESS).select_related("tenant", "job").first()


def onboarding_start(*, user: Any) -> Onboarding:
    """The person's attempt in progress, or a new draft (one at a time: a constraint keeps it so)."""
    current = onboarding_in_progress(user=user)
    if current is not None:
        return current
    try:
        with transaction.atomic():
            onboarding = Onboarding(user=user, country="AU")
            return writes.save(onboarding, acting_user=user, validate_constraints=False)
    except IntegrityError:  # a second tab started one at the same moment
        return Onboarding.objects.get(user=user, status__in=IN_PROGRESS)


def _draft(onboarding: Onboarding) -> Onboarding:
    row = writes.locked(onboarding)
    if row.status != Onboarding.Status.DRAFT:
        raise ValidationError("This organisation was already submitted.", code="already_submitted")
    return row


@transaction.atomic
def onboarding_business_save(
    *, onboarding: Onboarding, country: str, number: BusinessNumber, legal_name: str = ""
) -> Onboarding:
    """Step 1: the country and the checked business number (with the register's fields, if any)."""
    row = _draft(onboarding)
    register = dict(number.register)
    if not register.get("legal_name"):
        if not legal_name.strip():
            raise ValidationError({"legal_name": "Enter the company's legal name."}, code="legal_name_required")
        register = {"legal_name": legal_name.strip()[:200], "business_names": []}
    row.country, row.tax_id, row.tax_id_verification = country.upper(), number.tax_id, number.verification
    row.company = {**{k: v for k, v in row.company.items() if k not in ("register", "tax_label")},
                   "register": register, "tax_label": number.label}  # fmt: skip
    return writes.save(row, acting_user=row.user)


def subdomain_availability(slug: str) -> tuple[str, str]:
    """("available" | "taken" | "reserved" | "invalid", message) for `<slug>.<platform domain>`."""
    slug = (slug or "").strip().lower()
    try:
        validate_tenant_slug(slug)
    except ValidationError as exc:
        kind = "reserved" if exc.code == "reserved_slug" else "invalid"
        return kind, exc.messages[0]
    hostname = f"{slug}.{settings.PLATFORM_DOMAIN}"
    if Tenant.objects.filter(slug=slug).exists() or Domain.objects.filter(domain=hostname).exists():
        return "taken", f"{hostname} is already taken."
    return "available", f"{hostname} is available."


def subdomain_check(slug: str) -> str:
    kind, message = subdomain_availability(slug)
    if kind != "available":
        raise ValidationError({"slug": message}, code=f"slug_{kind}")
    return slug.strip().lower()


def plans_public() -> list[Plan]:
    """The plans a new customer may choose (active ones, in display order)."""
    return list(Plan.objects.filter(is_active=True).order_by("display_order", "name"))


@transaction.atomic
def onboarding_details_save(*, onboarding: Onboarding, details: dict[str, Any]) -> Onboarding:
    """Step 2: display name and its source, industry, size, billing email and address, subdomain, plan."""
    row = _draft(onboarding)
    details = dict(details)
    details["slug"] = subdomain_check(details.get("slug", ""))
    for name in ("industry", "plan"):
        value = details.get(name)
        details[name] = getattr(value, "pk", value)
    row.company = {**row.company, "details": details}
    return writes.save(row, acting_user=row.user)


def _register_values(register: dict[str, Any]) -> dict[str, Any]:
    values = {key: value for key, value in register.items() if key != "abr_checked_at"}
    for key in REGISTER_DATES:
        if values.get(key):
            values[key] = date.fromisoformat(values[key])
    if register.get("abr_checked_at"):
        values["abr_checked_at"] = datetime.fromisoformat(register["abr_checked_at"])
    return values


def _display(register: dict[str, Any], details: dict[str, Any]) -> tuple[str, str, list[str]]:
    """(source, custom name, business names with the chosen one first)."""
    source = details.get("display_name_source") or DisplayNameSource.LEGAL
    names = list(register.get("business_names") or [])
    chosen = details.get("business_name") or ""
    if source == DisplayNameSource.BUSINESS and chosen in names:
        names = [chosen] + [name for name in names if name != chosen]
    return source, (details.get("custom_display_name") or "").strip(), names


@transaction.atomic
def onboarding_submit(*, onboarding: Onboarding) -> Onboarding:
    """Request the tenant (provisioning job) with its company profile. Idempotent: an attempt already
    submitted is returned as it is, so a double submit creates one tenant."""
    row = writes.locked(onboarding)
    if row.status != Onboarding.Status.DRAFT:
        return row
    register, details = row.company.get("register"), row.company.get("details")
    if not register or not details:
        raise ValidationError("Complete the company details first.", code="incomplete")
    slug = subdomain_check(details["slug"])
    source, custom_name, business_names = _display(register, details)
    plan = Plan.objects.filter(pk=details.get("plan") or 0, is_active=True).first()
    if plan is None:
        raise ValidationError({"plan": "Choose one of the plans offered."}, code="invalid_plan")
    values = {**_register_values(register), "business_names": business_names}
    display = {"legal": values.get("legal_name"), "business": (business_names or [""])[0], "custom": custom_name}
    job = tenant_request(
        name=(display.get(source) or values.get("legal_name") or slug)[:200], slug=slug, plan=plan,
        billing_email=details.get("billing_email", "").strip().lower(), country=row.country, acting_user=row.user,
    )  # fmt: skip
    company_record_update(
        tenant=job.tenant, acting_user=row.user, tax_id=row.tax_id, tax_id_verification=row.tax_id_verification,
        display_name_source=source, custom_display_name=custom_name,
        industry=Industry.objects.filter(pk=details.get("industry")).first(),
        company_size=details.get("company_size", ""), address_line=details.get("address_line", ""),
        city=details.get("city", ""), region=details.get("region", ""), postal_code=details.get("postal_code", ""),
        customer_tier=CustomerTier.objects.filter(code=plan.name).first(),  # seed 004's tiers are the plans
        **values,
    )  # fmt: skip
    row.status, row.tenant, row.job, row.submitted_at = Onboarding.Status.SUBMITTED, job.tenant, job, timezone.now()
    return writes.save(row, acting_user=row.user)


def onboarding_admin_ensure(*, tenant: Tenant, acting_user: Any = None) -> Membership | None:
    """The provisioning step's work: the person who onboarded the tenant becomes its tenant admin
    (`joined_via=signup`). Nothing for tenants that did not come from signup; idempotent."""
    onboarding = Onboarding.objects.filter(tenant=tenant).select_related("user").first()
    if onboarding is None:
        return None
    existing = Membership.objects.filter(user=onboarding.user, tenant=tenant).first()
    if existing is not None and existing.status != Membership.Status.REMOVED:
        return existing
    return membership_create(user=onboarding.user, tenant=tenant, role=Membership.Role.TENANT_ADMIN,
                             joined_via=Membership.JoinedVia.SIGNUP, acting_user=onboarding.user)  # fmt: skip


@transaction.atomic
def onboarding_complete(*, onboarding: Onboarding) -> Onboarding:
    """Once the job succeeded: the attempt is completed (a new one may start). Idempotent."""
    row = writes.locked(onboarding)
    if row.status != Onboarding.Status.SUBMITTED or row.job is None:
        return row
    if row.job.status == ProvisioningJob.Status.SUCCEEDED:
        row.status, row.completed_at = Onboarding.Status.COMPLETED, timezone.now()
        writes.save(row, acting_user=row.user)
    return row
