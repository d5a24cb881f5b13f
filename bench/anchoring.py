"""Anchoring benchmark: Merkle seal + prove speed and memory, gas per batch and per credential.

Prints, in one run on this machine:

* our ``anchoring.merkle`` sealing a batch and producing every leaf's inclusion
  path (as the bytes the database stores) for 1,000,000 leaves — target: at most
  5 s with a peak RSS under 500 MB — and at the peers' size;
* beside it, at ``--peer-leaves`` (default 100,000; they are far slower), a naive
  hashlib tree (a path walked per leaf), PyPI ``blockcerts-merkletools``
  (Blockcerts' own) and ``pymerkle``, each measured in its own process so that
  peak RSS is its own;
* the gas one ``anchor(root, size)`` transaction uses on anvil, per batch and per
  credential for several batch sizes (one transaction per batch whatever its
  size; for scale, Blockcerts fits about 2,000 certificates in one Bitcoin
  transaction);
* with ``--faults N``: N more runs of the fault tests (tests/anchoring/test_faults.py)
  against real workers, anvil, Redis and PostgreSQL (needs DATABASE_URL and
  CELERY_BROKER_URL as for the tests).

Figures are printed, never asserted. ``--quick`` uses small sizes (smoke test).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import secrets
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_SECONDS = 5.0
TARGET_RSS_MB = 500.0
IMPLEMENTATIONS = ("ours", "naive-hashlib", "blockcerts-merkletools", "pymerkle")


def _digests(n: int) -> list[bytes]:
    blob = hashlib.shake_256(b"lianzheng bench").digest(32 * n)
    return [blob[i:i + 32] for i in range(0, 32 * n, 32)]


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- one implementation, in this process -------------------------------------------


def run_ours(digests: list[bytes]) -> dict[str, Any]:
    from anchoring.merkle import InclusionProof, MerkleTree, verify_inclusion

    t0 = time.perf_counter()
    tree = MerkleTree(digests)
    sealed = time.perf_counter()
    stored = 0
    n = tree.size
    for start in range(0, n, 65536):
        # What sealing writes: each leaf's path as one bytes value.
        rows = [b"".join(p) for p in tree.paths(start, min(n, start + 65536))]
        stored += len(rows)
    proved = time.perf_counter()
    for i in range(0, n, max(1, n // 1000)):
        verify_inclusion(digests[i], InclusionProof(i, n, tree.path(i)), tree.root)
    return {"seal_s": sealed - t0, "prove_s": proved - sealed, "total_s": proved - t0, "proofs": stored}


def run_naive(digests: list[bytes]) -> dict[str, Any]:
    """A straightforward tree: hashlib objects, levels, one path walk per leaf."""
    t0 = time.perf_counter()
    level = []
    for d in digests:
        h = hashlib.sha256()
        h.update(b"\x00")
        h.update(d)
        level.append(h.digest())
    levels = [level]
    while len(level) > 1:
        nxt = []
        for i in range(0, len(level) - 1, 2):
            h = hashlib.sha256()
            h.update(b"\x01")
            h.update(level[i])
            h.update(level[i + 1])
            nxt.append(h.digest())
        if len(level) % 2:
            nxt.append(level[-1])
        levels.append(nxt)
        level = nxt
    sealed = time.perf_counter()
    stored = 0
    for index in range(len(digests)):
        path = []
        i = index
        for lvl in levels[:-1]:
            sibling = i ^ 1
            if sibling < len(lvl):
                path.append(lvl[sibling])
            i //= 2
        stored += len(b"".join(path)) > -1
    proved = time.perf_counter()
    return {"seal_s": sealed - t0, "prove_s": proved - sealed, "total_s": proved - t0, "proofs": stored}


def run_merkletools(digests: list[bytes]) -> dict[str, Any]:
    from blockcerts_merkletools import MerkleTools

    t0 = time.perf_counter()
    mt = MerkleTools(hash_type="sha256")
    mt.add_leaf([d.hex() for d in digests])
    mt.make_tree()
    sealed = time.perf_counter()
    stored = sum(1 for i in range(len(digests)) if mt.get_proof(i) is not None)
    proved = time.perf_counter()
    return {"seal_s": sealed - t0, "prove_s": proved - sealed, "total_s": proved - t0, "proofs": stored}


def run_pymerkle(digests: list[bytes]) -> dict[str, Any]:
    from pymerkle import InmemoryTree

    t0 = time.perf_counter()
    tree = InmemoryTree(algorithm="sha256")
    for d in digests:
        tree.append_entry(d)
    tree.get_state()
    sealed = time.perf_counter()
    n = tree.get_size()
    stored = sum(1 for i in range(1, n + 1) if tree.prove_inclusion(i) is not None)  # pymerkle counts from 1
    proved = time.perf_counter()
    return {"seal_s": sealed - t0, "prove_s": proved - sealed, "total_s": proved - t0, "proofs": stored}


RUNNERS = {"ours": run_ours, "naive-hashlib": run_naive, "blockcerts-merkletools": run_merkletools,
           "pymerkle": run_pymerkle}


def child(name: str, leaves: int) -> None:
    digests = _digests(leaves)
    base = _rss_mb()
    result = RUNNERS[name](digests)
    result.update(name=name, leaves=leaves, rss_mb=_rss_mb(), rss_input_mb=base)
    print(json.dumps(result))


def measure(name: str, leaves: int, timeout: float) -> dict[str, Any]:
    try:
        done = subprocess.run([sys.executable, __file__, "--child", name, "--leaves", str(leaves)], cwd=ROOT,
                              capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"name": name, "leaves": leaves, "error": f"over {timeout:.0f} s"}
    if done.returncode != 0:
        return {"name": name, "leaves": leaves, "error": (done.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- gas ----------------------------------------------------------------------------


def gas_figures(sizes: list[int]) -> list[tuple[int, int]]:
    from eth_account import Account

    from anchoring.chains.evm import EVMChain
    from anchoring.devchain import add_anchorer, deploy, free_port, fund, start_anvil

    port = free_port()
    node = start_anvil(port)
    try:
        url = f"http://127.0.0.1:{port}"
        client = EVMChain(url)
        owner, signer = secrets.token_bytes(32), secrets.token_bytes(32)
        for key in (owner, signer):
            fund(client.w3, Account.from_key(key).address)
        contract = deploy(client.w3, owner)
        add_anchorer(client.w3, owner, contract, Account.from_key(signer).address)
        out = []
        for nonce, size in enumerate(sizes):
            root = hashlib.sha256(f"root {size}".encode()).digest()
            raw, tx_hash = client.sign_anchor(key=signer, contract=contract, root=root, size=size, nonce=nonce,
                                              chain_id=client.chain_id(), gas=150_000, fees=client.fees())
            client.send_raw(raw, tx_hash)
            mined = client.mined(tx_hash)
            assert mined is not None and mined.status == 1
            out.append((size, mined.gas_used))
        return out
    finally:
        node.kill()
        node.wait()


def fault_campaign(runs: int) -> None:
    env = dict(os.environ)
    env.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/h_anchor")
    env.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/3")
    passed = 0
    for i in range(runs):
        t0 = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "pytest", "-p", "tests.web.django_env", "-q", "-x",
                               "-W", "ignore::UserWarning", "tests/anchoring/test_faults.py",
                               "tests/anchoring/test_pipeline.py"], cwd=ROOT, env=env, capture_output=True, text=True)
        ok = done.returncode == 0
        passed += ok
        tail = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
        print(f"  fault run {i + 1}/{runs}: {'ok' if ok else 'FAILED'} in {time.perf_counter() - t0:.0f} s  {tail}")
    print(f"  {passed}/{runs} fault runs lost nothing and anchored nothing twice")


def _row(r: dict[str, Any]) -> str:
    if "error" in r:
        return f"  {r['name']:<24} {r['leaves']:>9,}  {r['error']}"
    per_leaf_us = r["total_s"] / r["leaves"] * 1e6
    return (f"  {r['name']:<24} {r['leaves']:>9,}  {r['seal_s']:>7.2f}  {r['prove_s']:>7.2f}  {r['total_s']:>7.2f}"
            f"  {per_leaf_us:>8.2f}  {r['rss_mb']:>7.0f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--leaves", type=int, default=1_000_000)
    parser.add_argument("--peer-leaves", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="small sizes (smoke test)")
    parser.add_argument("--faults", type=int, default=0, metavar="N", help="also run the fault tests N times")
    parser.add_argument("--child", choices=IMPLEMENTATIONS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.leaves)
        return 0
    leaves, peer_leaves = (20_000, 5_000) if args.quick else (args.leaves, args.peer_leaves)

    print(f"Merkle seal + prove (RFC 9162 SHA-256; every leaf's inclusion path), each in its own process")
    print(f"  {'implementation':<24} {'leaves':>9}  {'seal s':>7}  {'prove s':>7}  {'total s':>7}  {'us/leaf':>8}  {'RSS MB':>7}")
    ours = measure("ours", leaves, timeout=300)
    print(_row(ours))
    rows = [measure("ours", peer_leaves, 300)] + [measure(n, peer_leaves, 600) for n in IMPLEMENTATIONS[1:]]
    for r in rows:
        print(_row(r))
    ten_k = measure("blockcerts-merkletools", 10_000, 120)
    if "error" not in ten_k:
        print(f"  blockcerts-merkletools, 10,000 proofs alone: {ten_k['prove_s'] * 1000:.0f} ms "
              f"(ours at {peer_leaves:,}: {rows[0].get('prove_s', float('nan')) / peer_leaves * 1e7:.0f} ms per 10,000)")
    if "error" not in ours and leaves >= 1_000_000:
        verdict = "meets" if ours["total_s"] <= TARGET_SECONDS and ours["rss_mb"] < TARGET_RSS_MB else "MISSES"
        print(f"  target for 1,000,000 leaves: <= {TARGET_SECONDS:.0f} s and < {TARGET_RSS_MB:.0f} MB peak RSS: {verdict} "
              f"({ours['total_s']:.2f} s, {ours['rss_mb']:.0f} MB; the input digests alone: {ours['rss_input_mb']:.0f} MB)")

    print()
    print("Gas of one anchor(root, size) transaction on anvil (one per batch, whatever its size)")
    print(f"  {'batch size':>12}  {'gas/batch':>10}  {'gas/credential':>15}")
    for size, gas in gas_figures([1, 100, 2_000, 10_000, 1_000_000]):
        print(f"  {size:>12,}  {gas:>10,}  {gas / size:>15,.2f}")
    print("  for scale: Blockcerts fits about 2,000 certificates in one Bitcoin transaction")

    if args.faults:
        print()
        print(f"Fault campaign: {args.faults} run(s) of tests/anchoring/test_faults.py and test_pipeline.py")
        fault_campaign(args.faults)
    return 0


if __name__ == "__main__":
    sys.exit(main())
