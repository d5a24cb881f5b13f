"""Fixtures for the anchoring tests: a real anvil node, a deployed contract, Celery workers.

Run with the project's Django test environment and your own database and Redis db:
``DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_anchor CELERY_BROKER_URL=redis://127.0.0.1:6379/3
.venv/bin/pytest -p tests.web.django_env tests/anchoring``.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from web3 import Web3

from anchoring.devchain import add_anchorer, deploy, free_port, fund, start_anvil

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Anvil:
    """A running anvil on a free port; ``stop``/``start`` keep its chain in a state file."""

    port: int
    state: Path
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def w3(self) -> Web3:
        return Web3(Web3.HTTPProvider(self.url, request_kwargs={"timeout": 10}))

    def start(self) -> None:
        self.proc = start_anvil(self.port, state=self.state)

    def stop(self) -> None:
        if self.proc is not None:
            # SIGTERM: anvil writes its state file on the way out.
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=20)
            self.proc = None

    def rpc(self, method: str, params: list[Any] | None = None) -> Any:
        answer = self.w3.provider.make_request(method, params or [])  # type: ignore[arg-type]
        if "error" in answer:
            raise RuntimeError(answer["error"])
        return answer["result"]

    def mine(self, blocks: int = 1) -> None:
        self.rpc("anvil_mine", [hex(blocks)])


@pytest.fixture(scope="session")
def anvil(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Anvil]:
    node = Anvil(free_port(), tmp_path_factory.mktemp("anvil") / "state.json")
    node.start()
    yield node
    if node.proc is not None:
        node.proc.kill()
        node.proc.wait()


@dataclass
class Chain:
    """A freshly deployed CredentialAnchor with its own owner and signer."""

    anvil: Anvil
    name: str
    contract: str
    owner_key: bytes = field(repr=False)
    signer_key_file: Path
    finality: str | int

    @property
    def config(self) -> dict[str, Any]:
        return {"name": self.name, "type": "evm", "rpc_url": self.anvil.url, "chain_id": 31337,
                "contract": self.contract, "signer_key_file": str(self.signer_key_file),
                "finality": self.finality, "rebroadcast_seconds": 1, "timeout": 3}

    @property
    def signer(self) -> str:
        key = self.signer_key_file.read_text().strip()
        return str(Account.from_key(key).address)

    def anchored_events(self) -> list[Any]:
        from anchoring.chains.evm import ANCHORED_TOPIC

        return self.anvil.w3.eth.get_logs({"address": Web3.to_checksum_address(self.contract), "fromBlock": 0,
                                           "toBlock": "latest", "topics": [ANCHORED_TOPIC]})


@pytest.fixture
def make_chain(anvil: Anvil, tmp_path: Path) -> Callable[..., Chain]:
    def make(name: str = "dev", finality: str | int = 1) -> Chain:
        w3 = anvil.w3
        owner = secrets.token_bytes(32)
        signer = secrets.token_bytes(32)
        fund(w3, Account.from_key(owner).address)
        fund(w3, Account.from_key(signer).address)
        contract = deploy(w3, owner)
        add_anchorer(w3, owner, contract, Account.from_key(signer).address)
        key_file = tmp_path / f"{name}-signer.key"
        key_file.write_text("0x" + signer.hex())
        return Chain(anvil, name, contract, owner, key_file, finality)

    return make


@pytest.fixture
def chain(make_chain: Callable[..., Chain], settings: Any) -> Chain:
    c = make_chain()
    settings.ANCHOR_CHAINS = [c.config]
    return c


def digest(i: int) -> bytes:
    import hashlib

    return hashlib.sha256(f"credential {i}".encode()).digest()


# --- worker processes ---------------------------------------------------------------


@dataclass
class Workers:
    """Real ``celery worker`` processes on the test database (output in workers.log)."""

    env: dict[str, str]
    log: Any = None
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start(self, concurrency: int = 1, **extra_env: str) -> subprocess.Popen[bytes]:
        env = {**self.env, **extra_env}
        proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "-l", "WARNING", "-P", "prefork",
             "-c", str(concurrency), "--without-gossip", "--without-mingle",
             "--without-heartbeat", "-n", f"w{len(self.procs)}-{secrets.token_hex(3)}@%h"],
            cwd=ROOT, env=env, stdout=self.log, stderr=self.log, start_new_session=True,
        )
        self.procs.append(proc)
        return proc

    def kill9(self, proc: subprocess.Popen[bytes]) -> None:
        # The whole worker: the main process and its pool children.
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait()


@pytest.fixture
def workers(transactional_db: Any, chain: Chain, settings: Any, tmp_path: Path) -> Iterator[Workers]:
    from django.db import connection

    from config.celery import app

    # The broker's Redis db is this suite's own (CELERY_BROKER_URL): the default
    # queue is emptied before and after, so no stale task reaches a worker.
    queue = app.conf.task_default_queue
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "ANCHOR_CHAINS": json.dumps(settings.ANCHOR_CHAINS),
           "ANCHOR_BATCH_MAX_LEAVES": "50", "ANCHOR_BATCH_SECONDS": "0",
           "CONN_MAX_AGE": "0"}
    env.pop("ANCHOR_CHAINS_FILE", None)
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(queue)
    log = open(tmp_path / "workers.log", "wb")  # noqa: SIM115
    w = Workers(env, log)
    yield w
    w.stop_all()
    log.close()
    print((tmp_path / "workers.log").read_text(errors="replace")[-4000:])
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(queue)


def wait_until(predicate: Callable[[], bool], timeout: float = 30.0, every: float = 0.2,
               tick: Callable[[], None] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if tick is not None:
            tick()
        if predicate():
            return
        time.sleep(every)
    raise AssertionError("timed out")


@pytest.fixture(autouse=True)
def _plain_static_storage(settings: Any) -> None:
    # As in tests/web: the manifest storage needs collectstatic; pages only need URLs.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
