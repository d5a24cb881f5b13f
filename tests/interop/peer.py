"""Run tests/interop/peer.mjs: one node process per batch of requests.

The npm packages come from package.json / package-lock.json at the repository
root (``make install`` runs ``npm ci``). A missing node or node_modules is a
test failure with the fix in the message, never a silent skip: an interop
suite that quietly does not run proves nothing.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from identity.did import did_key_from_public_key
from identity.did.multibase import base58btc_encode
from identity.keys import KeySigner, KeyType, PrivateKey

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).resolve().parent / "peer.mjs"
# Generous: a batch normally takes well under a second; a loaded CI machine
# must not turn into a flaky failure.
TIMEOUT = 120


def run(requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Send ``requests`` to the node peer in one process; return its results in order."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed: the interop tests need node >= 20")
    if not (ROOT / "node_modules" / "@digitalbazaar" / "vc").is_dir():
        pytest.fail("node_modules is missing: run `make install` (or `npm ci`) at the repository root")
    done = subprocess.run(
        [node, str(SCRIPT)],
        input=json.dumps(requests).encode("utf-8"),
        capture_output=True,
        cwd=ROOT,
        timeout=TIMEOUT,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(f"peer.mjs exited {done.returncode}: {done.stderr.decode('utf-8', 'replace')[-4000:]}")
    results = json.loads(done.stdout)
    assert isinstance(results, list) and len(results) == len(requests)
    return results


def ok(result: dict[str, Any]) -> dict[str, Any]:
    """``result`` itself, after failing the test if the peer reported an error."""
    if "error" in result:
        pytest.fail(f"peer error: {result['error']}")
    return result


# Multicodec varint headers of the secret keys (ed25519-priv 0x1300, p256-priv
# 0x1306, p384-priv 0x1307) and the secret's length.
_SECRET_HEADER = {
    KeyType.ED25519: (b"\x80\x26", hashlib.sha256),
    KeyType.P256: (b"\x86\x26", hashlib.sha256),
    KeyType.P384: (b"\x87\x26", hashlib.sha384),
}


def seeded_key(key_type: KeyType, label: str) -> PrivateKey:
    """A fixed key derived from ``label``: the same DIDs every run, so the documents
    (and the blank-node labelling that depends on them) are the same every run."""
    header, digest = _SECRET_HEADER[key_type]
    secret = digest(f"lianzheng interop {key_type.value} {label}".encode()).digest()
    return PrivateKey.from_multibase("z" + base58btc_encode(header + secret))


class Party:
    """A did:key identity of ours: key, DID, verification method and signer."""

    def __init__(self, key_type: KeyType, label: str | None = None) -> None:
        self.key = PrivateKey.generate(key_type) if label is None else seeded_key(key_type, label)
        self.did = did_key_from_public_key(self.key.public_key)
        self.vm = f"{self.did}#{self.did.split(':', 2)[2]}"
        self.signer = KeySigner(self.key, self.vm)

    def multikey(self) -> dict[str, str]:
        """The key pair as Multikey multibase values, as the peer's ``key`` expects."""
        return {"publicKeyMultibase": self.key.public_key.multibase(), "secretKeyMultibase": self.key.multibase()}


# (cryptosuite, key type) pairs of the RDFC suites, with readable ids.
RDFC = [
    pytest.param("eddsa-rdfc-2022", KeyType.ED25519, id="eddsa-rdfc-2022"),
    pytest.param("ecdsa-rdfc-2019", KeyType.P256, id="ecdsa-rdfc-2019-P256"),
    pytest.param("ecdsa-rdfc-2019", KeyType.P384, id="ecdsa-rdfc-2019-P384"),
]
JCS = [
    pytest.param("eddsa-jcs-2022", KeyType.ED25519, id="eddsa-jcs-2022"),
    pytest.param("ecdsa-jcs-2019", KeyType.P256, id="ecdsa-jcs-2019-P256"),
    pytest.param("ecdsa-jcs-2019", KeyType.P384, id="ecdsa-jcs-2019-P384"),
]
