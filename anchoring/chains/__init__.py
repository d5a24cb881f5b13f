"""Chain clients, registered by type string (like ``PASSWORD_HASHERS``).

A chain configuration (one entry of ``settings.ANCHOR_CHAINS``) names its
``type``; :func:`chain_client` builds the client registered for it. Nothing here
imports Django: the ``vc verify --anchor-receipt`` command uses the same code.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHAIN_TYPES: dict[str, str] = {
    "evm": "anchoring.chains.evm.EVMChain",
}

FINALIZED = "finalized"


class ChainConfigError(ValueError):
    """A chain entry of ANCHOR_CHAINS that cannot be used."""


@dataclass(frozen=True)
class ChainConfig:
    """One configured chain. ``finality`` is ``"finalized"`` or a number of confirmations."""

    name: str
    rpc_url: str
    chain_id: int
    contract: str
    signer_key_file: str = field(repr=False)
    finality: str | int = 1
    type: str = "evm"
    gas_limit: int = 150_000
    timeout: float = 10.0
    # Seconds a sent transaction may stay unmined before it is broadcast again.
    rebroadcast_seconds: int = 30

    @classmethod
    def from_dict(cls, data: Any) -> ChainConfig:
        """Parse and check one ANCHOR_CHAINS entry (keys as in the dataclass)."""
        if not isinstance(data, dict):
            raise ChainConfigError("each ANCHOR_CHAINS entry is an object")
        known = set(cls.__dataclass_fields__)
        unknown = set(data) - known
        if unknown:
            raise ChainConfigError(f"unknown ANCHOR_CHAINS keys: {sorted(unknown)}")
        missing = {"name", "rpc_url", "chain_id", "contract", "signer_key_file"} - set(data)
        if missing:
            raise ChainConfigError(f"ANCHOR_CHAINS entry lacks {sorted(missing)}")
        cfg = cls(**data)
        if not isinstance(cfg.name, str) or not cfg.name or len(cfg.name) > 64:
            raise ChainConfigError("name: 1 to 64 characters")
        if type(cfg.chain_id) is not int or cfg.chain_id <= 0:
            raise ChainConfigError(f"{cfg.name}: chain_id is a positive integer")
        if not (cfg.finality == FINALIZED or (type(cfg.finality) is int and cfg.finality >= 1)):
            raise ChainConfigError(f"{cfg.name}: finality is 'finalized' or a number of confirmations >= 1")
        if cfg.type not in CHAIN_TYPES:
            raise ChainConfigError(f"{cfg.name}: unknown chain type {cfg.type!r}")
        if not isinstance(cfg.contract, str) or len(cfg.contract) != 42 or not cfg.contract.startswith("0x"):
            raise ChainConfigError(f"{cfg.name}: contract is a 0x-prefixed address")
        return cfg

    def finality_dict(self) -> dict[str, Any]:
        """The finality rule as receipts state it."""
        if self.finality == FINALIZED:
            return {"rule": FINALIZED}
        return {"rule": "confirmations", "confirmations": self.finality}

    def signer_key(self) -> bytes:
        """The signer's private key (hex in the key file). Never logged or shown."""
        try:
            text = Path(self.signer_key_file).read_text(encoding="ascii").strip()
            key = bytes.fromhex(text.removeprefix("0x"))
        except (OSError, ValueError, UnicodeDecodeError):
            raise ChainConfigError(f"{self.name}: signer_key_file is not a readable hex private key") from None
        if len(key) != 32:
            raise ChainConfigError(f"{self.name}: the signer key is 32 bytes")
        return key


def chain_client(config: ChainConfig) -> Any:
    """The client registered for ``config.type``, connected to ``config.rpc_url``."""
    module, _, name = CHAIN_TYPES[config.type].rpartition(".")
    return getattr(importlib.import_module(module), name)(config.rpc_url, timeout=config.timeout)
