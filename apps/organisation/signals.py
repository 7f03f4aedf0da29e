"""Signals the organisation sends; the access app listens to keep team assignments current.

Both are sent inside the writing transaction, with `membership` (an EntityMembership, still saved
when `entity_membership_removed` is sent) and `acting_user`.
"""

from django.dispatch import Signal

entity_membership_added = Signal()
entity_membership_removed = Signal()
