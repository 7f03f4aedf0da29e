from typing import Any


def sample_payload() -> dict[str, Any]:
    return {"sample": True}
