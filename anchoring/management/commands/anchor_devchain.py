"""Run a local anvil node for development, its state kept under var/ (``make run``)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from anchoring.devchain import DEV_CHAIN_ID, anvil_command


class Command(BaseCommand):
    help = "Run anvil on 127.0.0.1 (in the foreground), keeping its state in var/anvil/state.json."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--port", type=int, default=8545)
        parser.add_argument("--state", default=str(Path(settings.VAR_DIR) / "anvil" / "state.json"))
        parser.add_argument("--block-time", type=int, default=2, help="seconds between blocks (0: mine on demand)")

    def handle(self, *args: Any, **options: Any) -> None:
        state = Path(options["state"])
        state.parent.mkdir(parents=True, exist_ok=True)
        extra = ["--block-time", str(options["block_time"])] if options["block_time"] else []
        cmd = anvil_command(options["port"], state=state, chain_id=DEV_CHAIN_ID, extra=extra)
        self.stdout.write(f"anvil on http://127.0.0.1:{options['port']} (chain id {DEV_CHAIN_ID}), state {state}")
        # Replace this process: a signal to the command reaches anvil, which then saves its state.
        os.execv(cmd[0], cmd)
