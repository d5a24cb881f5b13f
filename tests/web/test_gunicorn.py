"""gunicorn.conf.py: the settings gunicorn really loads, and a real server's answers."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")
DID_KEY = "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
_CONF_VARS = ("PORT", "WEB_CONCURRENCY", "FORWARDED_ALLOW_IPS", "GUNICORN_CMD_ARGS")

pytestmark = pytest.mark.skipif(not GUNICORN.exists(), reason="gunicorn is not installed in this environment")


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _CONF_VARS}
    env.update(extra)
    return env


def printed_config(**extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(GUNICORN), "--print-config", "-c", "gunicorn.conf.py"],
        cwd=ROOT,
        env=_env(**extra),
        capture_output=True,
        text=True,
        timeout=60,
    )


def _settings(output: str) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in output.splitlines() if "=" in line)
    return {name.strip(): value.strip() for name, value in pairs}


def test_loaded_settings() -> None:
    result = printed_config(PORT="9123", WEB_CONCURRENCY="3", FORWARDED_ALLOW_IPS="10.0.0.2")
    assert result.returncode == 0, result.stderr
    got = _settings(result.stdout)
    assert got["wsgi_app"] == "config.wsgi:application"
    assert got["bind"] == "['0.0.0.0:9123']"
    assert got["worker_class"] == "gthread"
    assert got["workers"] == "3"
    assert got["threads"] == "4"
    assert got["timeout"] == "30"
    assert got["graceful_timeout"] == "30"
    assert got["keepalive"] == "5"
    assert got["limit_request_line"] == "8190"
    assert got["limit_request_fields"] == "100"
    assert got["limit_request_field_size"] == "8190"
    assert got["forwarded_allow_ips"] == "['10.0.0.2']"
    assert got["accesslog"] == "-"


def test_defaults() -> None:
    result = printed_config()
    assert result.returncode == 0, result.stderr
    got = _settings(result.stdout)
    assert got["bind"] == "['0.0.0.0:8000']"
    assert got["workers"] == str(2 * os.cpu_count() + 1)  # type: ignore[operator]
    assert got["forwarded_allow_ips"] == "['127.0.0.1', '::1']"


@pytest.mark.parametrize("raw", ["many", "0", "-2"])
def test_bad_worker_count_stops_start_up(raw: str) -> None:
    # gunicorn reads WEB_CONCURRENCY itself too and refuses some values first.
    result = printed_config(WEB_CONCURRENCY=raw)
    assert result.returncode != 0
    assert "workers" not in _settings(result.stdout)


def test_zero_workers_is_refused_by_the_config_file() -> None:
    result = printed_config(WEB_CONCURRENCY="0")
    assert result.returncode != 0
    assert "WEB_CONCURRENCY must be at least 1, got 0" in result.stdout + result.stderr


def test_bad_port_stops_start_up() -> None:
    result = printed_config(PORT="http")
    assert result.returncode != 0
    assert "PORT must be an integer" in result.stdout + result.stderr


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _exchange(port: int, raw: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        sock.sendall(raw)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_real_server_refuses_a_chunked_body_with_411(tmp_path: Path) -> None:
    port = _free_port()
    env = _env(
        PORT=str(port),
        WEB_CONCURRENCY="1",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        VAR_DIR=str(tmp_path / "var"),
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    env.pop("DATABASE_URL", None)
    server = subprocess.Popen(
        [str(GUNICORN), "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert server.poll() is None, server.stdout.read().decode() if server.stdout else ""
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        resolved = _exchange(port, f"GET /1.0/identifiers/{DID_KEY} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
        assert resolved.startswith(b"HTTP/1.1 200"), resolved[:300]
        assert b"Content-Security-Policy: default-src 'self'" in resolved

        body = b'{"verifiableCredential": "abc"}'
        chunked = (
            b"POST /credentials/verify HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + b"%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n"
        )
        refused = _exchange(port, chunked)
        assert refused.startswith(b"HTTP/1.1 411"), refused[:300]
        assert b'"code":"LENGTH_REQUIRED"' in refused

        sized = (
            b"POST /credentials/verify HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body
        )
        answered = _exchange(port, sized)
        assert answered.startswith(b"HTTP/1.1 400"), answered[:300]
        assert b'"code":"MALFORMED_VALUE_ERROR"' in answered
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
