import pytest

from apps.security.devices import device_from_user_agent

from .conftest import CHROME_ON_WINDOWS


@pytest.mark.parametrize(
    ("user_agent", "name", "kind"),
    [
        (CHROME_ON_WINDOWS, "Chrome on Windows", "desktop"),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 "
            "Safari/605.1.15",
            "Safari on macOS",
            "desktop",
        ),
        ("Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0", "Firefox on Linux", "desktop"),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 "
            "Safari/537.36 Edg/126.0",
            "Edge on Windows",
            "desktop",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "Version/17.5 Mobile/15E148 Safari/604.1",
            "Safari on iPhone",
            "mobile",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 "
            "Mobile Safari/537.36",
            "Chrome on Android",
            "mobile",
        ),
        (
            "Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 "
            "Safari/537.36",
            "Chrome on Android",
            "tablet",
        ),
        (
            "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 "
            "Mobile/15E148 Safari/604.1",
            "Safari on iPad",
            "tablet",
        ),
        ("Googlebot/2.1 (+http://www.google.com/bot.html)", "Automated client", "bot"),
        ("curl/8.5.0", "Automated client", "bot"),
        ("", "Unknown device", "unknown"),
        ("SomethingElse/1.0", "Unknown device", "unknown"),
    ],
)
def test_device_from_user_agent(user_agent, name, kind):
    device = device_from_user_agent(user_agent)
    assert (device.name, device.type) == (name, kind)
