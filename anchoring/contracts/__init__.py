"""The CredentialAnchor contract: its Solidity source and the committed compiled artifact."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "CredentialAnchor.sol"
ARTIFACT = HERE / "CredentialAnchor.json"


@cache
def artifact() -> dict[str, Any]:
    """The committed artifact: ``abi``, ``bytecode``, ``deployedBytecode``, compiler settings."""
    data: dict[str, Any] = json.loads(ARTIFACT.read_text(encoding="utf-8"))
    return data


def abi() -> list[dict[str, Any]]:
    """The contract ABI."""
    items: list[dict[str, Any]] = artifact()["abi"]
    return items
