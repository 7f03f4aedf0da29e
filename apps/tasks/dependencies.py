"""Finish-to-start dependencies between tasks (owned by the dependencies part of issue 16).

`task_status_set` (services.py) calls the two functions below inside its transaction:

- `start_refusal(task)`: before a task moves to in progress or done; a ValidationError (code
  `blocked_by_predecessors`, naming them) when a predecessor is not done, else None.
- `successors_refresh(task, acting_user)`: after a task's status changed; blocks or unblocks its
  successors (with `Task.blocked_reason`) and tells the people of those that became unblocked.
"""

from typing import Any

from django.core.exceptions import ValidationError

from .models import Task


def start_refusal(task: Task) -> ValidationError | None:
    return None


def successors_refresh(*, task: Task, acting_user: Any) -> None:
    return None
