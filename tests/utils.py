import contextlib
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from urllib.parse import quote

from django.conf import settings
from django.db import connection


def test_database_url() -> str:
    """A DATABASE_URL for subprocesses (worker, management commands) that points at the test database."""
    db = settings.DATABASES["default"]
    user = quote(db.get("USER") or "")
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or db.get("OPTIONS", {}).get("host") or ""
    if host.startswith("/"):  # a Unix socket (the embedded fallback)
        return f"postgres://{user}{password}@/{db['NAME']}?host={quote(host)}"
    return f"postgres://{user}{password}@{host or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def subprocess_env(**extra: str) -> dict[str, str]:
    """The current environment, on test settings and the test database."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": test_database_url(),
        **extra,
    }


def run_on_own_connections(*workers: Callable[[], object], cleanup: Callable[[], object], timeout: float = 60) -> None:
    """Run the workers at once, each in a thread of its own (so on its own database connection,
    whose transactions commit), then `cleanup` on yet another connection (the test's own never
    commits, so it cannot remove what the workers committed). A worker's error fails the test."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(workers))

    def run(target: Callable[[], object]) -> None:
        try:
            barrier.wait()
            target()
        except Exception as error:  # noqa: BLE001 - re-raised below, in the test's thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(worker,)) for worker in workers]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout)
    finally:
        cleaner = threading.Thread(target=run_cleanup, args=(cleanup,))
        cleaner.start()
        cleaner.join(timeout)
    if errors:
        raise errors[0]


def run_cleanup(cleanup: Callable[[], object]) -> None:
    try:
        cleanup()
    finally:
        connection.close()


@contextlib.contextmanager
def asgi_server() -> Iterator[int]:
    """The real ASGI app (config.asgi: HTTP and the WebSockets of apps/realtime) served by uvicorn in a thread of
    this process, on a free port of 127.0.0.1 and this test database; yields the port, stops it at the end."""
    import uvicorn

    from config.asgi import application

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    config = uvicorn.Config(application, host="127.0.0.1", port=port, lifespan="off", log_level="warning",
                            ws_max_size=64 * 1024)  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="realtime-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the ASGI server did not start"
        time.sleep(0.05)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(10)
