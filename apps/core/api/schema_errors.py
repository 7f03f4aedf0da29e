"""OpenAPI: the error answers any operation can give, added to every operation that does not say.

Every endpoint of both APIs can answer 401 (credentials sent but not valid), 403 (refused), a 404
for a missing object or a stale pagination cursor, a 400 when it reads input, and on a tenant's
domain a 429 (the key's rate or the organisation's daily quota). A view that describes one of
these itself keeps its own description; this hook only fills in the ones it left out, so the
documents say what the API really answers (schemathesis checks it in tests/test_api_contract.py).
"""

from typing import Any

HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
ERROR_SCHEMA = {
    "type": "object",
    "description": "An error: `detail` says what happened and `code` names it (validation errors may "
    "also carry the refused fields).",
    "properties": {"detail": {"type": "string"}, "code": {"type": "string"}},
}
ERROR_REF = {"$ref": "#/components/schemas/Error"}
TENANT_API_PREFIX = "/api/v1/"


def _errors(path: str, method: str, operation: dict[str, Any]) -> list[tuple[str, str]]:
    parameters = operation.get("parameters", [])
    query = {p.get("name") for p in parameters if p.get("in") == "query"}
    errors = [
        ("401", "Credentials were sent but are not valid (expired, revoked, another organisation's)."),
        ("403", "Refused: not allowed to do this (see `code`)."),
    ]
    if "{" in path or "cursor" in query:
        errors.append(("404", "No such object here (or a pagination cursor that is no longer valid)."))
    if method in ("post", "put", "patch") or query:
        errors.append(("400", "The request is not valid (see `detail`, `code` and the fields)."))
    if path.startswith(TENANT_API_PREFIX):
        errors.append(("429", "Too many requests: the API key's rate or the organisation's daily quota."))
    return errors


def error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular postprocessing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"])."""
    result.setdefault("components", {}).setdefault("schemas", {}).setdefault("Error", ERROR_SCHEMA)
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in HTTP_METHODS:
                continue
            responses = operation.setdefault("responses", {})
            for status, description in _errors(path, method, operation):
                responses.setdefault(
                    status, {"description": description, "content": {"application/json": {"schema": ERROR_REF}}}
                )
    return result
