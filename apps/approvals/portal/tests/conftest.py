"""Acme's organisation, access requests as the kind under test (the first real consumer)."""

from apps.access.tests.conftest import in_acme, person, tree  # noqa: F401
from apps.accessrequests.tests.conftest import requester, roles, workflow  # noqa: F401
