from typing import Any

from allauth.mfa.models import Authenticator
from django.core.management.base import BaseCommand, CommandError

from apps.accounts.models import User
from apps.accounts.totp import totp_code_now, totp_ensure


class Command(BaseCommand):
    help = "Print the TOTP code valid now for a user who has a TOTP factor (development and demos only)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("email", nargs="?", default="admin@nidia.localhost")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(email__iexact=options["email"]).first()
        if user is None or not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            raise CommandError(f"{options['email']} has no TOTP factor.")
        secret, _ = totp_ensure(user)
        self.stdout.write(totp_code_now(secret))
