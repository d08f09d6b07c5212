"""How long each hop may take, derived from the settings so that every layer gives up after the one below it.

A client must see the subgraph's own coded answer (TIMEOUT for a slow query, "unreachable" for a datasource
that never answers), never the gateway's generic SUBREQUEST_HTTP_ERROR. So the deadlines nest:

    datasource statement  QUERY_TIMEOUT (30 s)         PostgreSQL / MySQL cancel the statement
    Weaver operation      CONNECT_TIMEOUT + QUERY_TIMEOUT + SUBGRAPH_SLACK (45 s), enforced by Weaver itself
    gateway → Weaver      Weaver's deadline + GATEWAY_MARGIN (50 s)
    gateway → Vision      3 × QUERY_TIMEOUT + SUBGRAPH_SLACK + GATEWAY_MARGIN (100 s): askPivot may call
                          OpenAI twice (one retry) and then run the pivot, each bounded by QUERY_TIMEOUT

SUBGRAPH_TIMEOUT stays the gateway's floor: it may raise a subgraph's wait, never lower it below the deadline.
"""

from __future__ import annotations

from axiom.settings import Settings
from subgraphs.registry import SUBGRAPHS, SubgraphSpec

CONNECT_TIMEOUT = 10.0  # seconds to open a datasource connection (TCP, TLS, login); testConnection's limit
SUBGRAPH_SLACK = 5.0  # a subgraph's own bookkeeping around the bounded work (its database, graph, Redis)
GATEWAY_MARGIN = 5.0  # network and serialisation between the gateway and a subgraph
VISION_QUERY_TIMEOUTS = 3  # askPivot: an OpenAI call, its one retry, then the pivot query


def weaver_deadline(settings: Settings) -> float:
    """Seconds after which Weaver answers any operation itself (with TIMEOUT at the latest)."""
    return CONNECT_TIMEOUT + max(settings.query_timeout, settings.mindsdb_timeout) + SUBGRAPH_SLACK


def vision_deadline(settings: Settings) -> float:
    """Seconds Vision needs for its slowest bounded operation (askPivot)."""
    return VISION_QUERY_TIMEOUTS * settings.query_timeout + SUBGRAPH_SLACK


def gateway_timeouts(settings: Settings, subgraphs: tuple[SubgraphSpec, ...] = SUBGRAPHS) -> dict[str, float]:
    """The gateway's wait per subgraph: always longer than the subgraph's own deadline (when it declares one)."""
    return {
        spec.name: max(settings.subgraph_timeout, spec.deadline(settings) + GATEWAY_MARGIN)
        if spec.deadline is not None
        else settings.subgraph_timeout
        for spec in subgraphs
    }
