"""Settings: environment helpers, production checks, loud failures."""

from __future__ import annotations

import os
import secrets
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config import env

ROOT = Path(__file__).resolve().parents[2]

# Variables a developer's shell could hold that would change what a child sees.
_SETTINGS_VARS = (
    "DEBUG",
    "SECRET_KEY",
    "SECRET_KEY_FILE",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "DATABASE_URL_FILE",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_PROXY_SSL_HEADER",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "VAR_DIR",
)


def manage(tmp_path: Path, *args: str, **env_vars: str) -> subprocess.CompletedProcess[str]:
    """Run manage.py in a child with a clean settings environment plus ``env_vars``."""
    child_env = {k: v for k, v in os.environ.items() if k not in _SETTINGS_VARS}
    child_env.update({"VAR_DIR": str(tmp_path / "var"), "DJANGO_SETTINGS_MODULE": "config.settings"})
    child_env.update(env_vars)
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=child_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {
    "DEBUG": "0",
    "ALLOWED_HOSTS": "lianzheng.example.edu.cn",
}


def test_check_deploy_is_clean_with_production_env(tmp_path: Path) -> None:
    result = manage(tmp_path, "check", "--deploy", SECRET_KEY=secrets.token_urlsafe(64), **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_flags_debug(tmp_path: Path) -> None:
    # The clean run above is meaningful only if the check does flag something.
    result = manage(tmp_path, "check", "--deploy", SECRET_KEY=secrets.token_urlsafe(64), DEBUG="1", ALLOWED_HOSTS="x.example")
    assert "security.W018" in result.stdout + result.stderr


def test_missing_secret_key_fails_when_debug_off(tmp_path: Path) -> None:
    result = manage(tmp_path, "check", **PRODUCTION)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY (or SECRET_KEY_FILE) must be set when DEBUG is off" in result.stderr
    assert not (tmp_path / "var" / "secret_key").exists()


def test_secret_key_file_is_read_and_never_printed(tmp_path: Path) -> None:
    key = secrets.token_urlsafe(64)
    key_file = tmp_path / "key"
    key_file.write_text(key + "\n")
    code = f"from django.conf import settings; print(settings.SECRET_KEY == open({str(key_file)!r}).read().strip())"
    result = manage(tmp_path, "shell", "-c", code, SECRET_KEY_FILE=str(key_file), **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "True"
    assert key not in result.stdout + result.stderr


def test_debug_generates_a_private_local_key_once(tmp_path: Path) -> None:
    first = manage(tmp_path, "check", DEBUG="1")
    assert first.returncode == 0, first.stderr
    key_file = tmp_path / "var" / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_text()
    assert len(key) >= 50
    second = manage(tmp_path, "check", DEBUG="1")
    assert second.returncode == 0, second.stderr
    assert key_file.read_text() == key
    assert key not in first.stdout + first.stderr + second.stdout + second.stderr


def test_bad_boolean_fails_loudly(tmp_path: Path) -> None:
    result = manage(tmp_path, "check", DEBUG="maybe", SECRET_KEY=secrets.token_urlsafe(64))
    assert result.returncode != 0
    assert "DEBUG must be one of" in result.stderr


def test_bad_database_url_fails_without_echoing_it(tmp_path: Path) -> None:
    url = "nosuchdb://user:hunter2-password@host/db"
    result = manage(tmp_path, "check", DATABASE_URL=url, SECRET_KEY=secrets.token_urlsafe(64), **PRODUCTION)
    assert result.returncode != 0
    assert "DATABASE_URL is not a valid database URL" in result.stderr
    assert "hunter2-password" not in result.stderr


@pytest.mark.parametrize(("raw", "expected"), [("1", True), ("TRUE", True), ("on", True), ("0", False), ("No", False)])
def test_env_bool(monkeypatch: pytest.MonkeyPatch, raw: str, expected: bool) -> None:
    monkeypatch.setenv("LZ_FLAG", raw)
    assert env.env_bool("LZ_FLAG", not expected) is expected


def test_env_bool_default_and_garbage(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LZ_FLAG", raising=False)
    assert env.env_bool("LZ_FLAG", True) is True
    monkeypatch.setenv("LZ_FLAG", "yes please")
    with pytest.raises(ImproperlyConfigured, match="LZ_FLAG"):
        env.env_bool("LZ_FLAG", False)


def test_env_int(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LZ_N", "12")
    assert env.env_int("LZ_N", 1) == 12
    monkeypatch.setenv("LZ_N", "12.5")
    with pytest.raises(ImproperlyConfigured, match="integer"):
        env.env_int("LZ_N", 1)
    monkeypatch.setenv("LZ_N", "-1")
    with pytest.raises(ImproperlyConfigured, match="at least 0"):
        env.env_int("LZ_N", 1, minimum=0)


def test_env_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LZ_L", " a.example , b.example,, ")
    assert env.env_list("LZ_L") == ["a.example", "b.example"]
    monkeypatch.delenv("LZ_L")
    assert env.env_list("LZ_L", ["x"]) == ["x"]


def test_env_secret(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("LZ_S", raising=False)
    monkeypatch.delenv("LZ_S_FILE", raising=False)
    assert env.env_secret("LZ_S") is None
    path = tmp_path / "s"
    path.write_text("s3cret\n")
    monkeypatch.setenv("LZ_S_FILE", str(path))
    assert env.env_secret("LZ_S") == "s3cret"
    monkeypatch.setenv("LZ_S", "other")
    with pytest.raises(ImproperlyConfigured, match="not both") as info:
        env.env_secret("LZ_S")
    assert "other" not in str(info.value) and "s3cret" not in str(info.value)
    monkeypatch.delenv("LZ_S")
    monkeypatch.setenv("LZ_S_FILE", str(tmp_path / "missing"))
    with pytest.raises(ImproperlyConfigured, match="cannot read"):
        env.env_secret("LZ_S")


def test_translations_are_compiled() -> None:
    # A .po edited without recompiling would silently show English.
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "compile_messages.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.django_db
def test_database_follows_database_url() -> None:
    from django.contrib.sessions.models import Session
    from django.db import connection

    url = os.environ.get("DATABASE_URL", "")
    expected = "postgresql" if url.startswith(("postgres://", "postgresql://")) else "sqlite"
    assert connection.vendor == expected
    # Migrations ran on it.
    assert Session.objects.count() == 0


@pytest.mark.django_db
def test_no_missing_migrations() -> None:
    from io import StringIO

    from django.core.management import call_command

    call_command("makemigrations", "--check", "--dry-run", stdout=StringIO())
