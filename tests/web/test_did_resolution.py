"""GET /1.0/identifiers/{did}: Universal Resolver-shaped DID resolution."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from rest_framework.test import APIClient

from identity import selectors

RESULT_TYPE = 'application/ld+json;profile="https://w3id.org/did-resolution"'
DID_KEY = "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def make_did_jwk() -> str:
    numbers = ec.generate_private_key(ec.SECP256R1()).public_key().public_numbers()
    jwk = {"kty": "EC", "crv": "P-256", "x": _b64url(numbers.x.to_bytes(32, "big")), "y": _b64url(numbers.y.to_bytes(32, "big"))}
    return "did:jwk:" + _b64url(json.dumps(jwk, separators=(",", ":")).encode())


def resolve(api: APIClient, did: str, **headers: str) -> Any:
    return api.get(f"/1.0/identifiers/{did}", **headers)


def test_did_key(api: APIClient) -> None:
    response = resolve(api, DID_KEY)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == RESULT_TYPE
    body = json.loads(response.content)
    assert body["@context"] == "https://w3id.org/did-resolution/v1"
    assert body["didDocument"]["id"] == DID_KEY
    vm = f"{DID_KEY}#{DID_KEY.removeprefix('did:key:')}"
    assert vm in body["didDocument"]["assertionMethod"]
    assert body["didResolutionMetadata"] == {"contentType": "application/did+ld+json"}
    assert body["didDocumentMetadata"] == {}


def test_did_jwk(api: APIClient) -> None:
    did = make_did_jwk()
    response = resolve(api, did)
    assert response.status_code == 200, response.content
    body = json.loads(response.content)
    assert body["didDocument"]["id"] == did


def test_bare_document_on_request(api: APIClient) -> None:
    response = resolve(api, DID_KEY, HTTP_ACCEPT="application/did+ld+json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/did+ld+json"
    assert json.loads(response.content)["id"] == DID_KEY


def test_browser_accept_gets_the_result(api: APIClient) -> None:
    response = resolve(api, DID_KEY, HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
    assert response.status_code == 200
    assert "didDocument" in json.loads(response.content)


def _error(response: Any, status: int, error: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == RESULT_TYPE
    body = json.loads(response.content)
    assert body["didDocument"] is None
    assert body["didResolutionMetadata"]["error"] == error
    assert body["didResolutionMetadata"]["errorMessage"]
    return body


@pytest.mark.parametrize(
    "did",
    ["not-a-did", "did:key:", "did:key:zNotBase58!!", "did:key:z6Mk", "did:jwk:bm90IGpzb24", "DID:key:z6Mkabc"],
)
def test_invalid_did(api: APIClient, did: str) -> None:
    _error(resolve(api, did), 400, "invalidDid")


@pytest.mark.parametrize("did", ["did:example:123456", "did:ethr:0xb9c5714089478a327f09197987f16f9e5d936e8a"])
def test_unsupported_method(api: APIClient, did: str) -> None:
    _error(resolve(api, did), 501, "methodNotSupported")


def test_hosted_did_web_is_served_from_the_local_registry(api: APIClient, monkeypatch: pytest.MonkeyPatch) -> None:
    did = "did:web:registrar.example.edu.cn"
    document = {"@context": ["https://www.w3.org/ns/did/v1"], "id": did}
    monkeypatch.setattr(selectors, "hosted_did_documents", lambda: {did: document})
    selectors.did_resolver.cache_clear()
    try:
        response = resolve(api, did)
    finally:
        selectors.did_resolver.cache_clear()
    assert response.status_code == 200, response.content
    assert json.loads(response.content)["didDocument"] == document


def test_post_is_not_allowed(api: APIClient) -> None:
    response = api.post(f"/1.0/identifiers/{DID_KEY}", data="{}", content_type="application/json")
    assert response.status_code == 405
    assert response["Content-Type"] == "application/problem+json"
    assert json.loads(response.content)["code"] == "METHOD_NOT_ALLOWED"


@pytest.mark.parametrize("did", ["did:web:127.0.0.1", "did:web:localhost", "did:web:10.1.2.3", "did:web:169.254.169.254"])
def test_did_web_pointing_inside_a_private_network_is_bad_input(api: APIClient, did: str) -> None:
    response = resolve(api, did)
    assert response.status_code == 400, response.content
    body = json.loads(response.content)
    assert body["didDocument"] is None
    assert body["didResolutionMetadata"]["error"] == "invalidDid"
    assert "non-public address" in body["didResolutionMetadata"]["errorMessage"]


@pytest.mark.parametrize(
    ("did", "accept", "status"),
    [
        (DID_KEY, "application/did+ld+json", 200),
        (DID_KEY, "application/ld+json", 200),
        (DID_KEY, "", 200),
        ("not-a-did", "application/did+ld+json", 400),
        ("did:example:123", "", 501),
    ],
)
def test_every_answer_varies_by_accept(api: APIClient, did: str, accept: str, status: int) -> None:
    # The body depends on Accept (bare document or resolution result): a shared
    # cache must not hand one client's form to another.
    headers = {"HTTP_ACCEPT": accept} if accept else {}
    response = resolve(api, did, **headers)
    assert response.status_code == status
    assert "Accept" in [v.strip() for v in response["Vary"].split(",")]


def test_method_not_allowed_varies_by_accept_too(api: APIClient) -> None:
    response = api.delete(f"/1.0/identifiers/{DID_KEY}")
    assert response.status_code == 405
    assert "Accept" in [v.strip() for v in response["Vary"].split(",")]


@pytest.mark.parametrize(
    "did",
    [
        "did:key:z6Mk%0a",
        "did:key:%0Az6Mk",
        "%0a",
        "did:key:z6Mk%0d%0aX-Injected:%201",
        "did:key:z6Mk%00",
        "did:key:z6Mk%09x",
        "did:key:z6Mk%7f",
        "did:web:example.com%0a",
    ],
)
def test_control_characters_are_an_invalid_did_not_a_404(api: APIClient, did: str) -> None:
    body = _error(resolve(api, did), 400, "invalidDid")
    assert body["didResolutionMetadata"]["errorMessage"]


def test_route_still_reverses() -> None:
    from django.urls import reverse

    assert reverse("did-resolve", kwargs={"did": DID_KEY}) == f"/1.0/identifiers/{DID_KEY}"
