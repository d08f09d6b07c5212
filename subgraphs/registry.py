"""The subgraphs of the system, as data: the one list that settings, the gateway, `axiom serve`, `axiom up`,
`axiom schema` and the CLI read. Adding a subgraph is one entry here plus its own folder (see ARCHITECTURE.md).

Importing this module imports no subgraph: apps and schemas are named by import path and loaded when used.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from strawberry import Schema

    from axiom.settings import Settings


def _load(path: str) -> Any:
    """`package.module:attribute` → the attribute."""
    module, _, attribute = path.partition(":")
    return getattr(importlib.import_module(module), attribute)


@dataclass(frozen=True)
class WorkerProcesses:
    """Processes without HTTP that `axiom up` runs beside a subgraph (`python -m axiom.cli <command>`), started
    once the subgraph is ready; `count(settings)` of them, named `<name>-1`, `<name>-2`, …"""

    name: str
    command: tuple[str, ...]
    count: Callable[[Settings], int]


@dataclass(frozen=True)
class SubgraphSpec:
    """One subgraph.

    `name` is its name in the supergraph, its process name (`axiom serve NAME`), its SDL file
    (`schema/NAME.graphql`) and the prefix of its settings: `NAME_HOST`, `NAME_PORT` and `NAME_URL` (the URL
    the gateway calls; by default `http://127.0.0.1:NAME_PORT/graphql`).
    """

    name: str
    app_factory: str  # "module:function": the function takes Settings and returns the ASGI app
    schema_module: str  # module whose `schema` is the Strawberry federation schema (importing it does no I/O)
    default_port: int
    # Seconds the subgraph needs for its slowest bounded operation; the gateway waits a margin longer so the
    # subgraph's own coded TIMEOUT reaches the client. None: SUBGRAPH_TIMEOUT.
    deadline: Callable[[Settings], float] | None = None
    workers: WorkerProcesses | None = None

    @property
    def variable_prefix(self) -> str:
        return self.name.upper().replace("-", "_")

    @property
    def host_variable(self) -> str:
        return f"{self.variable_prefix}_HOST"

    @property
    def port_variable(self) -> str:
        return f"{self.variable_prefix}_PORT"

    @property
    def url_variable(self) -> str:
        return f"{self.variable_prefix}_URL"

    @property
    def default_url(self) -> str:
        """The URL written into the supergraph file (the gateway's settings override it)."""
        return f"http://127.0.0.1:{self.default_port}/graphql"

    @property
    def sdl_file(self) -> str:
        """Its SDL file under `schema/`."""
        return f"{self.name}.graphql"

    def create_app(self, settings: Settings) -> Any:
        return _load(self.app_factory)(settings)

    def load_schema(self) -> Schema:
        schema: Schema = importlib.import_module(self.schema_module).schema
        return schema


def _weaver_deadline(settings: Settings) -> float:
    from axiom.deadlines import weaver_deadline

    return weaver_deadline(settings)


def _vision_deadline(settings: Settings) -> float:
    from axiom.deadlines import vision_deadline

    return vision_deadline(settings)


SUBGRAPHS: tuple[SubgraphSpec, ...] = (
    SubgraphSpec(
        name="weaver",
        app_factory="subgraphs.weaver.app:create_app",
        schema_module="subgraphs.weaver.schema",
        default_port=8001,
        deadline=_weaver_deadline,
    ),
    SubgraphSpec(
        name="vision",
        app_factory="subgraphs.vision.app:create_app",
        schema_module="subgraphs.vision.schema",
        default_port=8400,
        deadline=_vision_deadline,
        # Refreshes, the ETL schedule, scenario solves and causal discovery: at least one worker.
        workers=WorkerProcesses("vision-worker", ("worker",), lambda settings: max(1, settings.vision_workers)),
    ),
)


def subgraph_named(name: str, subgraphs: tuple[SubgraphSpec, ...] = SUBGRAPHS) -> SubgraphSpec:
    for spec in subgraphs:
        if spec.name == name:
            return spec
    raise KeyError(f"unknown subgraph {name!r}; known: {', '.join(s.name for s in subgraphs)}")
