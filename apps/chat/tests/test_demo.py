"""The demo step: channels, history and a direct conversation for Acme's demo people, idempotent."""

import pytest
from django_tenants.utils import tenant_context

from apps.chat.demo import SCRIPT, chat_demo_seed
from apps.chat.models import Channel, Message
from apps.workplaces.demo import workplaces_demo_seed
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_demo_seed_twice_adds_once(chat):
    for email in ("admin@acme.localhost", "manager@acme.localhost", "sam@acme.localhost", "oliver@acme.localhost"):
        MembershipFactory(tenant=chat.tenant, user__email=email, user__full_name=email.split("@")[0].title())
    with tenant_context(chat.tenant):
        workplaces_demo_seed()
        created = chat_demo_seed()
        assert created == len([line for line in SCRIPT if line[3] in ("admin", "manager", "sam", "oliver")
                               and line[0] != "sales"])  # fmt: skip
        assert chat_demo_seed() == 0
        assert Channel.objects.filter(kind="direct").count() == 1
        assert Channel.objects.get(workplace__code="SYD-CBD").members.count() == 4
        assert Message.objects.filter(parent__isnull=False).exists()
