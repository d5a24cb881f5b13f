"""The pure core imports no framework: it must stay usable as a plain library."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PURE = ["identity/errors.py", "identity/jsonutil.py", "identity/expiring.py", "identity/keys.py", "identity/did", "credentials/vc", "anchoring/merkle.py"]
FORBIDDEN = {"django", "rest_framework", "celery", "psycopg", "kombu"}


def _python_files():
    for entry in PURE:
        path = ROOT / entry
        if path.is_file():
            yield path
        elif path.is_dir():
            yield from sorted(path.rglob("*.py"))


def test_no_framework_imports_in_source():
    offenders = []
    for path in _python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            offenders += [f"{path.relative_to(ROOT)}: {n}" for n in names if n.split(".")[0] in FORBIDDEN]
    assert offenders == []


def test_importing_the_core_loads_no_framework():
    code = (
        "import sys\n"
        "import identity.keys, identity.did, credentials.vc.verify, credentials.vc.cli\n"
        "import credentials.vc.suites, credentials.vc.jose, credentials.vc.status, credentials.vc.jsonld\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {sorted(FORBIDDEN)!r})\n"
        "print(bad)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
