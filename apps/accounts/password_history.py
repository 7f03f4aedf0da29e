"""Password history: the hashes of a person's recent passwords (never the passwords), so a security
policy can refuse reusing one of the last N (apps.policy.password_history.PasswordHistoryValidator).

Rows are written whenever a password changes (apps.security: the allauth adapter records the hash
being replaced, `user_password_changed` the new one; both are idempotent thanks to the unique
constraint) and pruned to the newest PASSWORD_HISTORY_KEPT.
"""

from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import check_password, is_password_usable
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

# The longest history any policy may ask for (apps.policy.models.PASSWORD_HISTORY_MAX) is kept.
PASSWORD_HISTORY_KEPT = 24


class PasswordHistoryEntry(models.Model):
    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    password_hash = models.CharField(max_length=128)  # Django's hasher output, salted: never the password
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        app_label = "accounts"
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "password history entries"
        constraints = [
            models.UniqueConstraint(fields=["user", "password_hash"], name="accounts_passwordhistory_unique_hash"),
            # An unusable password ("!…") or an empty one is never history.
            models.CheckConstraint(
                condition=~Q(password_hash="") & ~Q(password_hash__startswith="!"),  # noqa: S106 - a hash prefix
                name="accounts_passwordhistory_usable_hash",
            ),
        ]
        indexes = [models.Index(fields=["user", "-created_at"], name="accounts_pwhistory_user_time")]

    def __str__(self) -> str:
        return f"Password of user {self.user_id} set {self.created_at:%Y-%m-%d}"


@transaction.atomic
def password_history_record(*, user: Any, password_hash: str | None = None) -> None:
    """Keep `password_hash` (default: the user's current one) in the history; idempotent."""
    value = password_hash if password_hash is not None else user.password
    if not value or not is_password_usable(value) or not getattr(user, "pk", None):
        return
    PasswordHistoryEntry.objects.bulk_create(
        [PasswordHistoryEntry(user_id=user.pk, password_hash=value)], ignore_conflicts=True
    )
    stale = PasswordHistoryEntry.objects.filter(user_id=user.pk).order_by("-created_at", "-id")[PASSWORD_HISTORY_KEPT:]
    PasswordHistoryEntry.objects.filter(pk__in=list(stale.values_list("pk", flat=True))).delete()


def password_recent_hashes(*, user: Any, count: int) -> list[str]:
    """The hashes of the person's last `count` passwords, the current one first."""
    if count <= 0 or not getattr(user, "pk", None):
        return []
    hashes = [user.password] if user.password and is_password_usable(user.password) else []
    history = PasswordHistoryEntry.objects.filter(user_id=user.pk).order_by("-created_at", "-id")
    for value in history.values_list("password_hash", flat=True)[:count]:
        if value not in hashes:
            hashes.append(value)
    return hashes[:count]


def password_is_recent(*, user: Any, password: str, count: int) -> bool:
    """Whether `password` is one of the person's last `count` passwords."""
    return any(check_password(password, value) for value in password_recent_hashes(user=user, count=count))
