"""Hive Gateway (`@graphql-hive/gateway` from npm) as the reference gateway.

Not installed by the repository: `bench/hive/package.json` pins what to install
(its `overrides` entry is needed on this registry). Install it there
(`cd bench/hive && npm install`; node_modules is git-ignored) or anywhere else and
pass `--hive-dir`/`HIVE_GATEWAY_DIR`.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from gateway_bench_support import BENCH, Processes, free_port

CANDIDATES = (BENCH / "hive", Path("/tmp/hive"))


def find_hive(explicit: str | None) -> Path | None:
    """The folder whose node_modules has hive-gateway, or None."""
    configured = [explicit, os.environ.get("HIVE_GATEWAY_DIR")]
    for folder in [Path(f) for f in configured if f] + list(CANDIDATES):
        if (folder / "node_modules/.bin/hive-gateway").exists():
            return folder
    return None


def start_hive(processes: Processes, folder: Path, supergraph: Path) -> subprocess.Popen:
    """One Hive Gateway process (no forked workers: same footing as our one process)."""
    port = free_port()
    process = processes.start(
        [
            str(folder / "node_modules/.bin/hive-gateway"),
            "supergraph",
            str(supergraph),
            "--port",
            str(port),
            "--host",
            "127.0.0.1",
            "--fork",
            "1",
        ],
        port,
        env={"NODE_ENV": "production"},
        cwd=folder,
    )
    process.url = f"http://127.0.0.1:{port}/graphql"
    return process
