"""Bridges to infrastructure only: the session clocks start at sign-in, and cached policies are
recomputed when the organisation changes under them (memberships, moves)."""

from typing import Any

from django.contrib.auth import signals as auth_signals
from django.dispatch import receiver

from apps.organisation.signals import entity_membership_added, entity_membership_removed, entity_moved

from .middleware import session_activity_start
from .selectors import policy_cache_invalidate


@receiver(auth_signals.user_logged_in, dispatch_uid="policy_session_clocks")
def _session_clocks_start(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    session = getattr(request, "session", None)
    if session is not None:
        session_activity_start(session)


@receiver(entity_membership_added, dispatch_uid="policy_cache_membership_added")
@receiver(entity_membership_removed, dispatch_uid="policy_cache_membership_removed")
@receiver(entity_moved, dispatch_uid="policy_cache_entity_moved")
def _policies_changed(sender: Any, **kwargs: Any) -> None:
    policy_cache_invalidate()
