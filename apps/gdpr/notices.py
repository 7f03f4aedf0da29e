"""Who is told what about GDPR requests (the `Notice`s in contributions.py; apps.notifications calls them
as `fn(tenant, payload)` after the request's transaction commits; payload: services.request_payload)."""

from typing import Any

from apps.accounts.selectors import tenant_admins, tenant_url


def person(tenant: Any, payload: dict[str, Any]) -> list[str]:
    """The person the request is about: their account, or (a completed erasure: the account is
    anonymised) the address they had, by email only."""
    return [payload["address"]] if payload.get("address") else [payload["subject_id"]]


def tenant_admins_of_erasure(tenant: Any, payload: dict[str, Any]) -> list[Any]:
    """gdpr.request_received: the organisation's admins, when one of its people asked for erasure
    through its portal or API (they see it at /manage/privacy/requests/). Never the person themself."""
    if tenant is None or payload["kind"] != "erasure":
        return []
    ids = tenant_admins(tenant).values_list("user_id", flat=True)
    return [user_id for user_id in ids if str(user_id) != payload["subject_id"]]


def privacy_url(tenant: Any, payload: dict[str, Any]) -> str:
    return tenant_url(tenant, "privacy:overview") if tenant is not None and not payload.get("address") else ""


def requests_url(tenant: Any, payload: dict[str, Any]) -> str:
    return tenant_url(tenant, "privacy:requests") if tenant is not None else ""
