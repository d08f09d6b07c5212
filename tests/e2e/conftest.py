"""The whole system on free ports: demo data seeded, both subgraphs and the gateway as real processes."""

from __future__ import annotations

import asyncio
import os
import sys
import time
import urllib.request

import httpx
import pytest

from axiom.embedded.process import ManagedProcess, free_port
from axiom.supervisor import load_demo


def _wait_live(url: str, process: ManagedProcess, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.exited():
            raise RuntimeError(f"{process.name} exited:\n{process.log_tail(40)}")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} not live after {timeout}s:\n{process.log_tail(40)}")


@pytest.fixture(scope="session")
def system(services_settings, tmp_path_factory):
    """Start weaver, vision and the gateway like `axiom up` does; yields the gateway's GraphQL URL."""
    asyncio.run(load_demo(services_settings))
    ports = {name: free_port() for name in ("weaver", "vision", "gateway")}
    env = {
        **os.environ,
        "WEAVER_PORT": str(ports["weaver"]),
        "VISION_PORT": str(ports["vision"]),
        "GATEWAY_PORT": str(ports["gateway"]),
        "LOG_FORMAT": "console",
    }
    folder = tmp_path_factory.mktemp("processes")
    started = []
    try:
        for name in ("weaver", "vision", "gateway"):
            process = ManagedProcess(name, folder)
            process.start([sys.executable, "-m", "axiom.cli", "serve", name], env=env)
            started.append(process)
            _wait_live(f"http://127.0.0.1:{ports[name]}/health/live", process)
        yield {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    finally:
        for process in reversed(started):
            process.stop()


@pytest.fixture
async def gateway(system):
    async with httpx.AsyncClient(base_url=system["gateway"], timeout=30) as client:
        yield client
