"""`axiom up`: one command that brings the whole system up and takes it down cleanly.

Order: embedded servers (for each URL not configured) → migrations → demo data → Weaver, Vision and Vision's
workers → gateway.
Ctrl-C (or SIGTERM) stops them in reverse order; every child is also tied to us with PDEATHSIG, so even a
killed supervisor leaves nothing running. Data stays in the data folder for the next `up`.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path

from axiom.auth import issue_token
from axiom.embedded import EmbeddedServices
from axiom.embedded.process import EmbeddedServerError, ManagedProcess, port_is_free
from axiom.logs import configure_logging
from axiom.serve import bind_address
from axiom.settings import Settings

SERVICES = ("weaver", "vision", "gateway")
_PORT_VARIABLES = {"gateway": "GATEWAY_PORT", "weaver": "WEAVER_PORT", "vision": "VISION_PORT"}


class StartupError(RuntimeError):
    pass


def _say(message: str) -> None:
    print(f"axiom: {message}", flush=True)


def _check_ports(settings: Settings) -> None:
    for service in SERVICES:
        host, port = bind_address(service, settings)
        if not port_is_free(port, host):
            raise StartupError(f"port {port} for {service} is in use; set {_PORT_VARIABLES[service]} to another port")


async def load_demo(settings: Settings) -> None:
    """Load the demo OLTP data, register it in Weaver (with its schema graph) and build Vision's demo cubes."""
    from axiom.demo import load_demo_data
    from subgraphs.vision.demo import load_demo_cubes
    from subgraphs.weaver.demo import register_demo_datasource

    created = await load_demo_data(settings.database_url)
    _say("demo data loaded" if created else "demo data already present")
    datasource_id = await register_demo_datasource(settings)
    _say(f"demo datasource {datasource_id} registered and introspected")
    cubes = await load_demo_cubes(settings, datasource_id)
    _say(f"demo cubes ready: {', '.join(map(str, cubes))}")


def _wait_live(service: str, process: ManagedProcess, settings: Settings, timeout: float = 90) -> None:
    host, port = bind_address(service, settings)
    process.wait_http_ok(f"http://{host}:{port}/health/live", timeout)


def _start_processes(settings: Settings, env: dict, folder: Path) -> list[tuple[str, ManagedProcess]]:
    started: list[tuple[str, ManagedProcess]] = []

    def launch(service: str, command: tuple[str, ...] = ()) -> None:
        process = ManagedProcess(service, folder / "run")
        process.start([sys.executable, "-m", "axiom.cli", *(command or ("serve", service))], env=env,
                      inherit_output=True)
        started.append((service, process))

    try:
        # Both subgraphs start side by side; the gateway only once they answer.
        launch("weaver")
        launch("vision")
        for service, process in list(started):
            _wait_live(service, process, settings)
        # Vision's workers (VISION_WORKERS, default 1) run its jobs; they serve no HTTP, so none is awaited.
        for number in range(1, max(1, settings.vision_workers) + 1):
            launch(f"vision-worker-{number}", ("worker",))
        launch("gateway")
        _wait_live("gateway", started[-1][1], settings)
    except BaseException:
        _stop_processes(started)
        raise
    return started


def _stop_processes(started: list[tuple[str, ManagedProcess]]) -> None:
    for _, process in reversed(started):
        process.stop()


def _print_banner(settings: Settings) -> None:
    token = issue_token(settings, tenant_id="demo", subject="demo-user", roles=["analyst", "admin"],
                        ttl_seconds=8 * 3600)
    gateway = f"http://{settings.gateway_host}:{settings.gateway_port}"
    print(
        "\nAxiom is up.\n"
        f"  Gateway     {gateway}/graphql  (GraphiQL in a browser)\n"
        f"  Weaver      {settings.weaver_url}\n"
        f"  Vision      {settings.vision_url}\n"
        f"  Health      {gateway}/health/ready\n"
        f"  PostgreSQL  {settings.database_url}\n"
        f"  Redis       {settings.redis_url}\n"
        f"  Bolt        {settings.neo4j_uri}\n\n"
        f"Demo token (tenant demo, 8 h):\n  {token}\n\n"
        f"Try:\n  curl -s {gateway}/graphql -H 'content-type: application/json' -H \"authorization: Bearer $TOKEN\" \\\n"
        "    -d '{\"query\":\"{ cubes { name factTable { name columns { name dataType } } } }\"}'\n\n"
        "Ctrl-C stops everything.\n",
        flush=True,
    )


def _raise_on_sigterm(*_) -> None:
    raise KeyboardInterrupt


def run_system(settings: Settings, *, seed_demo: bool = True) -> int:
    """Run until interrupted; returns the process exit code."""
    configure_logging(settings, "up")
    # Started from a script in the background, SIGINT arrives ignored; Ctrl-C must stop us wherever we run.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _raise_on_sigterm)
    folder = Path(settings.data_dir).resolve()
    embedded = EmbeddedServices(folder)
    started: list[tuple[str, ManagedProcess]] = []
    try:
        _check_ports(settings)
        _say(f"data folder {folder}")
        settings = embedded.start(settings)
        env = {**os.environ, **embedded.environment()}
        from axiom.migrate import upgrade

        upgrade(settings.database_url)
        _say("migrations applied")
        if seed_demo:
            asyncio.run(load_demo(settings))
        started = _start_processes(settings, env, folder)
        _print_banner(settings)
        while True:
            for service, process in started:
                if process.exited():
                    raise StartupError(f"{service} stopped unexpectedly")
            time.sleep(0.5)
    except KeyboardInterrupt:
        _say("stopping")
        return 0
    except (StartupError, EmbeddedServerError) as exc:
        _say(f"error: {exc}")
        return 1
    finally:
        _stop_processes(started)
        embedded.stop()
        _say("stopped")
