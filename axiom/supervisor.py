"""`axiom up`: one command that brings the whole system up, keeps it up, and takes it down cleanly.

Order: embedded servers (for each URL not configured) → migrations → demo data → the processes of
`processes(settings)`: the subgraphs of `subgraphs.registry` (Weaver, Vision), their worker processes (Vision's job
workers) and the gateway, each once those it comes `after` are ready. Then a crashed process or embedded server is
restarted with backoff while the rest keep serving (see `axiom.supervision`). Ctrl-C (or SIGTERM) stops them in reverse order;
every child is also tied to us with PDEATHSIG, so even a killed supervisor leaves nothing running. Data stays
in the data folder for the next `up`; one `up` at a time may use a data folder (a lock file says which).
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import re
import signal
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from axiom.auth import JwtSettings
from axiom.demo import issue_demo_token
from axiom.embedded import EmbeddedServices, EmbeddedSettings
from axiom.embedded.process import EmbeddedServerError, ManagedProcess, RunsManagedProcess, port_is_free
from axiom.logs import LogSettings, configure_logging
from axiom.serve import bind_address
from axiom.settings import REPORTED_VARIABLE, Settings, warn_about_environment
from axiom.standby import PortInUse, WarmStarts
from axiom.supervision import GaveUp, Supervisor
from subgraphs.registry import SUBGRAPHS, SubgraphSpec

_PORT_VARIABLES = {"gateway": "GATEWAY_PORT", **{spec.name: spec.port_variable for spec in SUBGRAPHS}}
LOCK_FILE = "up.lock"


@dataclass(frozen=True)
class ProcessSpec:
    """One Axiom process that `up` runs and restarts: `python -m axiom.cli <command…>`.

    `http_service` names the bind address (see `axiom.serve.bind_address`) whose `/health/live` says the
    process is ready; without one, a process is ready once it runs. `after`: started once these are ready.
    """

    name: str
    command: tuple[str, ...]
    http_service: str | None = None
    after: tuple[str, ...] = ()


def http_processes(subgraphs: tuple[SubgraphSpec, ...] = SUBGRAPHS) -> tuple[ProcessSpec, ...]:
    """One process per subgraph, then the gateway once they are all ready."""
    names = tuple(spec.name for spec in subgraphs)
    return (
        *(ProcessSpec(name, ("serve", name), http_service=name) for name in names),
        ProcessSpec("gateway", ("serve", "gateway"), http_service="gateway", after=names),
    )


PROCESSES: tuple[ProcessSpec, ...] = http_processes()


def processes(settings: Settings, subgraphs: tuple[SubgraphSpec, ...] = SUBGRAPHS) -> tuple[ProcessSpec, ...]:
    """The HTTP processes plus each subgraph's worker processes (Vision's: `VISION_WORKERS`, at least one): they
    serve no HTTP, and start once their subgraph is ready (its migrations and queue are in place by then)."""
    workers = tuple(
        ProcessSpec(f"{spec.workers.name}-{number}", spec.workers.command, after=(spec.name,))
        for spec in subgraphs
        if spec.workers is not None
        for number in range(1, spec.workers.count(settings) + 1)
    )
    return http_processes(subgraphs) + workers


class StartupError(RuntimeError):
    pass


def _say(message: str) -> None:
    print(f"axiom: {message}", flush=True)


class AxiomProcess(RunsManagedProcess):
    """A supervised Axiom process; ready when its own child (not another program on its port) answers. An HTTP
    process serves on a socket `up` holds, with a warm standby ready to take over (see `axiom.standby`)."""

    def __init__(self, spec: ProcessSpec, settings: Settings, env: dict[str, Any], folder: Path) -> None:
        self.spec = spec
        self.name = spec.name
        self.env = env
        self.address = bind_address(spec.http_service, settings) if spec.http_service else None
        self.process = ManagedProcess(spec.name, folder)
        argv = [sys.executable, "-m", "axiom.cli", *spec.command]
        self.starts = WarmStarts(spec.name, folder, argv, env, self.address)
        self._standby_allowed = settings.warm_standby and self.address is not None
        self._keeps_standby = False  # see keep_standby()

    def launch(self) -> None:
        try:
            self.starts.start(self.process)
        except PortInUse as exc:
            variable = _PORT_VARIABLES.get(self.name, "its port")
            raise StartupError(f"{exc}: {self.name} cannot serve on it; set {variable} to another port") from None

    def check(self) -> bool:
        if self.process.exited():
            raise StartupError(f"{self.name} exited during start-up (code {self.process.returncode})")
        if self.address is None:
            return True
        host, port = self.address  # the child serves on the socket we bound: nobody else can answer here
        try:
            # Short: while the child starts, this connection waits in the socket's backlog.
            with urllib.request.urlopen(f"http://{host}:{port}/health/live", timeout=0.5) as response:
                ready = bool(response.status == 200)
        except (urllib.error.URLError, OSError):
            return False
        if ready and self._keeps_standby:
            self.starts.make_standby()  # warms up behind the ready process, for its next crash
        return ready

    def keep_standby(self) -> None:
        """From now on keep a warm standby beside the process serving (not earlier: during `up`'s start, warming
        standbys would compete for CPU with the processes still starting)."""
        self._keeps_standby = self._standby_allowed
        if self._keeps_standby:
            self.starts.make_standby()

    def stop(self) -> None:
        """Stop the process serving (its standby and socket stay, for the restart)."""
        self.process.stop()

    def close(self) -> None:
        """Stop the process, its standby, and let go of its port."""
        self.process.stop()
        self.starts.close()


def _check_ports(settings: Settings) -> None:
    """Fail fast on a port that is already taken (the race-free check comes after the bind, in `check`)."""
    for spec in PROCESSES:
        if spec.http_service:
            host, port = bind_address(spec.http_service, settings)
            if not port_is_free(port, host):
                raise StartupError(
                    f"port {port} for {spec.name} is in use; set {_PORT_VARIABLES[spec.http_service]} to another port"
                )


def lock_data_folder(folder: Path) -> int:
    """Hold the data folder for this `up` (released when the process ends, even by SIGKILL)."""
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.read(fd, 32).decode(errors="replace").strip() or "unknown"
        os.close(fd)
        raise StartupError(
            f"data folder {folder} is in use by another `axiom up` (pid {holder}); stop that one "
            "first, or set AXIOM_DATA_DIR to another folder"
        ) from None
    os.ftruncate(fd, 0)
    os.write(fd, str(os.getpid()).encode())
    return fd


async def load_demo(settings: Settings) -> None:
    """Load the demo OLTP data, register it in Weaver (with its schema graph) and build Vision's demo cubes."""
    from axiom.demo import demo_reader_password, load_demo_data
    from subgraphs.vision.demo import load_demo_cubes
    from subgraphs.weaver.demo import register_demo_datasource

    assert settings.database_url is not None
    created = await load_demo_data(settings.database_url, reader_password=demo_reader_password(settings.encryption_key))
    _say("demo data loaded" if created else "demo data already present")
    datasource_id = await register_demo_datasource(settings)
    _say(f"demo datasource {datasource_id} registered and introspected")
    cubes = await load_demo_cubes(settings, datasource_id)
    _say(f"demo cubes ready: {', '.join(map(str, cubes))}")


def _install_graphiql() -> None:
    """GraphiQL's browser files (npm, lockfile-pinned); without them `up` still runs and the page says why."""
    from gateway.http.graphiql import AssetsNotInstalled, assets_installed, install_assets

    if assets_installed():
        return
    _say("installing GraphiQL's files (npm ci in tools/graphiql)")
    try:
        install_assets()
    except AssetsNotInstalled as exc:
        _say(f"warning: GraphiQL will not load: {exc}")


def start_processes(
    specs: tuple[ProcessSpec, ...], make: Callable[[ProcessSpec], AxiomProcess], started: list[Any], timeout: float = 90
) -> None:
    """Launch each spec once those it comes `after` are ready; append each unit to `started` as it forks."""
    units: dict[str, AxiomProcess] = {}
    ready: set[str] = set()
    deadline = time.monotonic() + timeout
    while len(ready) < len(specs):
        for spec in specs:
            if spec.name not in units and set(spec.after) <= ready:
                units[spec.name] = make(spec)
                units[spec.name].launch()
                started.append(units[spec.name])
        ready |= {name for name, unit in units.items() if name not in ready and unit.check()}
        if time.monotonic() > deadline:
            waiting = sorted(set(units) - ready) or sorted(s.name for s in specs if s.name not in units)
            raise StartupError(f"not ready within {timeout:.0f}s: {', '.join(waiting)}")
        time.sleep(0.2)


def _masked(url: str | None) -> str | None:
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url) if url else url


def _print_banner(settings: Settings) -> None:
    token = issue_demo_token(JwtSettings.of(settings))
    gateway = f"http://{settings.gateway_host}:{settings.gateway_port}"
    subgraphs = "".join(f"  {e.name.capitalize():<11} {e.url}\n" for e in settings.subgraphs)
    print(
        "\nAxiom is up.\n"
        f"  Gateway     {gateway}/graphql  (GraphiQL in a browser)\n"
        f"{subgraphs}"
        f"  Health      {gateway}/health/ready\n"
        f"  PostgreSQL  {settings.database_url}\n"
        f"  Redis       {_masked(settings.redis_url)}\n"
        f"  Bolt        {settings.neo4j_uri}\n\n"
        f"Demo token (tenant demo, 8 h):\n  {token}\n\n"
        f"Try:\n  curl -s {gateway}/graphql -H 'content-type: application/json' -H \"authorization: Bearer $TOKEN\" \\\n"
        '    -d \'{"query":"{ cubes { name factTable { name columns { name dataType } } } }"}\'\n\n'
        "Ctrl-C stops everything.\n",
        flush=True,
    )


def _raise_on_sigterm(*_: object) -> NoReturn:
    raise KeyboardInterrupt


def run_system(settings: Settings, *, seed_demo: bool = True) -> int:
    """Run until interrupted; returns the process exit code."""
    configure_logging(LogSettings.of(settings), "up")
    warn_about_environment()
    # Started from a script in the background, SIGINT arrives ignored; Ctrl-C must stop us wherever we run.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _raise_on_sigterm)
    configured = EmbeddedSettings.of(settings)
    folder = Path(configured.data_dir).resolve()
    embedded = EmbeddedServices(folder)
    started: list[AxiomProcess] = []
    try:
        lock_data_folder(folder)
        _check_ports(settings)
        _say(f"data folder {folder}")
        embedded.start(configured)
        settings = embedded.apply(settings)
        env = {**os.environ, **embedded.environment(), REPORTED_VARIABLE: "1"}
        from axiom.migrate import upgrade

        assert settings.database_url is not None  # the embedded PostgreSQL's when none was given
        upgrade(settings.database_url, settings)
        _say("migrations applied")
        if seed_demo:
            asyncio.run(load_demo(settings))
        if settings.graphiql:
            _install_graphiql()
        start_processes(processes(settings), lambda spec: AxiomProcess(spec, settings, env, folder / "run"), started)
        for process in started:
            process.keep_standby()
        _print_banner(settings)
        Supervisor([*embedded.started, *started], say=_say).run()
        return 0
    except KeyboardInterrupt:
        _say("stopping")
        return 0
    except (StartupError, EmbeddedServerError, GaveUp) as exc:
        _say(f"error: {exc}")
        return 1
    finally:
        for process in reversed(started):
            process.close()
        embedded.stop()
        _say("stopped")
