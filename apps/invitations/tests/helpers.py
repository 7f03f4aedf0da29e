from typing import Any

from apps.invitations.models import Invitation
from apps.invitations.services import invitation_create


def invite(capture: Any, *, tenant: Any, email: str, role: str = "member", acting_user: Any = None) -> Invitation:
    """Create an invitation and run its after-commit email (the test transaction never commits)."""
    with capture(execute=True):
        return invitation_create(tenant=tenant, email=email, role=role, acting_user=acting_user)
