"""Deploy CredentialAnchor once and write the chain entry that ANCHOR_CHAINS_FILE reads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from web3 import Web3

from anchoring.devchain import add_anchorer, deploy, fund, is_deployed, wait_for_rpc
from anchoring.services import anchor_signer_key_write


class Command(BaseCommand):
    help = (
        "Deploy the CredentialAnchor contract (unless the chains file already names a live one), "
        "authorise the signer as anchorer and write the chains file. --dev creates the owner and "
        "signer keys under var/anvil/ and funds them (anvil only)."
    )

    def add_arguments(self, parser: Any) -> None:
        var = Path(settings.VAR_DIR)
        parser.add_argument("--rpc", default="http://127.0.0.1:8545")
        parser.add_argument("--name", default="dev")
        parser.add_argument("--owner-key-file", default=str(var / "anvil" / "owner.key"))
        parser.add_argument("--signer-key-file", default=str(var / "anvil" / "signer.key"))
        parser.add_argument("--out", default=str(var / "anchor_chains.json"), help="the chains file to write")
        parser.add_argument("--finality", default="1", help="'finalized' or a number of confirmations")
        parser.add_argument("--dev", action="store_true", help="create and fund keys on a local anvil")
        parser.add_argument("--wait", type=float, default=30.0, help="seconds to wait for the node")

    def handle(self, *args: Any, **o: Any) -> None:
        try:
            wait_for_rpc(o["rpc"], timeout=o["wait"])
        except TimeoutError as exc:
            raise CommandError(str(exc)) from None
        w3 = Web3(Web3.HTTPProvider(o["rpc"]))
        owner_path, signer_path, out = Path(o["owner_key_file"]), Path(o["signer_key_file"]), Path(o["out"])
        if o["dev"]:
            owner = anchor_signer_key_write(path=owner_path)
            signer = anchor_signer_key_write(path=signer_path)
            fund(w3, owner)
            fund(w3, signer)
        try:
            owner_key = bytes.fromhex(owner_path.read_text(encoding="ascii").strip().removeprefix("0x"))
            signer_addr = anchor_signer_key_write(path=signer_path) if signer_path.exists() else None
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot read the keys: {exc.__class__.__name__}") from None
        if signer_addr is None:
            raise CommandError(f"no signer key at {signer_path}")
        chains = json.loads(out.read_text(encoding="utf-8")) if out.exists() else []
        entry = next((c for c in chains if c.get("name") == o["name"]), None)
        chain_id = int(w3.eth.chain_id)
        if entry and entry.get("chain_id") == chain_id and is_deployed(w3, entry["contract"]):
            contract = entry["contract"]
            self.stdout.write(f"CredentialAnchor already at {contract} on chain {chain_id}")
        else:
            contract = deploy(w3, owner_key)
            self.stdout.write(f"deployed CredentialAnchor at {contract} on chain {chain_id}")
        add_anchorer(w3, owner_key, contract, signer_addr)
        finality: str | int = o["finality"] if o["finality"] == "finalized" else int(o["finality"])
        new = {"name": o["name"], "type": "evm", "rpc_url": o["rpc"], "chain_id": chain_id, "contract": contract,
               "signer_key_file": str(signer_path), "finality": finality}
        chains = [c for c in chains if c.get("name") != o["name"]] + [new]
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(chains, indent=2) + "\n", encoding="utf-8")
        self.stdout.write(f"wrote {out}; signer {signer_addr} is an anchorer")
