"""Tenants' domains: adding custom domains, proving ownership by a DNS TXT record, primary, removal.

A custom domain routes only once verified (apps/tenancy/middleware.py): the tenant publishes the
domain's token as a TXT record at `_nidia-verification.<domain>`, and `domain_verify` looks it up
with dnspython against settings.DNS_RESOLVER_NAMESERVERS / DNS_RESOLVER_PORT.
"""

import datetime as dt
import re
from typing import Any

import dns.exception
import dns.resolver
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from apps.audit import writes
from apps.audit.services import audit_record

from .models import Domain, DomainVerificationStatus, Tenant

VERIFICATION_PREFIX = "_nidia-verification"
LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
# Answers that prove the record is not there; anything else (timeouts, SERVFAIL) is a failed check.
DEFINITIVE_DNS_FAILURES = (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer)


def verification_record_name(domain: Domain | str) -> str:
    return f"{VERIFICATION_PREFIX}.{domain}"


def domain_is_platform(hostname: str) -> bool:
    platform = settings.PLATFORM_DOMAIN.lower()
    return hostname == platform or hostname.endswith(f".{platform}")


DOMAIN_AUDITED = writes.Fields("domain", "is_primary", "verification_status")


def domain_normalise(value: str) -> str:
    """Lowercase ASCII hostname (IDNs as punycode), or ValidationError code "invalid_domain"."""
    hostname = (value or "").strip().rstrip(".").lower()
    try:
        hostname = hostname.encode("idna").decode("ascii")
    except UnicodeError:
        hostname = ""
    labels = hostname.split(".")
    if len(hostname) > 253 or len(labels) < 2 or not all(LABEL.match(label) for label in labels):
        raise ValidationError(
            "Enter a hostname such as “backoffice.example.com” (no scheme, path or port).", code="invalid_domain"
        )
    if labels[-1].isdigit():
        raise ValidationError("Enter a hostname, not an IP address.", code="invalid_domain")
    return hostname


def _domain_ownership_check(tenant: Tenant, hostname: str) -> None:
    own = f"{tenant.slug}.{settings.PLATFORM_DOMAIN}".lower()
    if domain_is_platform(hostname) and hostname != own:
        raise ValidationError(
            f"“{hostname}” belongs to the NIDIA Flow platform; use a domain your organisation owns.",
            code="platform_domain",
        )
    existing = Domain.objects.filter(domain=hostname).first()
    if existing is not None:
        message = (
            f"“{hostname}” is already one of this organisation's domains."
            if existing.tenant_id == tenant.pk
            else f"“{hostname}” is already used by another organisation."
        )
        raise ValidationError(message, code="domain_taken")


def _primary_check(tenant: Tenant) -> None:
    if Domain.objects.filter(tenant=tenant, is_primary=True).exists():
        raise ValidationError(
            "This organisation already has a primary domain. Add the domain, then make it primary.",
            code="primary_exists",
        )


@transaction.atomic
def domain_add(*, tenant: Tenant, domain: str, acting_user: Any, is_primary: bool = False) -> Domain:
    """Add a hostname to the tenant, unverified (the tenant's own `<slug>.<platform>` is verified at once)."""
    hostname = domain_normalise(domain)
    # Serialise adds per tenant so the primary check cannot race; the DB constraints back both checks.
    Tenant.objects.select_for_update().filter(pk=tenant.pk).first()
    _domain_ownership_check(tenant, hostname)
    if is_primary:
        _primary_check(tenant)
    record = Domain(domain=hostname, tenant=tenant, is_primary=is_primary)
    if domain_is_platform(hostname):
        record.verification_status, record.verified_at = DomainVerificationStatus.VERIFIED, timezone.now()
    record.full_clean(validate_unique=False)  # uniqueness was checked above with a clearer message
    record._history_user = acting_user  # type: ignore[attr-defined]
    record.save()
    audit_record(
        action="domain.added",
        acting_user=acting_user,
        tenant=tenant,
        target=record,
        after=writes.snapshot(record, DOMAIN_AUDITED),
    )
    return record


def _txt_values(hostname: str) -> list[str]:
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = list(settings.DNS_RESOLVER_NAMESERVERS)
    resolver.port = settings.DNS_RESOLVER_PORT
    resolver.lifetime = settings.DNS_RESOLVER_TIMEOUT_SECONDS
    answer = resolver.resolve(verification_record_name(hostname), "TXT")
    # A TXT record may be split into several strings; they form one value.
    return [b"".join(rdata.strings).decode("utf-8", "replace").strip() for rdata in answer]


def _check(domain: Domain) -> tuple[bool | None, str]:
    """(found, error): found is None when the lookup itself failed (nothing proven either way)."""
    record = verification_record_name(domain)
    try:
        values = _txt_values(domain.domain)
    except DEFINITIVE_DNS_FAILURES:
        return False, f"No TXT record found at {record}."
    except dns.exception.DNSException as exc:
        return None, f"DNS lookup of {record} failed: {exc.__class__.__name__}."[:255]
    if domain.verification_token in values:
        return True, ""
    return False, f"The TXT record at {record} does not hold this domain's token."


@transaction.atomic
def domain_verify(*, domain: Domain, acting_user: Any = None) -> bool:
    """Check the domain's TXT record now; returns whether the domain is verified afterwards.

    A record that is missing or wrong un-verifies a verified domain (it stops routing); a failed
    lookup (timeout, SERVFAIL) only records the error, so a resolver hiccup takes no site down.
    """
    domain = Domain.objects.select_for_update().select_related("tenant").get(pk=domain.pk)
    if domain_is_platform(domain.domain):
        return domain.is_verified  # verified by construction, nothing to look up
    found, error = _check(domain)
    before = writes.snapshot(domain, DOMAIN_AUDITED)
    domain.last_checked_at, domain.last_check_error = timezone.now(), error
    if found is True and not domain.is_verified:
        domain.verification_status, domain.verified_at = DomainVerificationStatus.VERIFIED, timezone.now()
    elif found is False and domain.is_verified:
        domain.verification_status, domain.verified_at = DomainVerificationStatus.UNVERIFIED, None
    domain._history_user = acting_user  # type: ignore[attr-defined]
    domain.save(update_fields=["verification_status", "verified_at", "last_checked_at", "last_check_error"])
    if domain.verification_status != before["verification_status"]:
        action = "domain.verified" if domain.is_verified else "domain.verification_lost"
        audit_record(
            action=action, acting_user=acting_user, tenant=domain.tenant, target=domain, before=before,
            after={**writes.snapshot(domain, DOMAIN_AUDITED), "error": error},
        )  # fmt: skip
    return domain.is_verified


@transaction.atomic
def domain_make_primary(*, domain: Domain, acting_user: Any) -> Domain:
    """Make a verified domain the tenant's primary one (the previous primary stays, as a secondary)."""
    domain = Domain.objects.select_for_update().select_related("tenant").get(pk=domain.pk)
    if not domain.is_verified:
        raise ValidationError("Verify the domain before making it primary.", code="domain_unverified")
    previous = Domain.objects.select_for_update().filter(tenant_id=domain.tenant_id, is_primary=True).first()
    if previous == domain:
        return domain
    if previous is not None:
        previous.is_primary = False
        previous._history_user = acting_user  # type: ignore[attr-defined]
        previous.save(update_fields=["is_primary"])
    domain.is_primary = True
    domain._history_user = acting_user  # type: ignore[attr-defined]
    domain.save(update_fields=["is_primary"])
    audit_record(
        action="domain.made_primary", acting_user=acting_user, tenant=domain.tenant, target=domain,
        before={"primary": previous.domain if previous else None}, after={"primary": domain.domain},
    )  # fmt: skip
    return domain


@transaction.atomic
def domain_remove(*, domain: Domain, acting_user: Any) -> None:
    """Remove a custom domain. The primary domain and the platform subdomain stay."""
    domain = Domain.objects.select_for_update().select_related("tenant").get(pk=domain.pk)
    if domain.is_primary:
        raise ValidationError("Make another domain primary before removing this one.", code="primary_domain")
    if domain_is_platform(domain.domain):
        raise ValidationError("The organisation's NIDIA Flow address cannot be removed.", code="platform_domain")
    snapshot = writes.snapshot(domain, DOMAIN_AUDITED)
    domain._history_user = acting_user  # type: ignore[attr-defined]
    domain.delete()
    audit_record(
        action="domain.removed", acting_user=acting_user, tenant=domain.tenant, target_type="tenancy.domain",
        target_id=str(snapshot["domain"]), before=snapshot,
    )  # fmt: skip


def domains_due_for_check(*, now: dt.datetime | None = None) -> QuerySet[Domain]:
    """Custom domains of live tenants that are unverified, or verified but not checked for a while."""
    now = now or timezone.now()
    stale = now - dt.timedelta(days=settings.DOMAIN_REVERIFY_AFTER_DAYS)
    platform = settings.PLATFORM_DOMAIN.lower()
    return (
        Domain.objects.filter(tenant__status__in=[Tenant.Status.ACTIVE, Tenant.Status.SUSPENDED])
        .exclude(domain=platform)
        .exclude(domain__endswith=f".{platform}")
        .filter(
            Q(verification_status=DomainVerificationStatus.UNVERIFIED)
            | Q(last_checked_at__isnull=True)
            | Q(last_checked_at__lt=stale)
        )
        .order_by("pk")
    )


def domains_reverify() -> dict[str, int]:
    """Re-check every domain due (each in its own transaction); returns counts for the task result."""
    counts = {"checked": 0, "verified": 0}
    for domain in domains_due_for_check():
        counts["checked"] += 1
        counts["verified"] += domain_verify(domain=domain)
    return counts
