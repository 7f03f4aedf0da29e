from typing import Any

from django.core.management.base import BaseCommand

from apps.accounts.roles import staff_roles_sync


class Command(BaseCommand):
    help = "Create the staff role groups with exactly the permissions declared in apps/accounts/staff_roles.py."

    def handle(self, *args: Any, **options: Any) -> None:
        for name, count in staff_roles_sync().items():
            self.stdout.write(f"Staff role {name}: {count} permission(s).")
