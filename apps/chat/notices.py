"""Who hears about chat (the Notice recipients and links of contributions.py): the people the service put
in the payload (mentioned members, or those whose channel is set to every message), their notification
preferences for the `chat` category applied by the engine."""

from typing import Any

from apps.accounts.selectors import tenant_url


def recipients(tenant: Any, payload: dict[str, Any]) -> list[str]:
    return list(payload.get("recipients") or [])


def url(tenant: Any, payload: dict[str, Any]) -> str:
    return tenant_url(tenant, "chat:channel", payload["channel"]["id"]) + f"#m{payload['id']}"
