"""Logging configuration: quiet bad Host headers, a case-insensitive LOG_LEVEL."""

from __future__ import annotations

import logging
import secrets
from pathlib import Path

import pytest
from django.test import Client

from tests.web.test_settings import PRODUCTION, manage


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.mark.parametrize("path", ["/", "/credentials/verify"])
def test_disallowed_host_is_one_warning_without_traceback(path: str) -> None:
    logger = logging.getLogger("django.security.DisallowedHost")
    handler = _Collect()
    logger.addHandler(handler)
    try:
        response = Client().get(path, HTTP_HOST="attacker.example")
    finally:
        logger.removeHandler(handler)
    assert response.status_code == 400
    assert len(handler.records) == 1
    record = handler.records[0]
    assert record.levelno == logging.WARNING and record.levelname == "WARNING"
    assert record.exc_info is None
    assert "attacker.example" in record.getMessage()


def test_disallowed_host_in_a_real_process_logs_no_traceback(tmp_path: Path) -> None:
    code = "from django.test import Client; print(Client().get('/', HTTP_HOST='attacker.example').status_code)"
    result = manage(tmp_path, "shell", "-c", code, SECRET_KEY=secrets.token_urlsafe(64), SECURE_SSL_REDIRECT="0", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "400"
    assert "WARNING django.security.DisallowedHost: Invalid HTTP_HOST header: 'attacker.example'" in result.stderr
    assert "Traceback" not in result.stderr
    assert "ERROR" not in result.stderr


@pytest.mark.parametrize(("raw", "expected"), [("debug", "DEBUG"), ("Warning", "WARNING"), (" error ", "ERROR")])
def test_log_level_is_case_insensitive(tmp_path: Path, raw: str, expected: str) -> None:
    code = "from django.conf import settings; import logging; print(settings.LOG_LEVEL, logging.getLevelName(logging.getLogger('credentials').level))"
    result = manage(tmp_path, "shell", "-c", code, SECRET_KEY=secrets.token_urlsafe(64), LOG_LEVEL=raw, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == f"{expected} {expected}"


def test_unknown_log_level_still_fails(tmp_path: Path) -> None:
    result = manage(tmp_path, "check", SECRET_KEY=secrets.token_urlsafe(64), LOG_LEVEL="verbose", **PRODUCTION)
    assert result.returncode != 0
    assert "LOG_LEVEL must be" in result.stderr
