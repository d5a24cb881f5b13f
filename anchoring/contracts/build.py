"""Compile CredentialAnchor.sol with the pinned npm ``solc`` (solcjs) into the artifact.

Run ``python -m anchoring.contracts.build`` after editing the source;
``tests/anchoring/test_contract.py`` recompiles and compares with the committed
artifact. No Django: the compiler and its settings are all that matter.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from anchoring.contracts import ARTIFACT, SOURCE

ROOT = SOURCE.parents[2]
SOLCJS = ROOT / "node_modules" / ".bin" / "solcjs"
SOLC_VERSION = "0.8.37"
# paris (no PUSH0): consortium EVM chains (Besu/Quorum, BSN) often lag the
# mainnet hardforks; the contract gains nothing from newer opcodes.
SETTINGS: dict[str, Any] = {
    "optimizer": {"enabled": True, "runs": 200},
    "evmVersion": "paris",
    "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"]}},
}


def compile_contract(solcjs: Path = SOLCJS) -> dict[str, Any]:
    """Compile the source and return the artifact dictionary (what the JSON file holds)."""
    version = subprocess.run([str(solcjs), "--version"], capture_output=True, text=True, check=True).stdout.strip()
    if not version.startswith(SOLC_VERSION + "+"):
        raise RuntimeError(f"solcjs {SOLC_VERSION} is pinned, found {version}")
    source = SOURCE.read_text(encoding="utf-8")
    request = {"language": "Solidity", "sources": {SOURCE.name: {"content": source}}, "settings": SETTINGS}
    done = subprocess.run(
        [str(solcjs), "--standard-json"], input=json.dumps(request), capture_output=True, text=True, check=True
    )
    # solcjs may print warnings before the JSON document.
    output = json.loads(done.stdout[done.stdout.index("{"):])
    errors = [e for e in output.get("errors", []) if e.get("severity") == "error"]
    if errors:
        raise RuntimeError("\n".join(e.get("formattedMessage", e.get("message", "")) for e in errors))
    contract = output["contracts"][SOURCE.name]["CredentialAnchor"]
    return {
        "contractName": "CredentialAnchor",
        "sourceName": f"anchoring/contracts/{SOURCE.name}",
        "sourceSha256": hashlib.sha256(source.encode("utf-8")).hexdigest(),
        "compiler": {"name": "solcjs", "version": version, "settings": SETTINGS},
        "abi": contract["abi"],
        "bytecode": "0x" + contract["evm"]["bytecode"]["object"],
        "deployedBytecode": "0x" + contract["evm"]["deployedBytecode"]["object"],
    }


def render(artifact: dict[str, Any]) -> str:
    """The artifact as committed: sorted keys, indented, newline-terminated."""
    return json.dumps(artifact, indent=2, sort_keys=True) + "\n"


def main() -> int:
    ARTIFACT.write_text(render(compile_contract()), encoding="utf-8")
    print(f"wrote {ARTIFACT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
