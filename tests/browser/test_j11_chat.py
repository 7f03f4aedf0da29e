"""J11: issue 17's chat acceptance. A tenant on a plan with Chat; Ada (tenant admin) and Ben (a member), each
signed in in their own browser, on the same channel's chat page, with the WebSocket server running (the
`realtime` fixture). Ada posts; Ben sees it appear without reloading, delivered over the socket: his page
says it is live (so it polls only every 30 s as a safety net), his socket received the `message.created`
frame, and the message is on his page within 3 s (without a socket the page polls every 4 s). Ben replies
in a thread and reacts; Ada, who has the thread open, sees both live. Ada @mentions Ben through the
composer's autocomplete (keyboard); the mention reaches Ben's bell. Ada posts in another channel; Ben's
unread count for it goes up live, and clears when he opens it.
"""

import json
import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from apps.notifications.models import Notification
from tests.browser.harness import wait_for
from tests.browser.test_j8_attendance import _professional_plan

LIVE_WITHIN_MS = 3000  # under the 4 s polling of a page without a socket


def _world(tenant: Any, ada: Any, ben: Any) -> tuple[Any, Any]:
    """Both may use Chat; Ada owns #floor and #deliveries, Ben is in both (J11 is about talking, not set-up)."""
    from apps.chat import services
    from apps.solutions.services import solution_access_ensure

    with tenant_context(tenant):
        solution_access_ensure(solution_code="chat", users=[ada.user, ben.user], acting_user=ada.user, reason="J11")
        floor = services.channel_create(name="floor", topic="The shop floor", members=[ben.user], acting_user=ada.user)
        deliveries = services.channel_create(name="deliveries", members=[ben.user], acting_user=ada.user)
    return floor, deliveries


def _frames(page: Any) -> list[dict[str, Any]]:
    """Every frame the page's WebSockets receive, decoded (registered before the page opens its socket)."""
    seen: list[dict[str, Any]] = []

    def on_socket(socket: Any) -> None:
        socket.on("framereceived", lambda payload: seen.append(json.loads(payload)))

    page.on("websocket", on_socket)
    return seen


def _event(frames: list[dict[str, Any]], name: str, **match: Any) -> dict[str, Any] | None:
    """The first `name` event received whose data (or its message) has the values in `match`."""

    def matches(data: dict[str, Any]) -> bool:
        message = data.get("message") or {}
        return all(data.get(key) == value or message.get(key) == value for key, value in match.items())

    for frame in list(frames):
        data = frame.get("data") or {}
        if frame.get("type") == "event" and data.get("event") == name and matches(data):
            return data
    return None


def _received(page: Any, frames: list[dict[str, Any]], name: str, **match: Any) -> dict[str, Any]:
    """Waits (5 s) for the page's socket to have received that event. Playwright hands events over only while
    the test calls it, hence the short waits on the page."""
    return wait_for(lambda: page.wait_for_timeout(50) or _event(frames, name, **match), timeout=5,
                    message=f"the socket to receive {name} {match} (received: {frames})")  # fmt: skip


def test_two_people_chat_live_over_the_socket(page, new_page, live, realtime, people, sign_in, artifacts):
    tenant = people.tenant(name="Harbour Chat", plan=_professional_plan())
    ada = people.member(tenant, role="tenant_admin", full_name="Ada Admin")
    ben = people.member(tenant, full_name="Ben Baker")
    with ThreadPoolExecutor(1) as other_thread:  # publishing to the channel layer needs a thread without a loop
        floor, deliveries = other_thread.submit(_world, tenant, ada, ben).result()
    channel_url = live.tenant_url(tenant, f"/manage/chat/{floor.pk}/")

    # Both open #floor, each in their own browser; both pages are live (their socket is connected).
    sign_in(page, live.tenant_url(tenant, f"/accounts/login/?next=/manage/chat/{floor.pk}/"), ada)
    ben_page = new_page()
    ben_frames = _frames(ben_page)
    sign_in(ben_page, live.tenant_url(tenant, f"/accounts/login/?next=/manage/chat/{floor.pk}/"), ben)
    for someone in (page, ben_page):
        assert someone.url == channel_url
        expect(someone.get_by_role("heading", name="# floor")).to_be_visible()
        expect(someone.locator("#chat")).to_have_attribute("data-live", "1")
        expect(someone.locator("#chat-live")).to_be_visible()
    ben_page.evaluate("window.j11SamePage = true")  # gone if Ben's page reloads or navigates

    # Ada posts; Ben sees it without reloading, within 3 s, and his socket carried it.
    page.get_by_label("Message").fill("Morning! Shelf 4 is restocked.")
    page.get_by_label("Message").press("Enter")
    expect(page.locator("#chat-messages")).to_contain_text("Morning! Shelf 4 is restocked.")
    created = _received(ben_page, ben_frames, "message.created", body="Morning! Shelf 4 is restocked.")
    expect(ben_page.locator("#chat-messages")).to_contain_text("Morning! Shelf 4 is restocked.", timeout=LIVE_WITHIN_MS)
    first = created["message"]["id"]
    assert created["message"]["author"] == str(ada.user.pk)

    # Ada opens the thread of her message; Ben replies in it and reacts to it. Ada sees both live.
    page.locator(f"#chat-messages #m{first}").get_by_role("link", name="Reply").click()
    expect(page.locator("#chat-thread")).to_contain_text("No replies yet.")
    ben_message = ben_page.locator(f"#chat-messages #m{first}")
    ben_message.get_by_role("link", name="Reply").click()
    thread = ben_page.locator("#chat-thread")
    thread.get_by_label("Reply").fill("On it, the facings look good.")
    thread.get_by_role("button", name="Reply", exact=True).click()
    expect(thread.locator("#chat-replies")).to_contain_text("On it, the facings look good.")
    expect(page.locator("#chat-replies")).to_contain_text("On it, the facings look good.", timeout=LIVE_WITHIN_MS)
    expect(page.locator(f"#chat-messages #m{first}")).to_contain_text("1 reply", timeout=LIVE_WITHIN_MS)
    ben_message.locator("summary", has_text="React").click()
    ben_message.get_by_role("button", name="👍", exact=True).click()
    expect(ben_message).to_contain_text("👍 1")
    expect(page.locator(f"#chat-messages #m{first}")).to_contain_text("👍 1", timeout=LIVE_WITHIN_MS)
    _received(ben_page, ben_frames, "reaction.changed", message_id=first, emoji="👍")

    # Ada @mentions Ben: "@be" lists him (the channel's members only), Enter writes the word that names him.
    composer = page.get_by_label("Message")
    composer.fill("")
    composer.press_sequentially("Thanks @be", delay=30)
    suggestions = page.get_by_role("listbox", name="People to mention")
    expect(suggestions.get_by_role("option")).to_have_count(1)
    expect(suggestions.get_by_role("option", name=re.compile("^Ben Baker"))).to_have_attribute("aria-selected", "true")
    composer.press("ArrowDown")  # one suggestion: down comes back to it
    composer.press("Enter")  # chooses (does not send)
    expect(suggestions).to_be_hidden()
    expect(composer).to_have_value("Thanks @BenBaker ")
    composer.press_sequentially("the thread has the details.")
    composer.press("Enter")
    expect(ben_page.locator("#chat-messages")).to_contain_text("Thanks @BenBaker the thread has the details.",
                                                               timeout=LIVE_WITHIN_MS)  # fmt: skip

    # Ada posts in #deliveries; Ben, still on #floor, sees its unread count go up live.
    page.locator("#chat-channels").get_by_role("link", name="# deliveries").click()
    expect(page.locator("#chat")).to_have_attribute("data-live", "1")
    page.get_by_label("Message").fill("The truck is at the back door.")
    page.get_by_label("Message").press("Enter")
    unread = ben_page.locator(f'#chat-channels [data-channel="{deliveries.pk}"] .chat-unread')
    expect(unread).to_have_text("1", timeout=LIVE_WITHIN_MS)
    assert ben_page.evaluate("window.j11SamePage") is True, "Ben's page reloaded: the messages did not arrive live"
    artifacts.screenshot(ben_page, "ben-live")

    # The mention reached Ben's bell (the notifications engine, through the worker).
    def told() -> list[Any]:
        with tenant_context(tenant):
            return list(Notification.objects.filter(recipient=ben.user, event="chat.mentioned"))

    wait_for(told, message="Ben's notification of the mention")
    ben_page.reload()
    bell = ben_page.locator("#notifications-bell")
    expect(bell).to_have_attribute("aria-label", re.compile(r"^Notifications: [1-9]\d* unread$"))
    bell.click()
    expect(ben_page.get_by_role("link", name="Ada Admin mentioned you in #floor")).to_be_visible()

    # Ben opens #deliveries: the message is there, and the count is gone.
    ben_page.goto(live.tenant_url(tenant, f"/manage/chat/{deliveries.pk}/"))
    expect(ben_page.locator("#chat-messages")).to_contain_text("The truck is at the back door.")
    expect(ben_page.locator(f'#chat-channels [data-channel="{deliveries.pk}"] .chat-unread')).to_have_text("")
    artifacts.screenshot(page, "last")
