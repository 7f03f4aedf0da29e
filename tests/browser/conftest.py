"""Browser journeys: Chromium (Playwright) against a live server and a real Celery worker.

Run with `make browser` or `bin/browser.sh [pytest args]` (the main suite ignores this folder).
The fixtures (documented in README.md, keep them stable; other journeys build on them):

    live      the live server: live.url(path), live.tenant_url(tenant, path), live.platform_url
    page      a Playwright page in a fresh browser context (no cookies), per test
    new_page  new_page() -> another page in its own context (a second person)
    people    builders of committed data: people.tenant(), people.tenant_admin(t), people.member(t, role=),
              people.staff(group=)
    sign_in   sign_in(page, url, person): the allauth form, and the TOTP step for staff
    mailbox   mailbox.last(to), mailbox.link(to, contains=): mail sent by the server or the worker
    command   command("billing_run", "--now", ...): a management command in the test process
    wait_for  wait_for(condition, timeout=30): poll until truthy
    realtime  the WebSocket server (uvicorn serving config.asgi) on its own port; pages point their socket at it
    artifacts artifacts.screenshot(page, "last"): full-page PNG + HTML in .artifacts/browser/<test>/

Data is committed (the server and the worker run on their own connections) and never rolled back:
the browser database is its own (`<TEST_DATABASE_NAME>_browser`), created afresh by each run of
bin/browser.sh, and the builders give every tenant and person a unique name. Run this folder in a
pytest invocation of its own, without -n (the fixtures below replace pytest-django's database ones).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from . import harness
from .harness import Artifacts, Live, Mailbox, People

BROWSER_DIR = Path(__file__).parent
# Playwright's sync API runs an event loop in the test's thread, so Django would take every ORM call
# of the test for one made from async code; the test's calls are plain synchronous ones.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_sessionstart(session: pytest.Session) -> None:
    """Artifacts are of this run only (CI prints the folder when a journey fails)."""
    shutil.rmtree(harness.ARTIFACTS_ROOT, ignore_errors=True)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if BROWSER_DIR in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.browser)
            # Tells pytest-django the run needs the database (it sets up only what tests ask for);
            # the transaction that marker would start is replaced below (_django_db_marker).
            item.add_marker(pytest.mark.django_db)


# --- Database: the browser run's own, with committed data ---------------------------------------


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> None:
    """`<test database>_browser`: journeys commit data, which must never reach the main suite's database."""
    test = settings.DATABASES["default"].setdefault("TEST", {})
    name = test.get("NAME") or f"test_{settings.DATABASES['default']['NAME']}"
    if not name.endswith("_browser"):
        test["NAME"] = f"{name}_browser"


@pytest.fixture(scope="session")
def _browser_db(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """Database access for the whole session, outside any transaction (autocommit): the live server's
    and the worker's threads must see what the test writes, and the test what they write."""
    with django_db_blocker.unblock():
        yield
        # Connections the worker and server threads left open would keep the test database from
        # being dropped at the end of the run.
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        connection.close()


@pytest.fixture(autouse=True)
def _django_db_marker(_browser_db: None) -> None:
    """Replaces pytest-django's fixture of that name, which wraps each `django_db` test in a transaction
    (or flushes every table after it): a journey uses the database in autocommit, like the server."""


# --- Live server and worker -----------------------------------------------------------------------


@pytest.fixture(scope="session")
def celery_worker(_browser_db: None) -> Iterator[Any]:
    """A real Celery worker (solo pool) in a thread of this process, consuming the test queue."""
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    app.control.purge()  # tasks left in the queue by an earlier run
    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=30) as worker:
        yield worker


@pytest.fixture(scope="session")
def live(_browser_db: None, celery_worker: Any) -> Iterator[Live]:
    """The real app on 127.0.0.1 (port NF_BROWSER_PORT, else a free one), reachable as `localhost`
    (platform) and `<slug>.localhost` (tenants); links in emails name the same port."""
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.test.testcases import LiveServerThread

    thread = LiveServerThread("127.0.0.1", StaticFilesHandler, port=int(os.environ.get("NF_BROWSER_PORT", "0")))
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    overrides = {"PUBLIC_URL_SCHEME": "http", "PUBLIC_URL_PORT": str(thread.port)}
    saved = {name: getattr(settings, name) for name in overrides}
    for name, value in overrides.items():
        setattr(settings, name, value)
    try:
        yield Live(port=thread.port)
    finally:
        for name, value in saved.items():
            setattr(settings, name, value)
        thread.terminate()


@pytest.fixture(scope="session")
def realtime(live: Live) -> Iterator[int]:
    """The WebSocket server as `make run` serves it: uvicorn with config.asgi in a thread of this process, on a
    free port, and settings.REALTIME_PORT set to it for the session, so the live server's pages open their
    socket at `ws://<slug>.localhost:<port>/ws/` (the session cookie ignores ports). Yields the port."""
    from tests.utils import asgi_server

    with asgi_server() as port:
        saved = settings.REALTIME_PORT
        settings.REALTIME_PORT = port
        try:
            yield port
        finally:
            settings.REALTIME_PORT = saved


# --- Chromium -------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium (bin/browser.sh installs it); Playwright gives it a fresh profile directory."""
    from playwright.sync_api import expect, sync_playwright

    if not os.access(harness.CHROMIUM, os.X_OK):
        pytest.exit(
            f"Chromium is not installed at {harness.CHROMIUM}. Install it (Debian/Ubuntu: "
            "`apt-get install chromium`) or point NF_CHROMIUM at it; bin/browser.sh does this for you.",
            returncode=3,
        )
    expect.set_options(timeout=float(os.environ.get("NF_BROWSER_TIMEOUT_MS", "15000")))
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=harness.CHROMIUM, args=harness.CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(request: pytest.FixtureRequest, browser: Any, live: Live, artifacts: Artifacts) -> Iterator[Any]:
    """new_page() -> a page in a new browser context (no cookies, no storage), 1280x900: one per
    person when a journey has several. All are closed after the test (and saved when it fails)."""
    contexts: list[Any] = []
    request.node._browser_pages = pages = []
    violations: list[str] = []

    def make(**options: Any) -> Any:
        context = browser.new_context(**{"viewport": {"width": 1280, "height": 900}, "locale": "en-AU", **options})
        context.set_default_timeout(float(os.environ.get("NF_BROWSER_TIMEOUT_MS", "15000")))
        harness.watch_csp(context, violations)
        contexts.append(context)
        page = context.new_page()
        pages.append(page)
        return page

    yield make
    for context in contexts:
        context.close()
    if violations:  # the policy is enforced: whatever it blocked did not work for the person either
        pytest.fail("Content-Security-Policy violations:\n" + "\n".join(dict.fromkeys(violations)), pytrace=False)


@pytest.fixture
def page(new_page: Any, artifacts: Artifacts) -> Any:
    """The journey's page (the first person's)."""
    return new_page()


@pytest.fixture
def artifacts(request: pytest.FixtureRequest) -> Artifacts:
    folder = Artifacts(request.node.nodeid.split("::", 1)[-1].replace("/", "_"))
    folder.reset()
    request.node._browser_artifacts = folder
    return folder


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """On a failure, each page as its person saw it: full-page screenshot and HTML, paths in the output."""
    report = yield
    folder: Artifacts | None = getattr(item, "_browser_artifacts", None)
    pages = getattr(item, "_browser_pages", [])
    if report.failed and report.when == "call" and folder is not None and pages:
        lines = []
        for number, page in enumerate(pages, start=1):
            name = "failure" if number == 1 else f"failure-{number}"
            try:
                png = folder.screenshot(page, name)
                lines.append(f"{png} (+ .html) of {page.url}")
            except Exception as error:  # noqa: BLE001 - a closed page must not hide the test's own failure
                lines.append(f"could not save page {number}: {error}")
        report.sections.append(("browser artifacts", "\n".join(lines)))
        item.config._browser_failures = [*getattr(item.config, "_browser_failures", []), folder.dir]
    return report


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    failures = getattr(config, "_browser_failures", [])
    if failures:
        terminalreporter.section("browser artifacts (screenshot and HTML of each failed journey)")
        for folder in failures:
            terminalreporter.line(str(folder))


# --- Helpers --------------------------------------------------------------------------------------


@pytest.fixture
def people(live: Live) -> People:
    return People()


@pytest.fixture
def sign_in() -> Any:
    return harness.sign_in


@pytest.fixture
def mailbox(live: Live) -> Mailbox:
    return Mailbox(live)


@pytest.fixture
def command() -> Any:
    return harness.command


@pytest.fixture
def wait_for() -> Any:
    return harness.wait_for
