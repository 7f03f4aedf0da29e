"""Who hears about an access request's outcome (Notice recipients and links, contributions.py)."""

from typing import Any

from django.urls import reverse


def requester(tenant: Any, payload: dict[str, Any]) -> list[int]:
    return [payload["requester"]["id"]]


def url(tenant: Any, payload: dict[str, Any]) -> str:
    return reverse("accessrequests:detail", kwargs={"pk": payload["id"]})
