"""``make run``: the whole platform on one machine, nothing to install by hand.

Starts, in order: a local anvil chain (state under var/anvil/), deploys the
anchoring contract on first start, then a Celery worker with an embedded beat on
the filesystem broker under var/celery/, and the Django development server. It
prints the URLs and the demo logins, and stops everything on Ctrl-C (or when
any part dies, saying which).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
HOST = os.environ.get("HOST", "127.0.0.1")
PORT = os.environ.get("PORT", "8000")
CHAIN_PORT = os.environ.get("CHAIN_PORT", "8545")
VAR = Path(os.environ.get("VAR_DIR", ROOT / "var"))


def manage(*args: str, env: dict[str, str]) -> None:
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True)


def main() -> int:
    env = dict(os.environ)
    env.setdefault("DEBUG", "1")
    env.setdefault("PUBLIC_URL", f"http://{HOST}:{PORT}")
    # The demo signs in without a second factor; production requires TOTP for staff.
    env.setdefault("STAFF_MFA_REQUIRED", "0")
    # Anchor quickly in the demo: seal every 10 s.
    env.setdefault("ANCHOR_BATCH_SECONDS", "10")
    chains_file = VAR / "anchor_chains.json"
    env.setdefault("ANCHOR_CHAINS_FILE", str(chains_file))
    procs: list[tuple[str, subprocess.Popen[bytes]]] = []

    def stop(*_args: object) -> None:
        for _name, proc in reversed(procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
        deadline = time.monotonic() + 10
        for _name, proc in procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()

    signal.signal(signal.SIGTERM, lambda *_: (stop(), sys.exit(0)))
    try:
        # Settings read the chains file: the first deploy must happen before the
        # other processes start, and migrate must not need it.
        no_chain = {k: v for k, v in env.items() if k != "ANCHOR_CHAINS_FILE"}
        manage("migrate", "--no-input", env=no_chain)
        manage("seed_demo", env=no_chain)
        procs.append(("chain", subprocess.Popen([PY, "manage.py", "anchor_devchain", "--port", CHAIN_PORT], cwd=ROOT, env=no_chain)))
        manage("anchor_deploy", "--dev", "--rpc", f"http://127.0.0.1:{CHAIN_PORT}", "--out", str(chains_file), env=no_chain)
        procs.append(
            (
                "worker",
                subprocess.Popen(
                    [PY, "-m", "celery", "-A", "config", "worker", "--beat", "--loglevel", "INFO", "--concurrency", "1",
                     "--schedule", str(VAR / "celery" / "beat-schedule")],
                    cwd=ROOT,
                    env=env,
                ),
            )
        )
        procs.append(("web", subprocess.Popen([PY, "manage.py", "runserver", "--noreload", f"{HOST}:{PORT}"], cwd=ROOT, env=env)))
        base = f"http://{HOST}:{PORT}"
        print(
            f"""
Lianzheng is running at {base}/
  registrar portal    {base}/portal/          (log in first: {base}/accounts/login/)
  issuer API docs     {base}/api/docs/
  DID of the demo     {base}/orgs/demo-univ/did.json
  verify (VC-API)     POST {base}/credentials/verify
  operator admin      {base}/admin/
  local chain         http://127.0.0.1:{CHAIN_PORT} (anvil; contract and keys in {chains_file})
  emails              printed by the web server and the worker (console backend)
Demo logins (password: {env.get('DEMO_PASSWORD', 'lianzheng-demo-2026')}) — demo accounts only:
  registrar@demo-univ.example   admin@demo-univ.example   viewer@demo-univ.example
  holder@example.com            operator@example.com (Django admin)
Ctrl-C stops everything.
""",
            flush=True,
        )
        while True:
            for name, proc in procs:
                if proc.poll() is not None:
                    print(f"\n{name} stopped (exit code {proc.returncode}); stopping the rest.", file=sys.stderr)
                    stop()
                    return 1
            time.sleep(1)
    except KeyboardInterrupt:
        stop()
        return 0
    except subprocess.CalledProcessError as exc:
        print(f"\n{' '.join(exc.cmd[1:3])} failed (exit code {exc.returncode}).", file=sys.stderr)
        stop()
        return 1


if __name__ == "__main__":
    sys.exit(main())
