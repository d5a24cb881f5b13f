"""Gunicorn settings for production: ``gunicorn -c gunicorn.conf.py``.

Tuned from the environment: PORT (8000), WEB_CONCURRENCY (worker processes,
2 × cores + 1) and FORWARDED_ALLOW_IPS (the proxy addresses whose
X-Forwarded-* headers are trusted; 127.0.0.1,::1). Run behind a reverse proxy
that terminates TLS and buffers slow clients (see README "Deployment").
"""

from __future__ import annotations

import multiprocessing
import os


def _env_int(name: str, default: int) -> int:
    """A positive integer from the environment; a bad value stops the start-up."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw, 10)
    except ValueError:
        raise SystemExit(f"{name} must be an integer, got {raw!r}") from None
    if value < 1:
        raise SystemExit(f"{name} must be at least 1, got {value}")
    return value


wsgi_app = "config.wsgi:application"
bind = [f"0.0.0.0:{_env_int('PORT', 8000)}"]

# Threads let a worker keep serving while one request waits on a did:web fetch
# or the database; processes give the CPU-bound proof checks both cores.
worker_class = "gthread"
workers = _env_int("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count() + 1)
threads = 4

# A worker silent for 30 s is replaced; on shutdown or reload, requests in
# flight get 30 s to finish.
timeout = 30
graceful_timeout = 30
keepalive = 5

# Header limits (gunicorn's defaults, stated so that a change is deliberate).
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190

forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "").strip() or "127.0.0.1,::1"

# Access log to stdout in gunicorn's default format; errors to stderr.
accesslog = "-"
# The access log must not record claim-link tokens (capability URLs).
logger_class = "credentials.access_log.RedactingGunicornLogger"
errorlog = "-"
