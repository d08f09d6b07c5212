"""Walks a query plan, calling subgraphs through a transport and merging results.

The executor never decides *what* to fetch (the plan does); it only performs the
requests, merges the data and keeps going when a subgraph fails (partial data). As in
Apollo's executor, a fault is contained per fetch: whatever goes wrong in one fetch
(the transport, a garbled answer, a bug while merging it) leaves the fields that fetch
owned null with a coded error, and every other fetch's data stands.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass, field
from typing import Any, assert_never

import orjson

from gateway.executor.errors import fetch_failed, fetch_fault, subgraph_error
from gateway.executor.merge import deep_merge
from gateway.executor.paths import Located, objects_at, rename_aliases
from gateway.executor.representations import build_representation
from gateway.planner.nodes import (
    ConditionNode,
    FetchNode,
    FlattenNode,
    ParallelNode,
    PlanNode,
    SequenceNode,
    SubscriptionNode,
)
from gateway.transport.base import Transport, TransportError

logger = logging.getLogger("axiom.gateway")


@dataclass
class ExecutionState:
    """Per-request mutable state: merged data, errors, request inputs."""

    variables: dict[str, Any]  # as sent by the client: forwarded to subgraphs untouched
    coerced: dict[str, Any]  # with defaults applied: decides Condition nodes
    headers: Mapping[str, str]
    data: dict[str, Any] | None = field(default_factory=dict)  # None: a subscription event without data
    errors: list[dict[str, Any]] = field(default_factory=list)


class PlanExecutor:
    """Executes plans against subgraph URLs (by subgraph name) through `transport`."""

    def __init__(self, urls: dict[str, str], transport: Transport) -> None:
        self.urls = urls
        self.transport = transport

    async def run(self, node: PlanNode | None, state: ExecutionState) -> None:
        """Execute `node`, filling `state.data` and `state.errors`."""
        match node:
            case None:
                return
            case SequenceNode():
                for child in node.nodes:
                    await self.run(child, state)
            case ParallelNode():
                await asyncio.gather(*(self.run(child, state) for child in node.nodes))
            case FlattenNode():
                await self._isolated(self._entity_fetch(node, state), node.node, state)
            case FetchNode():
                await self._isolated(self._root_fetch(node, state), node, state)
            case ConditionNode():
                branch = node.if_clause if state.coerced.get(node.variable) else node.else_clause
                await self.run(branch, state)
            case SubscriptionNode():
                # Only the subscription executor starts streams; in a plan's body it is a planner bug.
                raise TypeError("a SubscriptionNode cannot run inside a plan")
            case _:
                assert_never(node)

    async def _isolated(self, fetch: Awaitable[None], node: FetchNode, state: ExecutionState) -> None:
        """Await one fetch; a fault in it becomes a coded error for its fields only."""
        try:
            await fetch
        except Exception:  # any fault of one fetch: its fields stay null, the rest of the response stands
            logger.exception("fetch from subgraph '%s' failed", node.subgraph)
            state.errors.append(fetch_fault(node.subgraph))

    async def _root_fetch(self, node: FetchNode, state: ExecutionState) -> None:
        response = await self._send(node, {}, state, None)
        if response is None:
            return
        if isinstance(response.get("data"), dict):
            if node.output_renames:
                rename_aliases(response["data"], node.output_renames)
            if state.data is None:  # only a subscription event without data has none, and it is not executed
                state.data = {}
            deep_merge(state.data, response["data"])
        for error in response.get("errors") or ():
            state.errors.append(subgraph_error(error, node.subgraph, error.get("path")))

    async def _entity_fetch(self, flatten: FlattenNode, state: ExecutionState) -> None:
        node = flatten.node
        shapes, rewrites = node.shapes, node.rewrites
        representations: list[dict[str, Any]] = []
        targets: list[list[tuple[dict[str, Any], list[Any]]]] = []
        index_of: dict[bytes, int] = {}
        for obj, path in objects_at(state.data, flatten.path):
            typename = obj.get("__typename") or ""
            entity_type = rewrites.get(typename, typename)
            shape = shapes.get(entity_type)
            representation = build_representation(obj, shape) if shape else None
            if representation is None:
                continue
            representation["__typename"] = entity_type
            # Identical entities are asked for once and merged into every occurrence.
            key = orjson.dumps(representation, option=orjson.OPT_SORT_KEYS)
            if key not in index_of:
                index_of[key] = len(representations)
                representations.append(representation)
                targets.append([])
            targets[index_of[key]].append((obj, path))
        if not representations:
            return
        response = await self._send(node, {"representations": representations}, state, targets[0][0][1])
        if response is None:
            return
        self._merge_entities(node, response, targets, state)

    def _merge_entities(
        self, node: FetchNode, response: dict[str, Any], targets: list[list[Located]], state: ExecutionState
    ) -> None:
        entities = (response.get("data") or {}).get("_entities")
        interfaces = node.rewritten_interfaces
        if isinstance(entities, list):
            for index, entity in enumerate(entities[: len(targets)]):
                if isinstance(entity, dict):
                    if node.output_renames:
                        rename_aliases(entity, node.output_renames)
                    if interfaces and entity.get("__typename") in interfaces:
                        del entity["__typename"]  # never replace a known concrete type
                    for obj, _ in targets[index]:
                        deep_merge(obj, entity)
        for error in response.get("errors") or ():
            path = error.get("path")
            if path and len(path) >= 2 and path[0] == "_entities" and isinstance(path[1], int):
                for _, where in targets[path[1]] if path[1] < len(targets) else ():
                    state.errors.append(subgraph_error(error, node.subgraph, where + path[2:]))
            else:
                state.errors.append(subgraph_error(error, node.subgraph, None))

    async def _send(
        self, node: FetchNode, extra: dict[str, Any], state: ExecutionState, path: list[Any] | None
    ) -> dict[str, Any] | None:
        variables = {k: state.variables[k] for k in node.variable_usages if k in state.variables}
        variables.update(extra)
        body = {"query": node.operation, "variables": variables}
        try:
            response = await self.transport.send(
                node.subgraph,
                self.urls[node.subgraph],
                body,
                state.headers,
                deduplicate=node.operation_kind == "query",
            )
        except TransportError as error:
            state.errors.append(fetch_failed(node.subgraph, str(error), path))
            return None
        if not isinstance(response, dict):
            state.errors.append(fetch_failed(node.subgraph, "invalid response body", path))
            return None
        return response
