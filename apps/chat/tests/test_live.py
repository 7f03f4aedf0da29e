"""Chat over a real socket (the realtime app's uvicorn fixture, tests/test_realtime_server.py): Ann sends a
message (the service the API calls, committed); Bob, a member of the channel, receives it on his socket as a
`message.created` event. The people, the plan with Chat and the channel are committed, then removed."""

import asyncio
from typing import Any

import pytest
from django_tenants.utils import tenant_context

from apps.chat import services
from apps.chat.models import Channel
from apps.solutions.models import SolutionAccess
from apps.tenancy.models import Plan, Tenant
from tests.test_realtime_server import People, _committed, _frame, _open, _ready, realtime_server, run

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
__all__ = ["realtime_server"]  # the server fixture, used by name


@pytest.fixture
def live_world(acme):
    from apps.catalogue.models import Solution

    people = People()
    before = acme.plan_id
    # The server reads on its own connection: the catalogue's Chat must be committed (the `catalogue` fixture's
    # rows live in the test's transaction only). Made here when missing, removed again at the end.
    made_solution = _committed(
        lambda: Solution.objects.get_or_create(code="chat", defaults={"name": "Chat", "is_active": True})[1]
    )
    plan = _committed(lambda: Plan.objects.create(name="chat-live-test", display_name="Chat live (test)",
                                                  features={"solutions": ["chat"], "integrations": []}))  # fmt: skip
    _committed(lambda: Tenant.objects.filter(pk=acme.pk).update(plan=plan))
    acme.refresh_from_db()
    ann, bob, cy = (people.member(acme) for _ in range(3))

    def build() -> Any:
        with tenant_context(acme):
            for user in (ann, bob, cy):
                SolutionAccess.objects.create(solution_code="chat", user=user, reason="live test")
            return services.channel_create(name="live-test", members=[bob], acting_user=ann)

    channel = _committed(build)
    yield acme, people, channel, ann, bob, cy

    def cleanup() -> None:
        with tenant_context(acme):
            Channel.objects.filter(pk=channel.pk).delete()
            SolutionAccess.objects.filter(user__in=[ann, bob, cy]).delete()
        Tenant.objects.filter(pk=acme.pk).update(plan_id=before)
        Plan.objects.filter(pk=plan.pk).delete()
        if made_solution:
            Solution.objects.filter(code="chat").delete()

    _committed(cleanup)
    people.cleanup()


def test_a_message_reaches_the_members_live(realtime_server, live_world):
    _, people, channel, ann, bob, cy = live_world
    sessions = [people.session(user) for user in (ann, bob, cy)]
    topic = f"chat.channel.{channel.pk}"

    def send() -> Any:
        with tenant_context(channel_tenant):
            return services.message_send(channel=channel, author=ann, body="Live!")[0]

    channel_tenant = live_world[0]

    async def scenario() -> None:
        async with await _open(realtime_server, "acme.localhost", session=sessions[1]) as b:
            await _ready(b)
            await asyncio.to_thread(_committed, send)  # the API's send, committed: published after commit
            event = await _frame(b)
            assert event["topic"] == topic and event["data"]["event"] == "message.created"
            assert event["data"]["message"]["body"] == "Live!"

    run(scenario())
