"""The whole system on free ports: demo data seeded, both subgraphs, a Vision worker and the gateway as real
processes."""

from __future__ import annotations

import asyncio
import os
import sys
import threading
import time

import httpx
import pytest
import uvicorn

from axiom.embedded.process import ManagedProcess, free_port
from axiom.supervisor import load_demo
from tests.sentry_receiver import SentryReceiver
from tests.vision.openai_server import FakeOpenAI

METRICS_TOKEN = "e2e-metrics-token"


class _ThreadedServer(uvicorn.Server):
    """A uvicorn server on a thread of the test process, so tests can script what it answers."""

    def install_signal_handlers(self) -> None:  # the main thread keeps its own handlers
        pass


@pytest.fixture(scope="session")
def fake_openai():
    """A local server speaking OpenAI's chat-completions API; the Vision process is pointed at it."""
    fake = FakeOpenAI()
    port = free_port()
    server = _ThreadedServer(uvicorn.Config(fake.app(), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    fake.base_url = f"http://127.0.0.1:{port}/v1"
    try:
        yield fake
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture(scope="session")
def sentry_receiver():
    """Where the processes of the system send their error reports (SENTRY_DSN)."""
    with SentryReceiver() as receiver:
        yield receiver


@pytest.fixture(scope="session")
def system(services_settings, tmp_path_factory, fake_openai, sentry_receiver):
    """Start weaver, vision, a Vision worker and the gateway like `axiom up` does; yields the base URLs."""
    asyncio.run(load_demo(services_settings))
    ports = {name: free_port() for name in ("weaver", "vision", "gateway")}
    env = {
        **os.environ,
        "WEAVER_PORT": str(ports["weaver"]),
        "VISION_PORT": str(ports["vision"]),
        "GATEWAY_PORT": str(ports["gateway"]),
        "LOG_FORMAT": "console",
        "OPENAI_API_KEY": "sk-test-local",
        "OPENAI_BASE_URL": fake_openai.base_url,
        # Small enough for a held lock to trip it in a test, large enough for every honest demo pivot.
        "QUERY_TIMEOUT": "3",
        # As in production: subgraphs answer only calls signed like the gateway's; /metrics wants a token.
        "SUBGRAPH_GATEWAY_ONLY": "true",
        "METRICS_TOKEN": METRICS_TOKEN,
        "SENTRY_DSN": sentry_receiver.dsn,
    }
    folder = tmp_path_factory.mktemp("processes")
    started = []
    try:
        for name in ("weaver", "vision", "gateway"):
            process = ManagedProcess(name, folder)
            process.start([sys.executable, "-m", "axiom.cli", "serve", name], env=env)
            started.append(process)
            process.wait_http_ok(f"http://127.0.0.1:{ports[name]}/health/live", 60)
        worker = ManagedProcess("vision-worker", folder)  # runs Vision's jobs (refreshes, solves)
        worker.start([sys.executable, "-m", "axiom.cli", "worker"], env={**env, "ETL_SYNC_INTERVAL": "0"})
        started.append(worker)
        yield {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    finally:
        for process in reversed(started):
            process.stop()


@pytest.fixture
async def gateway(system):
    async with httpx.AsyncClient(base_url=system["gateway"], timeout=30) as client:
        yield client
