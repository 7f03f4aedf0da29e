"""Channel-layer group names. Each carries the tenant's schema, so two tenants' topics of the same name
never share a group (a socket of tenant A never receives tenant B's publish)."""

import hashlib
import re

# Channels accepts ASCII letters, digits, "-", "_" and "." in a group name, shorter than 100 characters.
_PLAIN = re.compile(r"^[A-Za-z0-9._-]+$")
_MAX = 99


def _name(kind: str, schema_name: str, key: str) -> str:
    name = f"rt{kind}.{schema_name}.{key}"
    if _PLAIN.match(name) and len(name) <= _MAX:
        return name
    # Any other topic (or a long one) by a digest of schema and topic: still one group per pair.
    digest = hashlib.sha256(f"{schema_name} {key}".encode()).hexdigest()[:48]  # schema names have no space
    return f"rt{kind}.h.{digest}"


def topic_group(schema_name: str, topic: str) -> str:
    return _name("t", schema_name, topic)


def person_group(schema_name: str, user_id: object) -> str:
    """The group of one person's open sockets in one tenant (subscribe/unsubscribe are sent to it)."""
    return _name("u", schema_name, str(user_id))
