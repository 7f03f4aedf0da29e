"""Bridges from allauth's email verification to the one accounts service that records it.

No rules live here: whatever path marks the person's own address verified (allauth's confirmation
link, which sends `email_confirmed`; the allauth admin's "verify" action; any other save of a
verified EmailAddress) hands it to `user_email_mark_verified`, so `User.email_verified_at`, which
the API token sign-in checks, never disagrees with allauth.
"""

from typing import Any

from allauth.account import signals as account_signals
from allauth.account.models import EmailAddress
from django.db.models.signals import post_save
from django.dispatch import receiver

from .services import user_email_mark_verified


def _mark(address: EmailAddress, request: Any = None) -> None:
    user = address.user
    if not address.verified or user.email_verified_at is not None:
        return
    if address.email.lower() != (user.email or "").lower():
        return  # another of the person's addresses: their sign-in email is what counts
    acting = getattr(request, "user", None)
    user_email_mark_verified(user=user, acting_user=acting if getattr(acting, "pk", None) == user.pk else None)


@receiver(account_signals.email_confirmed, dispatch_uid="accounts_email_confirmed")
def _email_confirmed(sender: Any, request: Any, email_address: EmailAddress, **kwargs: Any) -> None:
    _mark(email_address, request)


@receiver(post_save, sender=EmailAddress, dispatch_uid="accounts_email_address_saved")
def _email_address_saved(sender: Any, instance: EmailAddress, **kwargs: Any) -> None:
    if not kwargs.get("raw"):
        _mark(instance)
