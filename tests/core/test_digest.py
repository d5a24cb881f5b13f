"""credentials.vc.digest: the one anchoring digest rule."""

from __future__ import annotations

import hashlib
import json

import pytest

from credentials.vc.digest import DIGEST_RULE, credential_digest
from credentials.vc.errors import VCError
from credentials.vc.jcs import canonicalize
from tests.conftest import diploma


def test_json_credential_digest_is_sha256_of_jcs() -> None:
    cred = diploma("did:web:uni.example")
    cred["proof"] = {"type": "DataIntegrityProof", "proofValue": "z3abc"}
    expected = hashlib.sha256(canonicalize(cred)).digest()
    assert credential_digest(cred) == expected
    # Another encoding of the same JSON: same digest.
    again = json.loads(json.dumps(cred, indent=2, ensure_ascii=True, sort_keys=True))
    assert credential_digest(again) == expected
    assert len(expected) == 32


def test_any_change_changes_the_digest() -> None:
    cred = diploma("did:web:uni.example")
    cred["proof"] = {"type": "DataIntegrityProof", "proofValue": "z3abc"}
    base = credential_digest(cred)
    cred["proof"]["proofValue"] = "z3abd"
    assert credential_digest(cred) != base


def test_compact_jws_digest_is_sha256_of_its_ascii() -> None:
    token = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2ln"
    assert credential_digest(token) == hashlib.sha256(token.encode("ascii")).digest()
    sd_jwt = token + "~WyJzYWx0IiwibmFtZSIsIngiXQ~"
    assert credential_digest(sd_jwt) == hashlib.sha256(sd_jwt.encode("ascii")).digest()


@pytest.mark.parametrize("bad", ['{"a": 1}', " eyJ.eyJ.x", "not a token", "eyJ.eyJ.sig\n", 42, None, ["x"]])
def test_refuses_what_is_not_a_credential(bad: object) -> None:
    with pytest.raises(VCError):
        credential_digest(bad)  # type: ignore[arg-type]


def test_rule_name_matches_the_receipts() -> None:
    from anchoring.receipt import DIGEST_RULES

    assert DIGEST_RULE in DIGEST_RULES
