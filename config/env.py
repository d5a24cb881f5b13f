"""Typed access to environment variables for the settings module.

Each helper fails loudly (``ImproperlyConfigured``) on a value it cannot
understand rather than guessing, and none of them has a default for a secret:
secrets come from ``NAME`` or from the file named by ``NAME_FILE`` (the
container-secrets convention), never from code.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def env_str(name: str, default: str | None = None) -> str | None:
    """``name`` from the environment, or ``default`` when unset or empty."""
    value = os.environ.get(name, "")
    return value if value != "" else default


def env_bool(name: str, default: bool) -> bool:
    """A boolean: 1/true/yes/on or 0/false/no/off (any case); anything else is an error."""
    value = os.environ.get(name, "").strip().lower()
    if value == "":
        return default
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0/true/false/yes/no/on/off, got {value!r}")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    """A base-10 integer, optionally bounded below."""
    raw = os.environ.get(name, "").strip()
    if raw == "":
        return default
    try:
        value = int(raw, 10)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {value}")
    return value


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    """A comma-separated list; blanks around items are dropped."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_secret(name: str) -> str | None:
    """A secret from ``name`` or from the file named by ``name_FILE``; never both.

    The file's trailing newline is dropped. Returns ``None`` when neither is set,
    so the caller decides whether that is fatal. The value is never echoed in
    error messages.
    """
    direct = os.environ.get(name, "")
    path = os.environ.get(f"{name}_FILE", "")
    if direct and path:
        raise ImproperlyConfigured(f"set {name} or {name}_FILE, not both")
    if path:
        try:
            value = Path(path).read_text(encoding="utf-8").rstrip("\r\n")
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE: cannot read {path}: {exc.strerror}") from None
        if not value:
            raise ImproperlyConfigured(f"{name}_FILE: {path} is empty")
        return value
    return direct or None


_RATE = re.compile(r"([1-9][0-9]*)/(s|sec|second|m|min|minute|h|hour|d|day)")


def env_rate(name: str, default: str) -> str:
    """A DRF throttle rate, ``<requests>/<second|minute|hour|day>`` (e.g. ``120/minute``)."""
    raw = os.environ.get(name, "").strip().lower() or default
    if not _RATE.fullmatch(raw):
        raise ImproperlyConfigured(f"{name} must look like 120/minute (per second, minute, hour or day), got {raw!r}")
    return raw


def secret_file(path: Path, make: Callable[[], str]) -> str:
    """The secret kept in ``path``, written once from ``make()`` (mode 0600) if absent.

    O_EXCL: two processes starting together (xdist, runserver's reloader, the
    worker beside the web server) must not each write a different secret.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(make())
    value = path.read_text(encoding="ascii").strip()
    if not value:
        raise ImproperlyConfigured(f"{path} is empty; delete it to generate a new secret")
    return value
