"""The benchmark still runs (figures are printed by `make bench`, never asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_quick_run_lists_every_suite_and_both_peers():
    proc = subprocess.run([sys.executable, "bench/run.py", "--quick"], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for row in ("eddsa-rdfc-2022", "eddsa-jcs-2022", "ecdsa-rdfc-2019", "ecdsa-jcs-2019", "vc-jwt",
                "didkit Ed25519Signature2018 (peer)", "pyld eddsa-rdfc-2022 (peer)"):
        assert row in proc.stdout, proc.stdout
