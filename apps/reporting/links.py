"""Signed links of reports (django.core.signing): a generated file's download link for one recipient
(expires after `LINK_DAYS`; needs no sign-in) and an external address's confirmation link.

Each token names the tenant's schema, so a link of one organisation opens nothing on another's domain,
and a salt per purpose, so a confirmation token is not a download token.
"""

import datetime
from typing import Any

from django.core import signing
from django.db import connection

from apps.accounts.selectors import tenant_url

LINK_DAYS = 7
LINK_MAX_AGE = datetime.timedelta(days=LINK_DAYS)
CONFIRM_MAX_AGE = datetime.timedelta(days=30)
DOWNLOAD_SALT = "reporting.download"
CONFIRM_SALT = "reporting.confirm"


def _schema() -> str:
    return str(getattr(connection, "schema_name", ""))


def download_token(report_id: int, recipient: str) -> str:
    return signing.dumps({"s": _schema(), "r": report_id, "e": recipient}, salt=DOWNLOAD_SALT, compress=True)


def download_check(token: str, *, max_age: datetime.timedelta = LINK_MAX_AGE) -> tuple[int, str] | None:
    """(report id, recipient) of a valid, unexpired token of this schema; None otherwise (tampered, expired,
    another organisation's)."""
    try:
        data = signing.loads(token, salt=DOWNLOAD_SALT, max_age=max_age)
        if data["s"] != _schema():
            return None
        return int(data["r"]), str(data["e"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def download_url(tenant: Any, report_id: int, recipient: str) -> str:
    return tenant_url(tenant, "reporting:signed_download", download_token(report_id, recipient))


def confirm_token(recipient_id: int, email: str) -> str:
    return signing.dumps({"s": _schema(), "x": recipient_id, "e": email}, salt=CONFIRM_SALT, compress=True)


def confirm_check(token: str) -> tuple[int, str] | None:
    try:
        data = signing.loads(token, salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
        if data["s"] != _schema():
            return None
        return int(data["x"]), str(data["e"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def confirm_url(tenant: Any, recipient_id: int, email: str) -> str:
    return tenant_url(tenant, "reporting:confirm", confirm_token(recipient_id, email))
