"""Request bodies at the edge: chunked uploads, empty bodies, token strings, huge numbers."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.wsgi import WSGIHandler
from django.test import RequestFactory
from rest_framework.test import APIClient

from credentials.vc import errors
from tests.conftest import signed_vectors

PROBLEM = "application/problem+json"
GOOD = json.dumps({"verifiableCredential": signed_vectors()[0]["signed"], "options": {"checks": ["proof"]}}).encode()


def _problem(status: int, headers: dict[str, str], content: bytes, code: str) -> dict:
    assert headers["content-type"] == PROBLEM, (status, content[:300])
    body = json.loads(content)
    assert body["status"] == status
    assert body["code"] == code
    return body


def wsgi_post(path: str, body: bytes, **environ: str) -> tuple[int, dict[str, str], bytes]:
    """POST through Django's real WSGI handler with a hand-made environ.

    The test client always sets CONTENT_LENGTH; a chunked request through a WSGI
    server has none, so the key is removed here.
    """
    env = RequestFactory().generic("POST", path, body, content_type="application/json").environ
    env.pop("CONTENT_LENGTH", None)
    env.update(environ)
    captured: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        captured["status"] = int(status.split(" ", 1)[0])
        captured["headers"] = {k.lower(): v for k, v in headers}

    chunks = WSGIHandler()(env, start_response)
    content = b"".join(chunks)
    return captured["status"], captured["headers"], content


def asgi_post(path: str, chunks: list[bytes], headers: list[tuple[bytes, bytes]]) -> tuple[int, dict[str, str], bytes]:
    """POST through Django's real ASGI handler, the body arriving in ``chunks``."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    messages = [{"type": "http.request", "body": c, "more_body": i < len(chunks) - 1} for i, c in enumerate(chunks)]
    sent: list[dict] = []

    async def receive() -> dict:
        if messages:
            return messages.pop(0)
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    asyncio.run(ASGIHandler()(scope, receive, send))
    start = sent[0]
    response_headers = {k.decode().lower(): v.decode() for k, v in start["headers"]}
    return start["status"], response_headers, b"".join(m.get("body", b"") for m in sent[1:])


# --- chunked bodies ----------------------------------------------------------------


def test_wsgi_chunked_body_is_length_required() -> None:
    status, headers, content = wsgi_post("/credentials/verify", GOOD, HTTP_TRANSFER_ENCODING="chunked")
    assert status == 411
    body = _problem(status, headers, content, "LENGTH_REQUIRED")
    assert body["type"] == "about:blank"
    assert body["title"] == "Length Required"
    assert "Content-Length" in body["detail"]


def test_wsgi_chunked_body_through_the_test_client(api: APIClient) -> None:
    # Some WSGI servers leave CONTENT_LENGTH empty rather than absent.
    response = api.generic(
        "POST", "/presentations/verify", GOOD, content_type="application/json", CONTENT_LENGTH="", HTTP_TRANSFER_ENCODING="chunked"
    )
    assert response.status_code == 411
    assert response["Content-Type"] == PROBLEM
    assert response.json()["code"] == "LENGTH_REQUIRED"


def test_wsgi_chunked_body_outside_the_api_is_plain_411() -> None:
    status, headers, content = wsgi_post("/i18n/setlang/", b"language=en", HTTP_TRANSFER_ENCODING="chunked")
    assert status == 411
    assert headers["content-type"].startswith("text/plain")


def test_wsgi_body_with_length_still_verifies() -> None:
    status, _, content = wsgi_post("/credentials/verify", GOOD, CONTENT_LENGTH=str(len(GOOD)))
    assert status == 200, content[:500]
    assert json.loads(content)["verified"] is True


def test_asgi_chunked_body_is_read_and_verified() -> None:
    half = len(GOOD) // 2
    status, _, content = asgi_post(
        "/credentials/verify", [GOOD[:half], GOOD[half:]], [(b"content-type", b"application/json"), (b"transfer-encoding", b"chunked")]
    )
    assert status == 200, content[:500]
    assert json.loads(content)["verified"] is True


def test_asgi_body_without_length_is_capped(settings: Any) -> None:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    chunk = b"a" * 65536
    chunks = [b'{"verifiableCredential": "'] + [chunk] * (limit // len(chunk) + 1) + [b'"}']
    status, headers, content = asgi_post("/credentials/verify", chunks, [(b"content-type", b"application/json")])
    assert status == 413
    _problem(status, headers, content, "PAYLOAD_TOO_LARGE")


def test_asgi_body_without_length_just_within_the_limit(settings: Any) -> None:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    # Trailing whitespace is valid JSON: the credential verifies only if every byte was read.
    raw = GOOD + b" " * (limit - len(GOOD))
    status, _, content = asgi_post("/credentials/verify", [raw[:4096], raw[4096:]], [(b"content-type", b"application/json")])
    assert status == 200, content[:300]
    assert json.loads(content)["verified"] is True


# --- a credential or presentation given as a string ---------------------------------

NOT_A_TOKEN = [
    "abc",
    json.dumps(signed_vectors()[0]["signed"]),  # JSON text is not a token
    '"quoted"',
    "a.b",
    "a.b.c.d",
    "a..c",
    ".b.c",
    "a.b.",
    "a.b.c=",
    "a.b.c\n",
    " a.b.c",
    "a+b.c/d.e",
    "eyJ.ey\u0131.c",
    "",
    "   ",
]


@pytest.mark.parametrize("value", NOT_A_TOKEN, ids=repr)
@pytest.mark.parametrize(("path", "field"), [("/credentials/verify", "verifiableCredential"), ("/presentations/verify", "verifiablePresentation")])
def test_string_that_is_not_a_compact_jws(api: APIClient, path: str, field: str, value: str) -> None:
    response = api.post(path, data=json.dumps({field: value}), content_type="application/json")
    assert response.status_code == 400, response.content[:300]
    body = _problem(400, {"content-type": response["Content-Type"]}, response.content, errors.MALFORMED_VALUE_ERROR)
    assert body["detail"] == f"{field}: must be a JSON object or a compact VC-JWT"


@pytest.mark.parametrize("path", ["/credentials/verify", "/presentations/verify"])
def test_jws_shaped_garbage_reaches_verification_and_is_not_a_500(api: APIClient, path: str) -> None:
    field = "verifiableCredential" if path.startswith("/credentials") else "verifiablePresentation"
    response = api.post(path, data=json.dumps({field: "aaaa.bbbb.cccc"}), content_type="application/json")
    # Past the shape check: whatever the verifier says, it is not the shape message.
    assert response.status_code in (400, 422), response.content[:300]
    assert "compact VC-JWT" not in response.content.decode()


# --- numbers beyond Python's integer-to-string limit --------------------------------


@pytest.mark.parametrize("digits", [4301, 10_000, 100_000])
@pytest.mark.parametrize("path", ["/credentials/verify", "/presentations/verify"])
def test_integer_with_too_many_digits(api: APIClient, path: str, digits: int) -> None:
    raw = '{"verifiableCredential": {"n": %s}}' % ("7" * digits)
    response = api.generic("POST", path, raw, content_type="application/json")
    assert response.status_code == 400, response.content[:300]
    body = _problem(400, {"content-type": response["Content-Type"]}, response.content, errors.PARSING_ERROR)
    # The message speaks of the input, not of the Python runtime that read it.
    assert "sys." not in body["detail"]
    assert "int_max_str_digits" not in body["detail"]
