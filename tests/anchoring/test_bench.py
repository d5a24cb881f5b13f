"""bench/anchoring.py still runs (its figures are printed by the benchmark, never asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_anchoring_bench_quick_run_prints_every_row() -> None:
    proc = subprocess.run([sys.executable, "bench/anchoring.py", "--quick"], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for row in ("ours", "naive-hashlib", "blockcerts-merkletools", "pymerkle", "gas/credential", "Blockcerts"):
        assert row in proc.stdout, proc.stdout
    assert "over " not in proc.stdout and "failed" not in proc.stdout.lower()
