"""Both OpenAPI documents generate without warnings, and every operation is described."""

import json

import pytest
from django.core.management import call_command

SCHEMAS = ["config.urls.api_platform_schema", "config.urls.api_tenant_schema"]


@pytest.mark.parametrize("urlconf", SCHEMAS)
def test_schema_generates_without_warnings_and_describes_every_operation(urlconf, tmp_path):
    target = tmp_path / "schema.json"
    call_command("spectacular", urlconf=urlconf, fail_on_warn=True, format="openapi-json", file=str(target))
    document = json.loads(target.read_text())
    undescribed = [
        f"{method.upper()} {path}"
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if not operation.get("description") and not operation.get("summary")
    ]
    assert undescribed == []
