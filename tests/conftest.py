"""Shared fixtures: the W3C vectors bundled under tests/vectors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
VECTORS = TESTS / "vectors"
FIXTURES = TESTS / "fixtures"


def load_json(path: Path | str) -> object:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def signed_vectors() -> list[dict]:
    """The manifest's signed vectors with their files loaded."""
    manifest = load_json(VECTORS / "manifest.json")
    out = []
    for entry in manifest["signed"]:
        item = dict(entry)
        item["signed"] = load_json(VECTORS / entry["file"])
        item["unsigned_doc"] = load_json(VECTORS / entry["unsigned"])
        item["key"] = load_json(VECTORS / entry["keyPair"])
        item["expected_doc"] = load_json(VECTORS / entry["expected"]) if entry.get("expected") else None
        out.append(item)
    return out


def alumni(issuer: str) -> dict:
    """The W3C vectors' unsigned AlumniCredential, issued by ``issuer``."""
    doc = load_json(VECTORS / "vc-di-eddsa" / "unsigned.json")
    doc["issuer"] = issuer
    return doc


def diploma(issuer: str) -> dict:
    """The Open Badges 3.0 diploma fixture (Chinese text, a status entry), issued by ``issuer``."""
    doc = load_json(FIXTURES / "diploma_ob3.json")
    doc["issuer"]["id"] = issuer
    return doc


@pytest.fixture(scope="session")
def vectors() -> list[dict]:
    return signed_vectors()
