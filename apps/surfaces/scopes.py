"""Which API-key scopes a view needs: its `resource_family` or `required_scopes` declaration.

`resource_family = "<family>"`: GET/HEAD/OPTIONS need "<family>:read", other methods
"<family>:write". `required_scopes`: a list (every method), or a dict of method → list (a method
missing from the dict refuses keys). A view that declares neither refuses API keys altogether.
"""

from typing import Any

from rest_framework.permissions import SAFE_METHODS


def view_declares_scopes(view: Any) -> bool:
    """True when the view accepts API keys for at least some method."""
    return getattr(view, "required_scopes", None) is not None or bool(getattr(view, "resource_family", None))


def view_required_scopes(view: Any, method: str) -> tuple[str, ...]:
    """The scopes a key needs for this view and method; () when the view does not accept keys."""
    explicit = getattr(view, "required_scopes", None)
    if isinstance(explicit, dict):
        return tuple(explicit.get(method.upper(), ()))
    if explicit is not None:
        return tuple(explicit)
    family = getattr(view, "resource_family", None)
    if not family:
        return ()
    return (f"{family}:{'read' if method.upper() in SAFE_METHODS else 'write'}",)
