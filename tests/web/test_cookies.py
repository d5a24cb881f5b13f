"""The language cookie: kept for a year, with the same protections as the session cookie."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from django.test import Client

from tests.web.test_settings import PRODUCTION, manage

YEAR = 365 * 24 * 60 * 60


def test_language_cookie_attributes(settings: Any) -> None:
    client = Client()
    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert response.status_code == 302
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "zh-hans"
    assert cookie["max-age"] == YEAR
    assert cookie["expires"]  # not a session cookie
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert bool(cookie["secure"]) is settings.SESSION_COOKIE_SECURE


def test_production_language_cookie_matches_the_session_cookie(tmp_path: Path) -> None:
    names = ["AGE", "SECURE", "HTTPONLY", "SAMESITE"]
    code = (
        "from django.conf import settings as s; "
        f"print([getattr(s, 'LANGUAGE_COOKIE_' + n) for n in {names!r}], "
        "[s.SESSION_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.SESSION_COOKIE_SAMESITE])"
    )
    result = manage(tmp_path, "shell", "-c", code, SECRET_KEY=secrets.token_urlsafe(64), **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == f"[{YEAR}, True, True, 'Lax'] [True, True, 'Lax']"
