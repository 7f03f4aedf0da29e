"""One-time codes by email and by SMS as second factors: enrolment, sending, verification.

- Which channels a person may use where: on a tenant's domain the tenant's security policy decides
  (hook "security.otp_channels_allowed": `fn(user, tenant) -> list[str]`, answered by apps.policy:
  the effective `allowed_second_factors`); on the platform domain `OTP_PLATFORM_CHANNELS` (settings).
- A code is 6 random digits (`secrets`), stored as an HMAC keyed with SECRET_KEY, valid for
  `OTP_CODE_TTL_SECONDS` and once. Only the person's latest code for a purpose counts (asking for a
  new one retires the older). `OTP_MAX_ATTEMPTS` wrong tries kill a code; at most `OTP_MAX_SENDS`
  codes per channel are sent in `OTP_SEND_WINDOW_SECONDS`.
- Email goes through apps.emails; SMS through the notification channels (hook "security.sms_send":
  `fn(*, to, body) -> str`, answered by apps.notifications; security cannot import it).
Every refusal is an `OtpError` with a stable code (`otp_not_allowed`, `otp_not_enrolled`,
`otp_rate_limited`, `otp_expired`, `otp_used`, `otp_attempts_exceeded`, `otp_invalid`,
`otp_send_failed`, `invalid_phone`).
"""

import hmac
import math
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import phonenumbers
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from apps.accounts.models import User
from apps.audit import writes
from apps.audit.services import audit_record
from apps.core import hooks
from apps.emails.services import email_send

from .context import current_tenant
from .models import AuthEvent
from .otp_models import OneTimeCode, OtpChannel, OtpFactor, OtpPurpose
from .otp_selectors import otp_channels_allowed, otp_factors_usable
from .selectors import mfa_required_for, strong_factors_for
from .services import auth_event_record

CODE_DIGITS = 6


class OtpError(Exception):
    def __init__(self, code: str, message: str, *, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.retry_after = code, message, retry_after


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def code_ttl_minutes() -> int:
    return max(1, _setting("OTP_CODE_TTL_SECONDS", 600) // 60)


def otp_factors_for(*, user: Any) -> list[OtpFactor]:
    return list(OtpFactor.objects.filter(user=user))


def phone_mask(phone: str) -> str:
    return f"{phone[:3]}••••{phone[-3:]}" if len(phone) > 6 else "your phone"


def email_mask(email: str) -> str:
    name, _, domain = email.partition("@")
    return f"{name[:1]}•••@{domain}" if domain else "your email address"


def destination_label(factor: OtpFactor, user: Any) -> str:
    return phone_mask(factor.phone) if factor.channel == OtpChannel.SMS else email_mask(user.email)


# --- Codes -------------------------------------------------------------------------------------


def _code_hash(user_id: Any, code: str) -> str:
    return salted_hmac("apps.security.otp", f"{user_id}:{code}", algorithm="sha256").hexdigest()


def _rate_limit_check(user: Any, channel: str, now: Any) -> None:
    window = _setting("OTP_SEND_WINDOW_SECONDS", 900)
    recent = list(
        OneTimeCode.objects.filter(user=user, channel=channel, created_at__gt=now - timedelta(seconds=window))
        .order_by("created_at")
        .values_list("created_at", flat=True)
    )
    limit = _setting("OTP_MAX_SENDS", 3)
    if len(recent) >= limit:
        retry = max(1, math.ceil((recent[0] + timedelta(seconds=window) - now).total_seconds()))
        raise OtpError(
            "otp_rate_limited",
            f"Too many codes were sent ({limit} in {window // 60} minutes). "
            f"Try again in {math.ceil(retry / 60)} minutes, or use another factor.",
            retry_after=retry,
        )


@dataclass(frozen=True)
class SentCode:
    channel: str
    destination: str
    expires_at: Any


def _deliver(*, factor: OtpFactor, user: Any, code: str, tenant: Any, purpose: str) -> None:
    minutes = code_ttl_minutes()
    if factor.channel == OtpChannel.EMAIL:
        context = {"code": code, "minutes": minutes, "user": user, "purpose": purpose}
        delivery = email_send(template="otp_code", to=user.email, context=context, tenant=tenant)
        if delivery.status == delivery.Status.FAILED:
            raise OtpError("otp_send_failed", "The email could not be sent. Try again, or use another factor.")
        return
    body = f"{code} is your NIDIA Flow verification code. It expires in {minutes} minutes. Never share it."
    try:
        hooks.one("security.sms_send")(to=factor.phone, body=body)
    except Exception as exc:
        raise OtpError(
            "otp_send_failed", "The text message could not be sent. Try again, or use another factor."
        ) from exc


def otp_code_send(
    *, user: User, channel: str, purpose: str = OtpPurpose.SIGN_IN, tenant: Any = None, step_up_email: bool = False
) -> SentCode:
    """Send a new code on `channel` (sign-in: to a confirmed factor the domain allows; enrol: to the
    pending SMS number). Rate limited per person and channel; the code row commits before sending.
    `step_up_email`: a risky sign-in of a person without factors (apps/security/risk_flow.py) is
    confirmed by a sign-in code to their verified email address, enrolled or not."""
    tenant = tenant if tenant is not None else current_tenant()
    if step_up_email and channel == OtpChannel.EMAIL and purpose == OtpPurpose.SIGN_IN:
        factor = OtpFactor(user=user, channel=OtpChannel.EMAIL)  # not saved: the address is the account's
    else:
        factor = _factor_for_send(user=user, channel=channel, purpose=purpose, tenant=tenant)
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()  # one sender at a time per person
        now = timezone.now()
        _rate_limit_check(user, channel, now)
        row = OneTimeCode.objects.create(
            user=user, channel=channel, purpose=purpose, code_hash=_code_hash(user.pk, code), created_at=now,
            expires_at=now + timedelta(seconds=_setting("OTP_CODE_TTL_SECONDS", 600)),
        )  # fmt: skip
    _deliver(factor=factor, user=user, code=code, tenant=tenant, purpose=purpose)
    return SentCode(channel, destination_label(factor, user), row.expires_at)


def _factor_for_send(*, user: Any, channel: str, purpose: str, tenant: Any) -> OtpFactor:
    if channel not in otp_channels_allowed(user=user, tenant=tenant):
        raise OtpError("otp_not_allowed", "Your organisation's security policy does not allow this kind of code.")
    factor = OtpFactor.objects.filter(user=user, channel=channel).first()
    wanted_confirmed = purpose == OtpPurpose.SIGN_IN
    if factor is None or factor.is_confirmed != wanted_confirmed:
        raise OtpError("otp_not_enrolled", "Codes of this kind are not set up for your account.")
    return factor


def _verify_latest(
    user: Any, code: str, purpose: str, channels: list[str]
) -> tuple[OneTimeCode | None, OtpError | None]:
    """Check `code` against the latest code of the purpose; the attempt count is saved either way."""
    with transaction.atomic():
        latest = (
            OneTimeCode.objects.select_for_update()
            .filter(user=user, purpose=purpose)
            .order_by("-created_at", "-id")
            .first()
        )
        if latest is None or latest.channel not in channels:
            return None, OtpError("otp_invalid", "The code is not valid. Ask for a new code.")
        now = timezone.now()
        if latest.used_at is not None:
            return latest, OtpError("otp_used", "This code was already used. Ask for a new code.")
        if latest.attempts >= _setting("OTP_MAX_ATTEMPTS", 5):
            return latest, OtpError("otp_attempts_exceeded", "Too many wrong codes. Ask for a new code.")
        if now >= latest.expires_at:
            return latest, OtpError("otp_expired", "This code has expired. Ask for a new code.")
        if not hmac.compare_digest(latest.code_hash, _code_hash(user.pk, code.strip())):
            latest.attempts += 1
            latest.save(update_fields=["attempts"])
            return latest, OtpError("otp_invalid", "The code is not valid. Check it, or ask for a new code.")
        latest.used_at = now
        latest.save(update_fields=["used_at"])
        return latest, None


def otp_code_verify(
    *, user: Any, code: str, tenant: Any = None, purpose: str = OtpPurpose.SIGN_IN, step_up_email: bool = False
) -> str:
    """Accept the person's latest code (single use) on a channel allowed here; returns the channel.
    A refusal raises OtpError and records an `mfa_failed` auth event. `step_up_email`: as in
    otp_code_send, an email code counts too."""
    tenant = tenant if tenant is not None else current_tenant()
    if purpose == OtpPurpose.SIGN_IN:
        channels = [factor.channel for factor in otp_factors_usable(user=user, tenant=tenant)]
        if step_up_email and OtpChannel.EMAIL not in channels:
            channels.append(OtpChannel.EMAIL)
    else:
        channels = list(OtpChannel.values)
    row, error = _verify_latest(user, code, purpose, channels)
    if error is not None:
        detail = {"type": row.channel if row else "code", "reason": error.code, "purpose": purpose}
        auth_event_record(kind=AuthEvent.Kind.MFA_FAILED, user=user, tenant=tenant, detail=detail)
        raise error
    assert row is not None
    OtpFactor.objects.filter(user=user, channel=row.channel).update(last_used_at=row.used_at)
    return row.channel


def otp_code_waiting(*, user: Any, purpose: str = OtpPurpose.SIGN_IN) -> bool:
    """Whether the person's latest code for the purpose has not been used yet (expired or not)."""
    latest = OneTimeCode.objects.filter(user=user, purpose=purpose).order_by("-created_at", "-id").first()
    return latest is not None and latest.used_at is None


# --- Enrolment ---------------------------------------------------------------------------------


def phone_normalise(raw: str) -> str:
    try:
        number = phonenumbers.parse((raw or "").strip(), None)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise OtpError(
            "invalid_phone", "Enter a mobile number in international format, with the country code (+61 412 345 678)."
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _factor_saved(factor: OtpFactor, acting_user: Any, action: str, tenant: Any) -> OtpFactor:
    factor._history_user = writes.history_user(acting_user)  # type: ignore[attr-defined]
    factor.full_clean(validate_constraints=False)
    factor.save()
    detail = {"type": factor.channel}
    kind = AuthEvent.Kind.MFA_REMOVED if action == "removed" else AuthEvent.Kind.MFA_ENROLLED
    if action != "pending":
        auth_event_record(kind=kind, user=factor.user, tenant=tenant, detail=detail)
        audit_record(action=f"user.otp_factor_{action}", acting_user=acting_user, target=factor.user, after=detail)
    return factor


@transaction.atomic
def otp_email_enable(*, user: User, acting_user: Any, tenant: Any = None) -> OtpFactor:
    """Codes by email to the account's address, which is verified already (sign-in needs it)."""
    tenant = tenant if tenant is not None else current_tenant()
    if OtpChannel.EMAIL not in otp_channels_allowed(user=user, tenant=tenant):
        raise OtpError("otp_not_allowed", "Your organisation's security policy does not allow codes by email.")
    if user.email_verified_at is None:
        raise OtpError("email_unverified", "Verify your email address first.")
    factor = OtpFactor.objects.select_for_update().filter(user=user, channel=OtpChannel.EMAIL).first()
    if factor is not None:
        return factor
    factor = OtpFactor(user=user, channel=OtpChannel.EMAIL, confirmed_at=timezone.now())
    return _factor_saved(factor, acting_user, "enrolled", tenant)


def otp_sms_start(*, user: User, phone: str, acting_user: Any, tenant: Any = None) -> SentCode:
    """Step 1 of SMS enrolment: keep the number (unconfirmed) and text it a code."""
    tenant = tenant if tenant is not None else current_tenant()
    if OtpChannel.SMS not in otp_channels_allowed(user=user, tenant=tenant):
        raise OtpError("otp_not_allowed", "Your organisation's security policy does not allow codes by text message.")
    number = phone_normalise(phone)
    with transaction.atomic():
        factor = OtpFactor.objects.select_for_update().filter(user=user, channel=OtpChannel.SMS).first()
        factor = factor or OtpFactor(user=user, channel=OtpChannel.SMS)
        factor.phone, factor.confirmed_at = number, None  # a new number must be confirmed again
        _factor_saved(factor, acting_user, "pending", tenant)
    return otp_code_send(user=user, channel=OtpChannel.SMS, purpose=OtpPurpose.ENROL, tenant=tenant)


def otp_sms_confirm(*, user: User, code: str, acting_user: Any, tenant: Any = None) -> OtpFactor:
    """Step 2: the code texted to the number proves it is the person's; the factor is usable from now."""
    tenant = tenant if tenant is not None else current_tenant()
    otp_code_verify(user=user, code=code, tenant=tenant, purpose=OtpPurpose.ENROL)
    with transaction.atomic():
        factor = OtpFactor.objects.select_for_update().filter(user=user, channel=OtpChannel.SMS).first()
        if factor is None:
            raise OtpError("otp_not_enrolled", "Start again: enter your mobile number.")
        factor.confirmed_at = timezone.now()
        return _factor_saved(factor, acting_user, "enrolled", tenant)


@transaction.atomic
def otp_factor_disable(*, user: User, channel: str, acting_user: Any, tenant: Any = None) -> bool:
    """Turn a code channel off; False when it was not on. Where the person must keep a second factor,
    their last one (counting TOTP and security keys) stays."""
    tenant = tenant if tenant is not None else current_tenant()
    factor = OtpFactor.objects.select_for_update().filter(user=user, channel=channel).first()
    if factor is None:
        return False
    others = strong_factors_for(user=user).exists() or any(
        f.pk != factor.pk for f in otp_factors_usable(user=user, tenant=tenant)
    )
    if factor.is_confirmed and mfa_required_for(user=user) and not others:
        raise OtpError(
            "last_factor", "Two-factor authentication is required for your account: add another factor first."
        )
    detail = {"type": factor.channel}
    factor._history_user = writes.history_user(acting_user)  # type: ignore[attr-defined]
    factor.delete()
    auth_event_record(kind=AuthEvent.Kind.MFA_REMOVED, user=user, tenant=tenant, detail=detail)
    audit_record(action="user.otp_factor_removed", acting_user=acting_user, target=user, after=detail)
    return True
