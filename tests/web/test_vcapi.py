"""VC-API verification endpoints: vectors through HTTP, and every way to send bad input."""

from __future__ import annotations

import json
from typing import Any

import pytest
from rest_framework.test import APIClient

from credentials.vc import errors
from tests.conftest import signed_vectors

VECTORS = signed_vectors()
IDS = [v["name"] for v in VECTORS]
PROBLEM = "application/problem+json"


def post_json(api: APIClient, path: str, body: Any) -> Any:
    return api.post(path, data=json.dumps(body), content_type="application/json")


def post_raw(api: APIClient, path: str, raw: bytes | str, content_type: str = "application/json") -> Any:
    return api.generic("POST", path, raw, content_type=content_type)


def assert_problem(response: Any, status: int, code: str) -> dict:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"] == PROBLEM
    body = json.loads(response.content)
    assert body["status"] == status
    assert body["code"] == code
    assert set(body) >= {"type", "title", "status", "detail", "code"}
    assert "Traceback" not in response.content.decode("utf-8", "replace")
    return body


# --- the W3C vectors -------------------------------------------------------------


@pytest.mark.parametrize("vector", VECTORS, ids=IDS)
def test_vector_proof_verifies(api: APIClient, vector: dict) -> None:
    response = post_json(api, "/credentials/verify", {"verifiableCredential": vector["signed"], "options": {"checks": ["proof"]}})
    assert response.status_code == 200, response.content[:2000]
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["verified"] is True
    assert body["errors"] == []
    proof = [c for c in body["checks"] if c["check"] == "proof"]
    assert proof and proof[0]["status"] == "passed"
    assert body["document"]["id"] == vector["signed"]["id"]


@pytest.mark.parametrize("vector", VECTORS, ids=IDS)
def test_vector_all_checks_fail_on_issuer(api: APIClient, vector: dict) -> None:
    # The vectors' issuer URL does not control the did:key that signed them.
    response = post_json(api, "/credentials/verify", {"verifiableCredential": vector["signed"]})
    assert response.status_code == 422, response.content[:2000]
    body = response.json()
    assert body["verified"] is False
    assert body["document"] is None
    failed = [c["check"] for c in body["checks"] if c["status"] == "failed"]
    assert failed == ["issuer"]
    assert [e["check"] for e in body["errors"]] == ["issuer"]


def test_tampered_vector_is_422_with_proof_failed(api: APIClient) -> None:
    credential = json.loads(json.dumps(VECTORS[0]["signed"]))
    credential["credentialSubject"]["alumniOf"] = "The School of Forgeries"
    response = post_json(api, "/credentials/verify", {"verifiableCredential": credential, "options": {"checks": ["proof"]}})
    assert response.status_code == 422
    body = response.json()
    assert body["verified"] is False
    assert body["document"] is None
    proof = [c for c in body["checks"] if c["check"] == "proof"][0]
    assert proof["status"] == "failed"
    assert proof["code"] == errors.CRYPTOGRAPHIC_SECURITY_ERROR


def test_vector_as_ld_json(api: APIClient) -> None:
    response = post_raw(
        api,
        "/credentials/verify",
        json.dumps({"verifiableCredential": VECTORS[0]["signed"], "options": {"checks": ["proof"]}}),
        content_type="application/ld+json",
    )
    assert response.status_code == 200


# --- malformed requests ---------------------------------------------------------


def test_not_json(api: APIClient) -> None:
    body = assert_problem(post_raw(api, "/credentials/verify", b"{not json"), 400, errors.PARSING_ERROR)
    assert body["type"] == errors.type_uri(errors.PARSING_ERROR)
    assert body["title"] == errors.TITLES[errors.PARSING_ERROR]


def test_not_utf8(api: APIClient) -> None:
    assert_problem(post_raw(api, "/credentials/verify", b'{"verifiableCredential": "\xff"}'), 400, errors.PARSING_ERROR)


def test_duplicate_keys(api: APIClient) -> None:
    raw = '{"verifiableCredential": {"a": 1}, "verifiableCredential": {"b": 2}}'
    body = assert_problem(post_raw(api, "/credentials/verify", raw), 400, errors.PARSING_ERROR)
    assert "duplicate" in body["detail"]


def test_nested_duplicate_keys(api: APIClient) -> None:
    raw = '{"verifiableCredential": {"id": "urn:a", "id": "urn:b"}}'
    assert_problem(post_raw(api, "/credentials/verify", raw), 400, errors.PARSING_ERROR)


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan(api: APIClient, constant: str) -> None:
    raw = '{"verifiableCredential": {"x": %s}}' % constant
    assert_problem(post_raw(api, "/credentials/verify", raw), 400, errors.PARSING_ERROR)


def test_very_deep_array(api: APIClient) -> None:
    raw = "[" * 200_000 + "]" * 200_000
    assert_problem(post_raw(api, "/credentials/verify", raw), 400, errors.PARSING_ERROR)


def test_moderately_deep_object(api: APIClient) -> None:
    credential: Any = {}
    for _ in range(100):
        credential = {"a": credential}
    assert_problem(post_json(api, "/credentials/verify", {"verifiableCredential": credential}), 400, errors.PARSING_ERROR)


def test_ten_megabyte_body(api: APIClient) -> None:
    raw = b'{"verifiableCredential": "' + b"a" * (10 * 1024 * 1024) + b'"}'
    assert_problem(post_raw(api, "/credentials/verify", raw), 413, "PAYLOAD_TOO_LARGE")


def test_just_over_the_limit(api: APIClient, settings: Any) -> None:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    prefix = b'{"verifiableCredential": "'
    raw = prefix + b"a" * (limit + 1 - len(prefix) - 2) + b'"}'
    assert len(raw) == limit + 1
    assert_problem(post_raw(api, "/credentials/verify", raw), 413, "PAYLOAD_TOO_LARGE")


def test_body_larger_than_declared_length_is_capped(settings: Any) -> None:
    # Under ASGI, or behind a server that hands over more than Content-Length
    # declared, the stream can be longer than announced: the read itself is capped.
    import io

    from django.http import HttpResponse
    from django.test import RequestFactory

    from credentials.middleware import BodySizeLimitMiddleware

    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    request = RequestFactory().post("/credentials/verify", data=b"{}", content_type="application/json")
    request._stream = io.BytesIO(b"a" * (limit + 10))
    reached = []
    middleware = BodySizeLimitMiddleware(lambda r: reached.append(r) or HttpResponse())
    response = middleware(request)
    assert_problem(response, 413, "PAYLOAD_TOO_LARGE")
    assert not reached

    within = RequestFactory().post("/credentials/verify", data=b'{"a": 1}', content_type="application/json")
    response = middleware(within)
    assert response.status_code == 200
    assert reached[0].body == b'{"a": 1}'


def test_invalid_content_length(api: APIClient) -> None:
    response = api.generic("POST", "/credentials/verify", b"{}", content_type="application/json", CONTENT_LENGTH="-5")
    assert_problem(response, 400, errors.PARSING_ERROR)


def test_missing_verifiable_credential(api: APIClient) -> None:
    body = assert_problem(post_json(api, "/credentials/verify", {"options": {}}), 400, errors.MALFORMED_VALUE_ERROR)
    assert "verifiableCredential" in body["detail"]
    assert "verifiableCredential" in body["errors"]


@pytest.mark.parametrize("path", ["/credentials/verify", "/presentations/verify"])
@pytest.mark.parametrize("content_type", ["application/json", "application/ld+json", "text/plain"])
def test_empty_body(api: APIClient, path: str, content_type: str) -> None:
    # DRF passes an empty body to the view as {}: it must not read as "field required".
    body = assert_problem(post_raw(api, path, b"", content_type=content_type), 400, errors.PARSING_ERROR)
    assert body["detail"] == "empty body"


def test_whitespace_body(api: APIClient) -> None:
    assert_problem(post_raw(api, "/credentials/verify", b"  \n"), 400, errors.PARSING_ERROR)


@pytest.mark.parametrize("value", [42, None, True, ["a"], {}, "", "   "], ids=repr)
def test_verifiable_credential_of_the_wrong_type(api: APIClient, value: Any) -> None:
    body = assert_problem(post_json(api, "/credentials/verify", {"verifiableCredential": value}), 400, errors.MALFORMED_VALUE_ERROR)
    assert "verifiableCredential" in body["detail"]


@pytest.mark.parametrize("body", [[], "a string", 7, None], ids=repr)
def test_body_not_an_object(api: APIClient, body: Any) -> None:
    assert_problem(post_json(api, "/credentials/verify", body), 400, errors.MALFORMED_VALUE_ERROR)


@pytest.mark.parametrize(
    "options",
    [{"checks": ["proof", "astrology"]}, {"checks": "proof"}, "proof", {"checks": ["proof"] * 5}, {"checks": []}],
    ids=repr,
)
def test_bad_options(api: APIClient, options: Any) -> None:
    body = {"verifiableCredential": VECTORS[0]["signed"], "options": options}
    assert_problem(post_json(api, "/credentials/verify", body), 400, errors.MALFORMED_VALUE_ERROR)


def test_string_that_is_not_a_credential(api: APIClient) -> None:
    body = {"verifiableCredential": "definitely not a jwt"}
    problem = assert_problem(post_json(api, "/credentials/verify", body), 400, errors.MALFORMED_VALUE_ERROR)
    assert problem["detail"] == "verifiableCredential: must be a JSON object or a compact VC-JWT"


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/xml"])
def test_wrong_content_type(api: APIClient, content_type: str) -> None:
    raw = json.dumps({"verifiableCredential": VECTORS[0]["signed"]})
    assert_problem(post_raw(api, "/credentials/verify", raw, content_type=content_type), 415, "UNSUPPORTED_MEDIA_TYPE")


def test_wrong_method(api: APIClient) -> None:
    body = assert_problem(api.get("/credentials/verify"), 405, "METHOD_NOT_ALLOWED")
    assert body["type"] == "about:blank"
    assert body["title"] == "Method Not Allowed"


def test_unknown_api_path_is_a_problem(api: APIClient) -> None:
    assert_problem(api.get("/credentials/nothing-here"), 404, "NOT_FOUND")


def test_unexpected_failure_is_a_problem_without_traceback(
    api: APIClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from credentials import services

    def explode(**kwargs: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "credential_verify", explode)
    api.raise_request_exception = False
    marker = "private-subject-data-7f3a"
    response = post_json(api, "/credentials/verify", {"verifiableCredential": {"name": marker}})
    assert_problem(response, 500, "INTERNAL_ERROR")
    assert marker not in response.content.decode()
    # The failure is logged, the request body is not.
    assert "boom" in caplog.text
    assert marker not in caplog.text


# --- presentations --------------------------------------------------------------


def test_presentation_missing(api: APIClient) -> None:
    body = assert_problem(post_json(api, "/presentations/verify", {"options": {"challenge": "abc"}}), 400, errors.MALFORMED_VALUE_ERROR)
    assert "verifiablePresentation" in body["detail"]


@pytest.mark.parametrize("value", [42, ["a"], {}, ""], ids=repr)
def test_presentation_of_the_wrong_type(api: APIClient, value: Any) -> None:
    assert_problem(post_json(api, "/presentations/verify", {"verifiablePresentation": value}), 400, errors.MALFORMED_VALUE_ERROR)


def test_presentation_not_json(api: APIClient) -> None:
    assert_problem(post_raw(api, "/presentations/verify", b"[[[["), 400, errors.PARSING_ERROR)


def test_presentation_deep(api: APIClient) -> None:
    raw = '{"verifiablePresentation": ' + "[" * 200_000 + "]" * 200_000 + "}"
    assert_problem(post_raw(api, "/presentations/verify", raw), 400, errors.PARSING_ERROR)


def test_unsigned_presentation_does_not_verify(api: APIClient) -> None:
    presentation = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": [VECTORS[0]["signed"]],
    }
    response = post_json(api, "/presentations/verify", {"verifiablePresentation": presentation, "options": {"challenge": "c-123"}})
    assert response.status_code == 422, response.content[:2000]
    body = response.json()
    assert body["verified"] is False
    assert body["document"] is None
    assert body["errors"]


# --- signed here: VC-JWT strings and presentations ---------------------------------


def _holder() -> Any:
    from identity.did import did_key_from_public_key
    from identity.keys import KeySigner, KeyType, PrivateKey

    key = PrivateKey.generate(KeyType.ED25519)
    did = did_key_from_public_key(key.public_key)
    return did, KeySigner(key, f"{did}#{did.removeprefix('did:key:')}")


def test_vc_jwt_string_verifies_with_all_checks(api: APIClient) -> None:
    from credentials.vc import jose

    did, signer = _holder()
    credential = json.loads(json.dumps(VECTORS[0]["unsigned_doc"]))
    credential["issuer"] = did
    token = jose.issue_vc_jwt(credential, signer=signer)
    response = post_json(api, "/credentials/verify", {"verifiableCredential": token})
    assert response.status_code == 200, response.content[:2000]
    body = response.json()
    assert body["verified"] is True
    assert body["document"]["issuer"] == did

    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    response = post_json(api, "/credentials/verify", {"verifiableCredential": tampered})
    assert response.status_code == 422
    assert response.json()["document"] is None


def _signed_presentation(challenge: str, domain: str | None = None) -> dict:
    from credentials.vc import suites

    did, signer = _holder()
    presentation = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": did,
        "verifiableCredential": [VECTORS[0]["signed"]],
    }
    return suites.add_proof(
        presentation,
        signer=signer,
        cryptosuite="eddsa-rdfc-2022",
        proof_purpose="authentication",
        challenge=challenge,
        domain=domain,
    )


def test_signed_presentation_verifies(api: APIClient) -> None:
    presentation = _signed_presentation("c-42", "verifier.example.com")
    body = {
        "verifiablePresentation": presentation,
        "options": {"challenge": "c-42", "domain": "verifier.example.com", "checks": ["proof"]},
    }
    response = post_json(api, "/presentations/verify", body)
    assert response.status_code == 200, response.content[:3000]
    assert response.json()["verified"] is True


def test_presentation_with_the_wrong_challenge(api: APIClient) -> None:
    presentation = _signed_presentation("c-42")
    body = {"verifiablePresentation": presentation, "options": {"challenge": "c-43", "checks": ["proof"]}}
    response = post_json(api, "/presentations/verify", body)
    assert response.status_code == 422, response.content[:3000]
    result = response.json()
    assert result["verified"] is False
    assert errors.INVALID_CHALLENGE_ERROR in [e["code"] for e in result["errors"]]


def test_disallowed_host_on_an_api_path_is_a_problem(api: APIClient) -> None:
    response = api.post("/credentials/verify", data="{}", content_type="application/json", HTTP_HOST="attacker.example")
    body = assert_problem(response, 400, "BAD_REQUEST")
    assert body["type"] == "about:blank"


def test_same_answers_under_asgi() -> None:
    # ASGI hands the whole body over without a WSGI LimitedStream; the limits hold there too.
    import asyncio

    from django.test import AsyncClient

    async def run() -> list[Any]:
        client = AsyncClient()
        big = b'{"verifiableCredential": "' + b"a" * (10 * 1024 * 1024) + b'"}'
        good = json.dumps({"verifiableCredential": VECTORS[0]["signed"], "options": {"checks": ["proof"]}})
        return [
            await client.post("/credentials/verify", big, content_type="application/json"),
            await client.post("/credentials/verify", "[" * 200_000, content_type="application/json"),
            await client.post("/credentials/verify", good, content_type="application/json"),
        ]

    too_large, deep, verified = asyncio.run(run())
    assert_problem(too_large, 413, "PAYLOAD_TOO_LARGE")
    assert_problem(deep, 400, errors.PARSING_ERROR)
    assert verified.status_code == 200
