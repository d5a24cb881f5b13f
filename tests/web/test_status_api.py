"""The verification API looks status lists up itself: hosted ones first, others fetched.

No test here needs the network: the list URLs name a loopback address, which
the platform's fetcher refuses before connecting, and hosted lists are never
fetched at all.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from rest_framework.test import APIClient

from credentials import services
from credentials.vc import errors, suites
from credentials.vc.status import build_status_list_credential, new_bitstring, set_status
from identity.did import did_key_from_public_key
from identity.keys import KeySigner, KeyType, PrivateKey

# Unreachable by policy: a private address is refused before any connection.
LIST_URL = "https://127.0.0.1:1/status/1"
CREATED = "2026-06-01T00:00:00Z"
REVOKED = 7


@pytest.fixture(scope="module")
def issuer() -> tuple[str, KeySigner]:
    key = PrivateKey.generate(KeyType.ED25519)
    did = did_key_from_public_key(key.public_key)
    return did, KeySigner(key, f"{did}#{did.split(':', 2)[2]}")


def signed_credential(issuer: tuple[str, KeySigner], index: int) -> dict[str, Any]:
    did, signer = issuer
    unsigned = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:5f0b9a51-63a4-4c0f-8f0e-3a7d2f4b6c01",
        "type": ["VerifiableCredential"],
        "issuer": did,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:graduate"},
        "credentialStatus": {
            "id": f"{LIST_URL}#{index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(index),
            "statusListCredential": LIST_URL,
        },
    }
    return suites.add_proof(unsigned, signer=signer, cryptosuite="eddsa-rdfc-2022", created=CREATED)


def post_json(api: APIClient, path: str, body: Any) -> Any:
    return api.post(path, data=json.dumps(body), content_type="application/json")


def status_check(body: dict[str, Any]) -> dict[str, Any]:
    return next(c for c in body["checks"] if c["check"] == "status")


@pytest.fixture
def fresh_status_lists() -> Iterator[None]:
    # The source is built once per process; these tests change what it is built from.
    services.status_lists.cache_clear()
    yield
    services.status_lists.cache_clear()


def test_unreachable_list_fails_the_credential(api: APIClient, issuer: Any, fresh_status_lists: None) -> None:
    response = post_json(api, "/credentials/verify", {"verifiableCredential": signed_credential(issuer, 3)})
    assert response.status_code == 422, response.content[:2000]
    body = response.json()
    assert body["verified"] is False and body["document"] is None
    check = status_check(body)
    assert (check["status"], check["code"]) == ("failed", errors.STATUS_RETRIEVAL_ERROR)
    assert LIST_URL in check["message"] and "non-public address" in check["message"]
    # Everything else about the credential is sound: the status check alone refuses it.
    assert [c["check"] for c in body["checks"] if c["status"] == "failed"] == ["status"]


def test_unreachable_list_fails_a_presentation(api: APIClient, issuer: Any, fresh_status_lists: None) -> None:
    did, signer = issuer
    presentation = suites.add_proof(
        {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiablePresentation"],
            "holder": did,
            "verifiableCredential": [signed_credential(issuer, 3)],
        },
        signer=signer, cryptosuite="eddsa-rdfc-2022", proof_purpose="authentication", challenge="c-42",
    )
    response = post_json(api, "/presentations/verify",
                         {"verifiablePresentation": presentation, "options": {"challenge": "c-42"}})
    assert response.status_code == 422, response.content[:2000]
    inner = response.json()["credentials"][0]
    check = status_check(inner)
    assert (check["status"], check["code"]) == ("failed", errors.STATUS_RETRIEVAL_ERROR)


@pytest.mark.parametrize("index,status_code,outcome", [(REVOKED + 1, 200, "ok"), (REVOKED, 422, "revoked")])
def test_hosted_lists_are_used_without_fetching(
    api: APIClient, issuer: Any, fresh_status_lists: None, monkeypatch: pytest.MonkeyPatch,
    index: int, status_code: int, outcome: str,
) -> None:
    did, signer = issuer
    bits = new_bitstring()
    set_status(bits, REVOKED)
    hosted = suites.add_proof(
        build_status_list_credential(list_id=LIST_URL, issuer=did, purpose="revocation", bits=bits),
        signer=signer, cryptosuite="eddsa-rdfc-2022", created=CREATED,
    )
    monkeypatch.setattr(services, "hosted_status_lists", lambda: {LIST_URL: hosted})
    response = post_json(api, "/credentials/verify", {"verifiableCredential": signed_credential(issuer, index)})
    assert response.status_code == status_code, response.content[:2000]
    assert status_check(response.json())["outcome"] == outcome


def test_the_source_is_built_once_per_process(fresh_status_lists: None) -> None:
    assert services.status_lists() is services.status_lists()
