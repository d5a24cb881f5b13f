"""The dependency direction of ARCHITECTURE.md: wallets → credentials → identity,
credentials → anchoring only through its services/selectors, and anchoring imports
neither credentials nor wallets."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# package → the top-level project packages it must never import
FORBIDDEN = {
    "identity": {"credentials", "wallets", "anchoring"},
    "anchoring": {"credentials", "wallets", "identity"},
    "credentials": {"wallets"},
}
# the only anchoring modules the credentials code may use: the app's services and
# selectors, and the pure receipt/Merkle code that the offline CLI shares
ANCHORING_API = {"anchoring.services", "anchoring.selectors", "anchoring.merkle", "anchoring.receipt"}


def _imports(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def test_dependency_direction():
    offenders = []
    for package, forbidden in FORBIDDEN.items():
        for path in sorted((ROOT / package).rglob("*.py")):
            for name in _imports(path):
                top = name.split(".")[0]
                where = f"{path.relative_to(ROOT)} imports {name}"
                if top in forbidden:
                    offenders.append(where)
                elif package == "credentials" and top == "anchoring" and name not in ANCHORING_API:
                    offenders.append(where + " (only anchoring.services/selectors)")
    assert offenders == []
