"""TLS for custom domains: whom Caddy may issue a certificate for, and what each domain serves.

Caddy sits in front of the application with on-demand TLS (docs/deploy/caddy.md). Before it asks a
certificate authority for a hostname it has never seen, it calls the `ask` endpoint
(`/internal/tls/allow?domain=<host>`, answered by apps/domains/middleware.py); `tls_ask_answer`
allows only verified domains of active tenants, so nobody can make the platform request certificates
for names it does not serve (an ACME authority's rate limits are per registered domain and account).

`domains_tls_check` (the beat task `domains.check_tls`) connects to each verified custom domain with
its name as SNI and records on the Domain what it found: issued, expiring (the certificate ends within
TLS_EXPIRING_WITHIN_DAYS: Caddy renews a third of the lifetime before the end, so this means renewal
is failing), or failing (no answer, handshake refused, certificate not trusted or not for the name).
"""

import datetime as dt
import socket
import ssl
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from apps.core.events import publish
from apps.tenancy.models import Domain, DomainVerificationStatus, Tenant, TlsStatus

from .payloads import domain_certificate_payload

# --- The ask endpoint's decision -------------------------------------------------------------------


@dataclass(frozen=True)
class AskAnswer:
    status: int
    code: str
    detail: str

    @property
    def allowed(self) -> bool:
        return self.status == 200


def tls_ask_answer(hostname: str) -> AskAnswer:
    """Whether Caddy may obtain a certificate for `hostname`: 200 for a verified domain of an active
    tenant (its `<slug>.<platform>` address too, so no wildcard certificate is needed), 4xx otherwise."""
    name = (hostname or "").strip().rstrip(".").lower()
    if not name:
        return AskAnswer(400, "domain_missing", "Pass the hostname as ?domain=.")
    domain = Domain.objects.select_related("tenant").filter(domain=name).first()
    if domain is None or domain.tenant.is_template or domain.tenant.is_public:
        return AskAnswer(404, "unknown_domain", f"“{name}” is not a domain of any organisation.")
    if not domain.is_verified:
        return AskAnswer(403, "domain_unverified", f"“{name}” has not proven its DNS record yet.")
    if domain.tenant.status != Tenant.Status.ACTIVE:
        return AskAnswer(403, "tenant_inactive", f"The organisation of “{name}” is {domain.tenant.status}.")
    return AskAnswer(200, "allowed", f"“{name}” may have a certificate.")


# --- Probing what a domain serves ------------------------------------------------------------------


@dataclass(frozen=True)
class CertificateProbe:
    """What one TLS connection found: the certificate's expiry, or why there is no usable one."""

    expires_at: dt.datetime | None = None
    error: str = ""


def _tls_context() -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=settings.TLS_CHECK_CA_FILE or None)
    context.check_hostname = True
    return context


def tls_probe(hostname: str) -> CertificateProbe:
    """Connect to the domain (or TLS_CHECK_CONNECT_HOST) on TLS_CHECK_PORT with SNI `hostname` and
    verify the certificate against the trust store (TLS_CHECK_CA_FILE when set)."""
    address = (settings.TLS_CHECK_CONNECT_HOST or hostname, settings.TLS_CHECK_PORT)
    timeout = settings.TLS_CHECK_TIMEOUT_SECONDS
    try:
        with (
            socket.create_connection(address, timeout=timeout) as raw,
            _tls_context().wrap_socket(raw, server_hostname=hostname) as tls,
        ):
            cert = tls.getpeercert() or {}
    except ssl.SSLCertVerificationError as exc:
        return CertificateProbe(error=f"Certificate not trusted: {exc.verify_message}."[:255])
    except ssl.SSLError as exc:
        return CertificateProbe(error=f"TLS handshake failed: {exc.reason or exc.__class__.__name__}."[:255])
    except TimeoutError:
        return CertificateProbe(error=f"No answer on port {address[1]} within {timeout:g} s.")
    except OSError as exc:
        return CertificateProbe(error=f"Could not connect on port {address[1]}: {exc.strerror or exc}."[:255])
    not_after = cert.get("notAfter")
    if not isinstance(not_after, str) or not not_after:
        return CertificateProbe(error="The server sent no certificate.")
    return CertificateProbe(expires_at=dt.datetime.fromtimestamp(ssl.cert_time_to_seconds(not_after), tz=dt.UTC))


def tls_status_for(probe: CertificateProbe, *, now: dt.datetime) -> str:
    if probe.error or probe.expires_at is None:
        return TlsStatus.FAILED
    if probe.expires_at <= now + dt.timedelta(days=settings.TLS_EXPIRING_WITHIN_DAYS):
        return TlsStatus.EXPIRING
    return TlsStatus.ACTIVE


# --- Recording -------------------------------------------------------------------------------------

TLS_FIELDS = ["tls_status", "tls_expires_at", "tls_error"]
# Tenant admins are told when a certificate starts failing or expiring (not again while it stays so).
CERTIFICATE_PROBLEM_EVENT = "domain.certificate_problem"
PROBLEMS = (TlsStatus.FAILED, TlsStatus.EXPIRING)


@transaction.atomic
def domain_tls_record(
    *, domain: Domain, probe: CertificateProbe, acting_user: Any = None, now: dt.datetime | None = None
) -> Domain:
    """Record a probe on the domain. A change of status, expiry or error is saved with history; an
    unchanged result only moves `tls_checked_at` (the periodic check would otherwise fill the history).
    `acting_user` is who pressed "check now"; None for the beat task."""
    now = now or timezone.now()
    domain = Domain.objects.select_for_update().select_related("tenant").get(pk=domain.pk)
    status = tls_status_for(probe, now=now)
    values = {"tls_status": status, "tls_expires_at": probe.expires_at, "tls_error": probe.error}
    if all(getattr(domain, field) == value for field, value in values.items()):
        Domain.objects.filter(pk=domain.pk).update(tls_checked_at=now)
        domain.tls_checked_at = now
        return domain
    became_a_problem = status in PROBLEMS and domain.tls_status != status
    for field, value in values.items():
        setattr(domain, field, value)
    domain.tls_checked_at = now
    domain._history_user = acting_user  # type: ignore[attr-defined]
    domain.save(update_fields=[*TLS_FIELDS, "tls_checked_at"])
    if became_a_problem:
        publish(CERTIFICATE_PROBLEM_EVENT, domain_certificate_payload(domain), tenant=domain.tenant)
    return domain


def domain_tls_check(*, domain: Domain, acting_user: Any = None) -> Domain:
    """Probe one domain now and record what it serves (the task, and "check now" in portal and admin).
    The connection is made before the row is locked: no lock is held while waiting on the network."""
    return domain_tls_record(domain=domain, probe=tls_probe(domain.domain), acting_user=acting_user)


def domains_tls_due() -> QuerySet[Domain]:
    """Verified custom domains of active tenants: those Caddy serves a certificate for."""
    platform = settings.PLATFORM_DOMAIN.lower()
    verified = DomainVerificationStatus.VERIFIED
    return (
        Domain.objects.filter(tenant__status=Tenant.Status.ACTIVE, verification_status=verified)
        .exclude(domain=platform)
        .exclude(domain__endswith=f".{platform}")
        .order_by("pk")
    )


def domains_tls_forget() -> int:
    """Domains no longer served (unverified, or their tenant not active) stop showing an old result."""
    served = domains_tls_due().values("pk")
    return (
        Domain.objects.exclude(pk__in=served)
        .exclude(tls_status=TlsStatus.NONE)
        .update(tls_status=TlsStatus.NONE, tls_expires_at=None, tls_error="")
    )


def domains_tls_check() -> dict[str, int]:
    """Probe every served custom domain (each recorded in its own transaction); counts per status."""
    counts = {"active": 0, "expiring": 0, "failed": 0}
    for domain in domains_tls_due():
        recorded = domain_tls_check(domain=domain)
        counts[str(recorded.tls_status)] += 1
    counts["forgotten"] = domains_tls_forget()
    return counts
