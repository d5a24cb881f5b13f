"""Bundled JSON-LD contexts: pinned, verified, never fetched."""

from __future__ import annotations

import hashlib
import json
import shutil
import socket
from pathlib import Path

import pytest

from credentials.vc import documents
from credentials.vc.documents import BUNDLED, BundledLoader, load_context_file
from credentials.vc.errors import PARSING_ERROR, VCError

pytestmark = pytest.mark.core

REQUIRED = [
    "https://www.w3.org/ns/credentials/v2",
    "https://www.w3.org/2018/credentials/v1",
    "https://www.w3.org/ns/credentials/examples/v2",
    "https://w3id.org/security/data-integrity/v1",
    "https://w3id.org/security/data-integrity/v2",
    "https://w3id.org/security/multikey/v1",
    "https://www.w3.org/ns/did/v1",
    "https://www.w3.org/ns/credentials/status/v1",
    "https://purl.imsglobal.org/spec/ob/v3p0/context.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    "https://w3id.org/security/v1",
    "https://w3id.org/security/v2",
    "https://w3id.org/security/suites/ed25519-2020/v1",
]


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a context loader tried to use the network")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


def test_index_pins_every_file_by_sha256() -> None:
    index = json.loads(documents.INDEX_FILE.read_text(encoding="utf-8"))
    files = {p.name for p in documents.CONTEXTS_DIR.iterdir() if p.suffix in (".jsonld", ".json")}
    files.discard("index.json")
    assert {entry["file"] for entry in index.values()} == files
    for url, entry in index.items():
        raw = (documents.CONTEXTS_DIR / entry["file"]).read_bytes()
        assert hashlib.sha256(raw).hexdigest() == entry["sha256"], url
        assert entry["source"]


@pytest.mark.parametrize("url", REQUIRED)
def test_required_context_is_served(url: str) -> None:
    doc = BUNDLED(url)
    assert isinstance(doc["@context"], (dict, list))
    assert BUNDLED(url) is doc  # cached: callers memoise work keyed on it


def test_vc_v2_is_the_w3c_context() -> None:
    ctx = BUNDLED("https://www.w3.org/ns/credentials/v2")["@context"]
    assert ctx["@protected"] is True
    assert ctx["VerifiableCredential"]["@id"] == "https://www.w3.org/2018/credentials#VerifiableCredential"


def test_unknown_url_is_an_error_not_a_fetch() -> None:
    with pytest.raises(VCError) as err:
        BUNDLED("https://evil.example/context.jsonld")
    assert err.value.code == PARSING_ERROR
    assert "not bundled" in err.value.message


def test_near_miss_url_is_unknown() -> None:
    # No normalisation: http vs https or a trailing slash is a different context.
    for url in ("http://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/v2/"):
        with pytest.raises(VCError) as err:
            BUNDLED(url)
        assert err.value.code == PARSING_ERROR


def test_tampered_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy = tmp_path / "contexts"
    shutil.copytree(documents.CONTEXTS_DIR, copy)
    target = copy / "credentials-v2.jsonld"
    target.write_bytes(target.read_bytes().replace(b"schema.org/name", b"schema.org/nane"))
    monkeypatch.setattr(documents, "CONTEXTS_DIR", copy)
    monkeypatch.setattr(documents, "INDEX_FILE", copy / "index.json")
    loader = BundledLoader()
    with pytest.raises(VCError) as err:
        loader("https://www.w3.org/ns/credentials/v2")
    assert err.value.code == PARSING_ERROR
    assert "SHA-256" in err.value.message
    # Untouched files still load.
    assert loader("https://w3id.org/security/multikey/v1")["@context"]


def test_extra_documents_extend_and_override() -> None:
    custom = {"@context": {"@vocab": "https://example.org/custom#"}}
    loader = BUNDLED.with_documents({"https://example.org/ctx": custom})
    assert loader("https://example.org/ctx") is custom
    assert loader("https://www.w3.org/ns/credentials/v2") == BUNDLED("https://www.w3.org/ns/credentials/v2")
    assert "https://example.org/ctx" in loader.urls()
    with pytest.raises(VCError):
        BUNDLED("https://example.org/ctx")


def test_load_context_file_is_strict(tmp_path: Path) -> None:
    good = tmp_path / "good.jsonld"
    good.write_text('{"@context": {"a": "https://example.org/a"}}', encoding="utf-8")
    assert load_context_file(good)["@context"]["a"] == "https://example.org/a"
    dup = tmp_path / "dup.jsonld"
    dup.write_text('{"@context": {}, "@context": {"a": "x"}}', encoding="utf-8")
    with pytest.raises(VCError) as err:
        load_context_file(dup)
    assert err.value.code == PARSING_ERROR
    arr = tmp_path / "arr.jsonld"
    arr.write_text("[]", encoding="utf-8")
    with pytest.raises(VCError) as err:
        load_context_file(arr)
    assert err.value.code == PARSING_ERROR
