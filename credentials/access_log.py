"""Access logs without capabilities: claim tokens are cut out of logged URLs.

A claim link (``/claim/<token>``) is a bearer capability: whoever reads it gets
the holder's diploma. Gunicorn's access log writes every request line, so the
token would land in log files, log shippers and their retention. Use with
``logger_class = "credentials.access_log.RedactingGunicornLogger"`` in
gunicorn.conf.py.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from gunicorn.glogging import Logger

_CLAIM = re.compile(r"(/claim/)[^/?#\s\"]+")


def redact(text: Any) -> Any:
    """``text`` with every claim token replaced by ``[redacted]`` (non-strings as they are)."""
    return _CLAIM.sub(r"\1[redacted]", text) if isinstance(text, str) else text


class RedactingGunicornLogger(Logger):
    """Gunicorn's logger with claim tokens cut out of the request line, path and Referer."""

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict[str, Any]:
        return {key: redact(value) for key, value in super().atoms(resp, req, environ, request_time).items()}


class RedactClaimTokens(logging.Filter):
    """A logging filter that cuts claim tokens out of a record's message (Django's
    ``django.request`` and ``django.server`` loggers name the path of the request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True
