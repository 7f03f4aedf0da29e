"""The erasure request: anonymise a person everywhere, keep financial records.

Rule for legal holds (checked before anything is written): a person is NOT erased while a tenant whose
billing contact is their email address (``Tenant.billing_email`` or the ``billing_email`` of one of its
invoices) has an invoice that is ``open`` or ``uncollectible`` (money still owed: the contact is needed
to collect it and the invoice must be kept as issued). Staff reject the request or wait until paid/voided.

What happens (one transaction; all or nothing):
1. The user row is anonymised, never deleted (every foreign key stays valid): email ->
   ``erased-<id>@invalid``, names, title, picture, last IP blank, password unusable, inactive; its
   historical rows get the same values. Memberships are removed.
2. Sign-in material is deleted: allauth email addresses, MFA authenticators, tracked sessions and their
   Django sessions, refresh-token families (and their tokens).
3. Personal columns elsewhere: auth events (email, IP, user agent), email deliveries (recipient),
   invitations (email), tenant person profiles (employee code, external id, job title, preferences)
   and their history in every tenant schema the person belongs to.
4. The audit pseudonym vault rows of the person (and of their email/name values) are deleted: audit
   rows keep only pseudonyms, their hashes are unchanged, ``audit_verify`` still passes.
5. A residual sweep over every schema replaces any remaining occurrence of the email address (and of
   the full name, when it is distinctive: two words or 6+ characters) in text and JSON columns. The
   audit table (append-only, pseudonymised at write) and the vault are skipped.

Kept: invoices, payments, amounts, numbers, tax data and the tenant's company details (legal retention),
with the person's contact email replaced; the GDPR request itself (with an HMAC of the email) and the
consent records (proof of lawful basis, no personal value besides the anonymised user id).
"""

import re
from collections.abc import Callable
from typing import Any

from django.db import DatabaseError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_context

from apps.accounts.models import Membership, User
from apps.accounts.services import membership_remove_unchecked
from apps.audit.pseudonyms import pii_vault_erase
from apps.billing.models import Invoice
from apps.core import hooks
from apps.emails.models import EmailDelivery
from apps.invitations.models import Invitation
from apps.security.models import KnownDevice, KnownSignInCountry, UserSession
from apps.tokens.models import RefreshTokenFamily

# Append-only tables: the audit log is pseudonymised at write; auth events are rewritten by DELETE+INSERT.
SKIPPED_TABLES = {"audit_auditevent", "audit_piivault", "django_migrations", "security_authevent"}
HOLD_INVOICE_STATUSES = ("open", "uncollectible")

Progress = Callable[[int, str], None]


def erased_email(user: Any) -> str:
    return f"erased-{user.pk}@invalid"


def legal_holds(user: Any) -> list[str]:
    """Reasons the person cannot be erased now (empty: erasure may proceed)."""
    if not user.email or user.email.endswith("@invalid"):
        return []
    owed = (
        Invoice.objects.filter(status__in=HOLD_INVOICE_STATUSES)
        .filter(Q(tenant__billing_email__iexact=user.email) | Q(billing_email__iexact=user.email))
        .select_related("tenant")
        .order_by("tenant__name", "id")
    )
    reasons: dict[str, list[str]] = {}
    for invoice in owed:
        reasons.setdefault(invoice.tenant.name, []).append(invoice.number or f"draft #{invoice.pk}")
    return [
        f"they are the billing contact of {tenant}, which has unpaid invoices ({', '.join(numbers)})"
        for tenant, numbers in reasons.items()
    ]


def _schemas() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%%' AND nspname <> 'information_schema'"
        )
        return [row[0] for row in cursor.fetchall()]


def _text_columns(schema: str) -> dict[str, list[tuple[str, str]]]:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.table_name, c.column_name, c.data_type
            FROM information_schema.columns c
            JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
            WHERE c.table_schema = %s AND t.table_type = 'BASE TABLE'
              AND c.data_type IN ('text', 'character varying', 'json', 'jsonb')
              AND c.is_generated = 'NEVER'
            ORDER BY c.table_name, c.ordinal_position
            """,
            [schema],
        )
        tables: dict[str, list[tuple[str, str]]] = {}
        for table, column, data_type in cursor.fetchall():
            if table not in SKIPPED_TABLES:
                tables.setdefault(table, []).append((column, data_type))
        return tables


def _pattern(value: str, *, words: bool) -> str:
    escaped = re.sub(r"([\\.^$|?*+()\[\]{}])", r"\\\1", value)
    return rf"\m{escaped}\M" if words else escaped


def residual_sweep(*, replacements: list[tuple[str, str, bool]], skipped: list[str]) -> int:
    """Replace leftover occurrences in every text/JSON column of every schema; returns rows changed.

    ``replacements``: (value, replacement, whole-words). One UPDATE per table that has a hit.
    """
    changed = 0
    qn = connection.ops.quote_name
    for schema in _schemas():
        for table, columns in _text_columns(schema).items():
            sets, wheres, params_set, params_where = [], [], [], []
            for column, data_type in columns:
                expr = f"{qn(column)}::text" if data_type in ("json", "jsonb") else qn(column)
                current = expr
                for value, replacement, words in replacements:
                    pattern = _pattern(value, words=words)
                    current = f"regexp_replace({current}, %s, %s, 'gi')"
                    params_set += [pattern, replacement]
                    wheres.append(f"{expr} ~* %s")
                    params_where.append(pattern)
                cast = f"::{data_type}" if data_type in ("json", "jsonb") else ""
                sets.append(f"{qn(column)} = ({current}){cast}")
            if not sets:
                continue
            sql = f"UPDATE {qn(schema)}.{qn(table)} SET {', '.join(sets)} WHERE {' OR '.join(wheres)}"
            try:
                with transaction.atomic(), connection.cursor() as cursor:  # a savepoint per table
                    cursor.execute(sql, params_set + params_where)
                    changed += cursor.rowcount
            except DatabaseError as exc:  # e.g. another append-only table: reported, not fatal
                skipped.append(f"{schema}.{table}: {exc.__class__.__name__}")
    return changed


def _anonymise_user(user: Any, acting_user: Any) -> dict[str, str]:
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from django.contrib.sessions.models import Session

    user = User.objects.select_for_update().get(pk=user.pk)
    original = {"email": user.email, "full_name": user.full_name}
    other_emails = list(EmailAddress.objects.filter(user=user).values_list("email", flat=True))
    for membership in Membership.objects.filter(user=user).exclude(status=Membership.Status.REMOVED):
        membership_remove_unchecked(membership=membership, acting_user=acting_user, reason="GDPR erasure")
    new_email = erased_email(user)
    fields = {
        "email": new_email,
        "full_name": "",
        "role_title": "",
        "profile_picture_url": "",
        "locked_reason": "",
        "last_login_ip": None,
    }
    for name, value in fields.items():
        setattr(user, name, value)
    user.is_active, user.status = False, User.Status.SUSPENDED
    user.deleted_at = user.deleted_at or timezone.now()
    user.access_token_version += 1
    user.refresh_token_version += 1
    user.set_unusable_password()
    user._history_user = acting_user if getattr(acting_user, "pk", None) else None  # type: ignore[attr-defined]
    user.save()
    User.history.filter(id=user.pk).update(**fields)  # type: ignore[attr-defined]

    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    session_keys = list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    Session.objects.filter(session_key__in=session_keys).delete()
    UserSession.objects.filter(user=user).delete()
    KnownDevice.objects.filter(user=user).delete()  # risk-based sign-in's sets: devices and countries
    KnownSignInCountry.objects.filter(user=user).delete()
    for family in RefreshTokenFamily.objects.filter(user=user):
        family.tokens.all().delete()
        family.delete()
    return {**original, "other_emails": ",".join(e for e in other_emails if e.lower() != original["email"].lower())}


def _anonymise_public(user: Any, emails: list[str]) -> None:
    new_email = erased_email(user)
    by_email = Q()
    for email in emails:
        by_email |= Q(email__iexact=email)
    _auth_events_rewrite(user, emails)
    recipient = Q()
    for email in emails:
        recipient |= Q(recipient__iexact=email)
    EmailDelivery.objects.filter(recipient).update(recipient=new_email)
    Invitation.objects.filter(by_email).update(email=new_email)


def _auth_events_rewrite(user: Any, emails: list[str]) -> int:
    """Auth events refuse UPDATE (append-only); DELETE is allowed, so the person's rows are replaced in
    one statement by copies without email, IP, user agent, device fingerprint and place (kind, time, tenant
    and a sign-in's risk score and flags stay for statistics)."""
    detail = "detail::text"
    params: list[Any] = []
    for email in emails:
        detail = f"regexp_replace({detail}, %s, %s, 'gi')"
        params += [_pattern(email, words=False), erased_email(user)]
    sql = f"""
        WITH gone AS (
            DELETE FROM security_authevent WHERE user_id = %s OR lower(email) = ANY(%s) RETURNING *
        )
        INSERT INTO security_authevent
            (id, uuid, kind, user_id, email, tenant_id, ip_address, user_agent, correlation_id, detail, created_at,
             risk_score, risk_flags, device_fingerprint, country, city)
        SELECT id, uuid, kind, user_id, CASE WHEN email = '' THEN '' ELSE %s END, tenant_id, NULL, '',
               correlation_id, ({detail})::jsonb, created_at, risk_score, risk_flags, '', '', ''
        FROM gone
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [user.pk, [e.lower() for e in emails], erased_email(user), *params])
        return cursor.rowcount


def _anonymise_tenant(user: Any) -> None:
    """Inside one tenant schema: every domain app's personal columns. Hook "gdpr.tenant_erase":
    `fn(user)`, declared by each app that keeps such data (apps.organisation: person profiles)."""
    for erase in hooks.all("gdpr.tenant_erase"):
        erase(user)


def _tenant_schemas(user: Any) -> list[str]:
    return sorted(set(Membership.objects.filter(user=user).values_list("tenant__schema_name", flat=True)))


@transaction.atomic
def gdpr_erase(*, user: Any, acting_user: Any = None, progress: Progress | None = None) -> dict[str, Any]:
    """Erase one person (see the module docstring). Raises ValidationError on a legal hold, writing nothing."""
    from django.core.exceptions import ValidationError

    step = progress or (lambda percent, message: None)
    holds = legal_holds(user)
    if holds:
        raise ValidationError("This person cannot be erased: " + "; ".join(holds), code="legal_hold")
    schemas = _tenant_schemas(user)  # before memberships are removed
    step(10, "Anonymising the account")
    original = _anonymise_user(user, acting_user)
    emails = [e for e in [original["email"], *original["other_emails"].split(",")] if e]
    step(30, "Anonymising platform records")
    _anonymise_public(user, emails)
    for index, schema in enumerate(schemas, start=1):
        step(30 + int(40 * index / max(1, len(schemas))), f"Anonymising organisation data ({index}/{len(schemas)})")
        with schema_context(schema):
            _anonymise_tenant(user)
    step(75, "Erasing audit pseudonyms")
    name = original["full_name"].strip()
    vault_rows = pii_vault_erase(subject_id=user.pk, values=[*emails, name])
    step(85, "Sweeping remaining occurrences")
    replacements = [(email, erased_email(user), False) for email in emails]
    if name and (" " in name or len(name) >= 6):
        replacements.append((name, "", True))
    skipped: list[str] = []
    with schema_context(get_public_schema_name()):
        swept = residual_sweep(replacements=replacements, skipped=skipped)
    return {"schemas": len(schemas), "vault_rows": vault_rows, "swept_rows": swept, "skipped": skipped}
