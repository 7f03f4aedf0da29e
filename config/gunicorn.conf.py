"""gunicorn settings for the HTTP surface (config.wsgi): `gunicorn -c config/gunicorn.conf.py config.wsgi`.

Every value can be overridden from the environment (docs/deploy.env.sample, docs/deploy/README.md).
WebSockets are not served here: uvicorn serves config.asgi on its own port (Procfile `socket`).
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    """An integer from the environment, refusing a typo with the variable's name rather than a traceback."""
    raw = os.environ.get(name, "")
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise SystemExit(f"gunicorn: {name}={raw!r} is not an integer (docs/deploy.env.sample)") from None


def default_workers() -> int:
    """Sync workers per CPU (2n+1): each request holds one worker while it waits on PostgreSQL."""
    return multiprocessing.cpu_count() * 2 + 1


# Loopback by default: a reverse proxy (TLS, X-Forwarded-Proto) sits in front (docs/deploy/README.md).
bind = os.environ.get("GUNICORN_BIND") or f"{os.environ.get('HOST', '127.0.0.1')}:{_int('PORT', 8000)}"
workers = _int("WEB_CONCURRENCY", default_workers())
# Threads let a worker overlap slow clients; 1 keeps Django's per-thread connections predictable.
threads = _int("GUNICORN_THREADS", 1)
# A request slower than this is killed and logged (the worker restarts); the proxy's own timeout is longer.
timeout = _int("GUNICORN_TIMEOUT", 30)
# On SIGTERM (deploy, systemd stop) requests in flight get this long to finish.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Recycle workers now and then so a slow leak never grows unbounded; jitter keeps them from restarting together.
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 200)
# Django is imported once in the master: workers fork with it loaded (faster start, shared memory).
preload_app = os.environ.get("GUNICORN_PRELOAD", "true").lower() in ("1", "true", "yes", "on")
# The proxy on loopback sets X-Forwarded-*; trust it only from there.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

# Logs to stdout/stderr: systemd's journal or the container runtime keeps them.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# The correlation id is the X-Request-ID response header set by apps.core.middleware.CorrelationIdMiddleware,
# the same id the application's own log lines carry: one grep finds a request's access line and its logs.
access_log_format = 'access %(h)s "%(r)s" %(s)s %(B)s %(M)sms request_id=%({x-request-id}o)s host=%({host}i) ua="%(a)s"'


def child_exit(server: object, worker: object) -> None:
    """A worker that ended: its live gauges leave /metrics; its counters keep counting in the totals."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)  # type: ignore[attr-defined]
