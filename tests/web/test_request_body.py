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

from credentials.middleware import ASGIBodyLimit
from credentials.vc import errors
from tests.conftest import signed_vectors

# The real WSGI/ASGI handlers send request_started/finished, which close old
# database connections, and verification may read hosted DIDs and status lists.
pytestmark = pytest.mark.django_db

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


def _scope(path: str, headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    return {
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


def drive(app: Any, scope: dict[str, Any], messages: list[dict]) -> list[dict]:
    """Run one ASGI exchange; ``messages`` is consumed in place, so a test can see what was left unread."""
    sent: list[dict] = []

    async def receive() -> dict:
        if messages:
            return messages.pop(0)
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    return sent


def _body_messages(chunks: list[bytes]) -> list[dict]:
    return [{"type": "http.request", "body": c, "more_body": i < len(chunks) - 1} for i, c in enumerate(chunks)]


def asgi_post(
    path: str, chunks: list[bytes], headers: list[tuple[bytes, bytes]], app: Any = None
) -> tuple[int, dict[str, str], bytes]:
    """POST through Django's real ASGI handler (or ``app``), the body arriving in ``chunks``."""
    sent = drive(app or ASGIHandler(), _scope(path, headers), _body_messages(chunks))
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


# --- the ASGI wrapper: the cap applies while the body arrives ---------------------

JSON_CT = (b"content-type", b"application/json")


def test_asgi_wrapper_passes_a_chunked_body_on() -> None:
    half = len(GOOD) // 2
    status, _, content = asgi_post("/credentials/verify", [GOOD[:half], b"", GOOD[half:]], [JSON_CT], app=ASGIBodyLimit(ASGIHandler()))
    assert status == 200, content[:500]
    assert json.loads(content)["verified"] is True


def test_asgi_wrapper_stops_reading_past_the_limit(settings: Any) -> None:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    chunk = b"a" * 65536
    messages = _body_messages([chunk] * (limit // len(chunk) + 50))
    reached: list[Any] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        reached.append(scope)

    sent = drive(ASGIBodyLimit(app), _scope("/credentials/verify", [JSON_CT]), messages)
    assert not reached
    assert sent[0]["status"] == 413
    headers = dict(sent[0]["headers"])
    assert headers[b"content-type"] == b"application/problem+json"
    assert json.loads(sent[1]["body"])["code"] == "PAYLOAD_TOO_LARGE"
    # It stopped one chunk past the limit instead of draining the upload.
    assert len(messages) == 50 - 1


def test_asgi_wrapper_refuses_a_declared_oversize_without_reading(settings: Any) -> None:
    messages = _body_messages([b"{}"])
    length = str(settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1).encode()
    sent = drive(ASGIBodyLimit(ASGIHandler()), _scope("/presentations/verify", [JSON_CT, (b"content-length", length)]), messages)
    assert sent[0]["status"] == 413
    assert len(messages) == 1


def test_asgi_wrapper_outside_the_api_answers_plain_text(settings: Any) -> None:
    length = str(settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1).encode()
    sent = drive(ASGIBodyLimit(ASGIHandler()), _scope("/i18n/setlang/", [(b"content-length", length)]), [])
    assert sent[0]["status"] == 413
    assert dict(sent[0]["headers"])[b"content-type"].startswith(b"text/plain")


def test_asgi_wrapper_client_gone_mid_body() -> None:
    reached: list[Any] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        reached.append(scope)

    messages = [{"type": "http.request", "body": b"{", "more_body": True}, {"type": "http.disconnect"}]
    assert drive(ASGIBodyLimit(app), _scope("/credentials/verify", [JSON_CT]), messages) == []
    assert not reached


def test_asgi_wrapper_leaves_other_scopes_alone() -> None:
    seen: list[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append(scope["type"])
        await send({"type": "lifespan.startup.complete"})

    sent = drive(ASGIBodyLimit(app), {"type": "lifespan"}, [{"type": "lifespan.startup"}])
    assert seen == ["lifespan"]
    assert sent == [{"type": "lifespan.startup.complete"}]


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
