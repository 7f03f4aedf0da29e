"""The pieces behind the browser fixtures (tests/browser/conftest.py; how to use them: README.md).

Everything runs in the test process: the live server (Django's LiveServerThread, one thread per
request), the Celery worker (celery.contrib.testing, a real worker consuming from Redis in a thread)
and the test itself, all on the browser test database with autocommit, so what one writes the others
see. Mail from the server and from the worker lands in Django's locmem outbox, which the test reads.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core import mail
from django.core.management import call_command

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from apps.accounts.models import User
    from apps.tenancy.models import Plan, Tenant

T = TypeVar("T")

# The Chromium the tests drive; bin/browser.sh installs it when missing (Debian's package).
CHROMIUM = os.environ.get("NF_CHROMIUM", "/usr/bin/chromium")
# Flags that work as root in containers and keep Chromium off the network (no updates, no sync).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # The platform domain and every tenant domain (`<slug>.localhost`) reach the live server on IPv4.
    "--host-resolver-rules=MAP localhost 127.0.0.1, MAP *.localhost 127.0.0.1",
]
ARTIFACTS_ROOT = Path(os.environ.get("NF_BROWSER_ARTIFACTS", Path(settings.BASE_DIR) / ".artifacts" / "browser"))
PASSWORD = "correct-horse-battery-staple"  # every person the builders make signs in with it


# Every page reports what the Content-Security-Policy blocked: the event carries the directive and the
# blocked URL (or "inline"); Playwright injects this script itself, so the policy does not block it.
_CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error(`CSP violation: ${e.effectiveDirective} blocked ${e.blockedURI || "inline"} on ${e.documentURI}` +
                (e.sample ? ` (${e.sample})` : ""));
});
"""


def watch_csp(context: Any, violations: list[str]) -> None:
    """Collect each CSP violation of the context's pages (popups too) into `violations`."""
    context.add_init_script(_CSP_LISTENER)

    def on_console(message: Any) -> None:
        text = message.text
        if message.type == "error" and (text.startswith("CSP violation:") or "Content Security Policy" in text):
            violations.append(text)

    context.on("console", on_console)


def unique(prefix: str) -> str:
    """`prefix-3f9a1c`: browser tests commit their data, so names must not collide between runs."""
    return f"{prefix}-{uuid.uuid4().hex[:6]}"


def wait_for(condition: Callable[[], T], *, timeout: float = 30, interval: float = 0.2, message: str = "") -> T:
    """Call `condition` until it returns something truthy, and return that; fail after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"Timed out after {timeout:g} s waiting for {message or condition!r}")
        time.sleep(interval)


# --- The live server ------------------------------------------------------------------------------


@dataclass
class Live:
    """Base URLs of the live server: the platform domain and each tenant's primary domain."""

    port: int
    scheme: str = "http"

    @property
    def platform_url(self) -> str:
        return f"{self.scheme}://{settings.PLATFORM_DOMAIN}:{self.port}"

    def url(self, path: str = "/") -> str:
        """A URL on the platform domain (staff admin, signup, platform API)."""
        return self.platform_url + path

    def tenant_url(self, tenant: Tenant, path: str = "/") -> str:
        """A URL on the tenant's primary domain, e.g. http://acme.localhost:8107/manage/."""
        domain = tenant.domains.filter(is_primary=True).values_list("domain", flat=True).first()
        assert domain, f"{tenant.slug} has no primary domain (is it provisioned?)"
        return f"{self.scheme}://{domain}:{self.port}{path}"

    def localise(self, url: str) -> str:
        """The same URL on the live server's port (links in emails name the host; the port may differ)."""
        parts = urlsplit(url)
        return urlunsplit((self.scheme, f"{parts.hostname}:{self.port}", parts.path, parts.query, parts.fragment))


# --- People and tenants ---------------------------------------------------------------------------


@dataclass
class Person:
    """Someone who can sign in: the user row, the password, and the TOTP secret when they have one."""

    user: User
    password: str = PASSWORD
    totp_secret: str = ""
    _last_totp: list[int] = field(default_factory=list, repr=False)

    @property
    def email(self) -> str:
        return str(self.user.email)

    def totp_code(self) -> str:
        """The code valid now; waits for the next period when this one was already used (allauth
        refuses a code twice)."""
        from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

        assert self.totp_secret, f"{self.email} has no TOTP factor"
        period = int(getattr(settings, "MFA_TOTP_PERIOD", 30))
        counter = int(time.time()) // period
        if self._last_totp and self._last_totp[-1] >= counter:
            time.sleep((counter + 1) * period - time.time() + 0.2)
            counter = int(time.time()) // period
        self._last_totp.append(counter)
        return str(format_hotp_value(hotp_value(self.totp_secret, counter)))


class People:
    """Builders for committed test data: tenants (provisioned by the worker) and people in them."""

    def tenant(self, *, name: str = "", slug: str = "", plan: Plan | None = None, timeout: float = 60) -> Tenant:
        """A tenant made as staff make one (`tenant_request`), provisioned by the real worker; returns
        when it is active."""
        from apps.tenancy.lifecycle import tenant_request
        from apps.tenancy.models import ProvisioningJob, Tenant

        slug = slug or unique("bt")
        job = tenant_request(name=name or f"Tenant {slug}", slug=slug, plan=plan, acting_user=None)

        def finished() -> ProvisioningJob | None:
            current = ProvisioningJob.objects.get(pk=job.pk)
            if current.status == ProvisioningJob.Status.FAILED:
                raise AssertionError(f"Provisioning {slug} failed: {current.error}")
            return current if current.status == ProvisioningJob.Status.SUCCEEDED else None

        wait_for(finished, timeout=timeout, message=f"the worker to provision {slug}")
        return Tenant.objects.get(pk=job.tenant_id)

    def member(self, tenant: Tenant, *, role: str = "member", email: str = "", full_name: str = "") -> Person:
        """An active member of `tenant` with a verified email; `role` is a Membership.Role value
        ("member", "tenant_admin", …)."""
        from tests.factories import MembershipFactory

        email = email or f"{unique(role.replace('_', '-'))}@example.test"
        extra = {"user__full_name": full_name} if full_name else {}
        membership = MembershipFactory(tenant=tenant, role=role, user__email=email, **extra)
        return Person(user=_verified(membership.user))

    def tenant_admin(self, tenant: Tenant, *, email: str = "") -> Person:
        from apps.accounts.models import Membership

        return self.member(tenant, role=Membership.Role.TENANT_ADMIN, email=email)

    def staff(self, *, group: str = "", superuser: bool = False, email: str = "") -> Person:
        """A platform staff user with a TOTP factor (staff must use one); `group` is a staff role
        name from apps/accounts/staff_roles.py (SUPPORT, BILLING_ADMIN, …)."""
        from django.contrib.auth.models import Group

        from apps.accounts.totp import totp_ensure
        from tests.factories import UserFactory

        user = UserFactory(email=email or f"{unique('staff')}@platform.test", is_staff=True, is_superuser=superuser)
        if group:
            user.groups.add(Group.objects.get(name=group))
        secret, _codes = totp_ensure(user)
        return Person(user=_verified(user), totp_secret=secret)


def _verified(user: User) -> User:
    """What confirming the address gives a person: allauth's verified EmailAddress and email_verified_at."""
    from apps.accounts.services import user_email_mark_verified

    return user_email_mark_verified(user=user, acting_user=None)


def sign_in(page: Page, url: str, person: Person) -> None:
    """Sign in through the allauth form at `url` (e.g. live.tenant_url(t, "/accounts/login/?next=/manage/"));
    answers the TOTP step when the person has a factor. Returns when the browser has left the forms."""
    page.goto(url)
    page.locator("input[name=login]").fill(person.email)
    page.locator("input[name=password]").fill(person.password)
    page.locator("input[name=password]").press("Enter")
    page.wait_for_load_state()
    if "/accounts/2fa/authenticate/" in page.url:
        page.locator("input[name=code]").fill(person.totp_code())
        page.locator("input[name=code]").press("Enter")
        page.wait_for_load_state()
    if any(form in page.url for form in ("/accounts/login/", "/accounts/2fa/", "/accounts/confirm-email/")):
        raise AssertionError(
            f"{person.email} could not sign in at {url}; the page says: {page.inner_text('body')[:500]}"
        )


# --- Mail -----------------------------------------------------------------------------------------

URL = re.compile(r"https?://[^\s\"'<>]+")


class Mailbox:
    """Reads the outbox that both the live server and the worker send to (locmem, in this process)."""

    def __init__(self, live: Live) -> None:
        self.live = live

    def messages(self, to: str) -> list[Any]:
        return [message for message in list(mail.outbox) if to.lower() in [a.lower() for a in message.to]]

    def last(self, to: str, *, subject: str = "", count: int = 1, timeout: float = 30) -> Any:
        """The last email to `to` (whose subject contains `subject`), waiting until at least `count`
        such emails have been sent."""

        def found() -> Any:
            matching = [m for m in self.messages(to) if subject.lower() in m.subject.lower()]
            return matching[-1] if len(matching) >= count else None

        return wait_for(found, timeout=timeout, message=f"an email to {to} (subject containing {subject!r})")

    def link(self, to: str, *, contains: str = "", subject: str = "", timeout: float = 30) -> str:
        """The first link in the last email to `to` whose URL contains `contains`, on the live
        server's port (ready for page.goto)."""
        message = self.last(to, subject=subject, timeout=timeout)
        bodies = [message.body] + [content for content, _type in getattr(message, "alternatives", [])]
        for body in bodies:
            for url in URL.findall(str(body)):
                url = url.rstrip(".,;)").replace("&amp;", "&")
                if contains in url:
                    return self.live.localise(url)
        raise AssertionError(f"No link containing {contains!r} in the last email to {to}:\n{message.body}")


# --- Commands -------------------------------------------------------------------------------------


def command(name: str, *args: Any, **options: Any) -> str:
    """Run a management command in the test process (same database as the server); returns its output."""
    out = StringIO()
    call_command(name, *args, stdout=out, stderr=out, **options)
    return out.getvalue()


# --- Artifacts ------------------------------------------------------------------------------------


class Artifacts:
    """`.artifacts/browser/<test name>/`: screenshots and HTML of a test, kept after the run."""

    def __init__(self, test_name: str) -> None:
        self.dir = ARTIFACTS_ROOT / re.sub(r"[^A-Za-z0-9_.-]+", "_", test_name)
        self._lock = threading.Lock()

    def reset(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)

    def screenshot(self, page: Page, name: str = "last") -> Path:
        """A full-page screenshot (and the page's HTML next to it); returns the PNG's path."""
        with self._lock:
            self.dir.mkdir(parents=True, exist_ok=True)
            png = self.dir / f"{name}.png"
            page.screenshot(path=str(png), full_page=True)
            (self.dir / f"{name}.html").write_text(page.content(), encoding="utf-8")
            return png
