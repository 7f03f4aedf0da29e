"""The availability provider approvals asks (AvailabilityProvider "leave"): who is on approved leave."""

import datetime
from typing import Any

from .selectors import people_on_leave


def away(user_ids: set[Any], day: datetime.date) -> set[Any]:
    """Those of `user_ids` with approved leave covering `day`: one query, whatever the number of people."""
    if not user_ids:
        return set()
    return people_on_leave(user_ids, day)
