"""Where tenant files go in Django's storage (object storage in production)."""

from typing import Any

from django.db import connection


def tenant_file_path(area: str, *parts: Any, filename: str) -> str:
    """`<area>/<schema>/<parts…>/<filename>`: one organisation's files never share a folder with another's
    (the schema of the connection the file is saved on)."""
    schema = getattr(connection, "schema_name", "public")
    return "/".join([area, schema, *(str(part) for part in parts), filename])
