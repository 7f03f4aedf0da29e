"""Demo chat for Acme (seed_demo, after the organisation, the people and the workplaces): #general for
everyone, the Sales team's channel kept in step with the team, the Sydney CBD Store's channel, three weeks
of history with a thread, reactions and a mention, and a direct conversation between the admin and Mia.

Idempotent: channels are found by name (or team, workplace, pair) and every message carries a fixed client
id (uuid5 of its place in the script), so a second run adds nothing."""

import contextlib
import datetime
import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import tenant_context

from apps.accounts.models import User
from apps.catalogue.selectors import plan_solution_codes, tenant_plan
from apps.organisation.models import Entity
from apps.solutions.services import solution_access_ensure
from apps.tenancy.models import Tenant
from apps.workplaces.models import Workplace

from .models import Channel, Message
from .services import channel_create, direct_open, members_invite, message_send, reaction_set, synced_channel_create

NAMESPACE = uuid.UUID("6c0d7f3e-2b1a-4f4e-9c7d-00000000c4a7")
PEOPLE = ["admin@acme.localhost", "manager@acme.localhost", "sam@acme.localhost", "sara@acme.localhost",
          "sue@acme.localhost", "oliver@acme.localhost"]  # fmt: skip
# (channel key, days ago, hour, author, text, reply to the script line, reactions)
SCRIPT: list[tuple[str, int, int, str, str, int | None, tuple[tuple[str, str], ...]]] = [
    (
        "general",
        20,
        9,
        "admin",
        "Welcome to Acme's chat! Channels per team and store are kept in step with the organisation.",
        None,
        (("manager", "🎉"), ("sam", "👍")),
    ),
    ("general", 19, 10, "oliver", "Reminder: stock-take at every Sydney store on Friday.", None, ()),
    (
        "sales",
        18,
        8,
        "manager",
        "Morning team: this week we focus on the spring promotion displays.",
        None,
        (("sam", "👍"), ("sara", "👍")),
    ),
    ("sales", 18, 9, "sam", "Bondi is done, photos in the store visit report.", 2, ()),
    ("sales", 18, 9, "sara", "Parramatta tomorrow morning.", 2, ()),
    ("store", 15, 7, "sam", "Shelf 4 at the CBD store restocked; the end cap needs new price tags.", None, ()),
    ("store", 15, 8, "oliver", "@sam tags are printed, pick them up at the back office.", 5, (("sam", "✅"),)),
    ("sales", 10, 14, "manager", "Great numbers last week — thank you all.", None, (("sara", "❤️"),)),
    ("general", 7, 11, "sue", "The support line is moving to the new number on Monday.", None, ()),
    (
        "store",
        3,
        16,
        "sam",
        "Wet floor at the entrance again, sign is out. Reported as an incident.",
        None,
        (("oliver", "👀"),),
    ),
    ("sales", 1, 9, "sara", "@manager can we add the new range to Thursday's visits?", None, ()),
    ("sales", 1, 10, "manager", "Yes, I'll update the routes today.", 10, ()),
    ("direct", 2, 15, "admin", "Mia, can you check the chat retention settings with legal this week?", None, ()),
    ("direct", 2, 16, "manager", "Will do, I'll come back to you by Thursday.", None, ()),
]


def _people() -> dict[str, Any]:
    found = {u.email: u for u in User.objects.filter(email__in=PEOPLE)}
    return {email.split("@")[0]: found[email] for email in PEOPLE if email in found}


def _channels(people: dict[str, Any]) -> dict[str, Channel]:
    admin = people["admin"]
    everyone = [u for u in people.values() if u.pk != admin.pk]
    channels: dict[str, Channel] = {}
    general = Channel.objects.filter(name__iexact="general").first()
    channels["general"] = general or channel_create(
        name="general", topic="Everything Acme", members=everyone, acting_user=admin
    )
    team = Entity.objects.filter(external_id="demo:sales").first()
    if team is not None:
        channels["sales"] = Channel.objects.filter(team=team).first() or synced_channel_create(
            acting_user=admin, team=team, name="Sales team"
        )
    site = Workplace.objects.filter(code="SYD-CBD").first()
    if site is not None:
        store = Channel.objects.filter(workplace=site).first()
        if store is None:
            store = synced_channel_create(acting_user=admin, workplace=site, name="Sydney CBD Store")
            crew = [people[k] for k in ("sam", "oliver", "manager") if k in people]
            members_invite(channel=store, users=crew, acting_user=admin)
        channels["store"] = store
    if "manager" in people:
        channels["direct"] = direct_open(user=admin, other=people["manager"])[0]
    return channels


def _history(channels: dict[str, Channel], people: dict[str, Any]) -> int:
    now, created = timezone.now(), 0
    sent: dict[int, Message] = {}
    for line, (key, days, hour, who, text, reply_to, reactions) in enumerate(SCRIPT):
        channel, author = channels.get(key), people.get(who)
        if channel is None or author is None:
            continue
        parent = sent.get(reply_to) if reply_to is not None else None
        message, new = message_send(channel=channel, author=author, body=text, parent=parent,
                                    client_id=uuid.uuid5(NAMESPACE, f"line-{line}"))  # fmt: skip
        sent[line] = message
        if new:
            created += 1
            when = (now - datetime.timedelta(days=days)).replace(hour=hour, minute=5 + line % 50)
            Message.objects.filter(pk=message.pk).update(created_at=when)
            Channel.objects.filter(pk=channel.pk).update(last_message_at=when)
            for reactor, emoji in reactions:
                if reactor in people:
                    with contextlib.suppress(ValidationError):
                        reaction_set(message=message, user=people[reactor], emoji=emoji)
    return created


@transaction.atomic
def chat_demo_seed() -> int:
    """In the current tenant's schema; how many messages were added."""
    people = _people()
    if "admin" not in people:
        return 0
    with contextlib.suppress(ValidationError):
        solution_access_ensure(solution_code="chat", users=list(people.values()), reason="Demo: chat")
    return _history(_channels(people), people)


def demo_seed(*, stdout: Any = None) -> None:
    acme = Tenant.objects.filter(slug="acme").first()
    if acme is None or "chat" not in plan_solution_codes(tenant_plan(acme)):
        return
    with tenant_context(acme):
        created = chat_demo_seed()
    if stdout is not None:
        stdout.write(f"  Chat:         Acme: #general, Sales team, Sydney CBD Store and a direct conversation "
                     f"({created} messages added)\n")  # fmt: skip
