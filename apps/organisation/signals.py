"""Signals the organisation sends; the access app listens to keep team assignments current.

All are sent inside the writing transaction, with `membership` (an EntityMembership, still saved
when `entity_membership_removed` is sent) and `acting_user`.
"""

from django.dispatch import Signal

entity_membership_added = Signal()
entity_membership_removed = Signal()

# Sent with `entity` and `acting_user` after an entity is created (its ancestors' subtree-scoped
# assignments must now cover it) and after it moved (`old_path` given: the subtree's coverage changes).
entity_created = Signal()
entity_moved = Signal()
