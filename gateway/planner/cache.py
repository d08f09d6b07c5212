"""An LRU of query plans keyed by the normalized operation's signature."""

from __future__ import annotations

from typing import assert_never

from gateway.bounded_lru import BoundedLRU
from gateway.operation.model import NormalizedOperation
from gateway.planner.nodes import (
    ConditionNode,
    FetchNode,
    FlattenNode,
    ParallelNode,
    PlanNode,
    QueryPlan,
    SequenceNode,
    SubscriptionNode,
)
from gateway.planner.plan_operation import plan_operation
from gateway.supergraph.model import Supergraph
from gateway.supergraph.override_labels import with_active_labels

# Estimated bytes of one plan node's objects, besides the texts counted by length.
_NODE_BYTES = 512


class PlanCache:
    """Plans once per distinct (normalized operation, active override labels); keeps
    the `size` most recent within `max_bytes` (estimated: the key's text, the subgraph
    operations' texts, a fixed weight per node). `hits`/`misses` feed the gateway's metrics."""

    def __init__(self, supergraph: Supergraph, size: int = 1000, max_bytes: int = 32 * 2**20) -> None:
        self._supergraph = supergraph
        self._views: dict[frozenset[str], Supergraph] = {}
        self._plans: BoundedLRU[tuple[QueryPlan, int]] = BoundedLRU(size, max_bytes, lambda entry: entry[1])
        self.hits = 0
        self.misses = 0

    def plan(self, operation: NormalizedOperation, labels: frozenset[str] = frozenset()) -> QueryPlan:
        key = (operation.signature(), labels)
        cached = self._plans.get(key)
        if cached is not None:
            self.hits += 1
            return cached[0]
        self.misses += 1
        plan = plan_operation(self._view(labels), operation)
        self._plans.put(key, (plan, len(key[0]) + _plan_bytes(plan.node)))
        return plan

    def _view(self, labels: frozenset[str]) -> Supergraph:
        view = self._views.get(labels)
        if view is None:
            view = self._views[labels] = with_active_labels(self._supergraph, labels)
        return view

    def __len__(self) -> int:
        return len(self._plans)


def _plan_bytes(node: PlanNode | None) -> int:
    """The estimated weight of a plan: its operation texts and a fixed weight per node."""
    match node:
        case None:
            return 0
        case FetchNode():
            return _NODE_BYTES + len(node.operation)
        case FlattenNode():
            return _NODE_BYTES + _plan_bytes(node.node)
        case SequenceNode() | ParallelNode():
            return _NODE_BYTES + sum(_plan_bytes(child) for child in node.nodes)
        case ConditionNode():
            return _NODE_BYTES + _plan_bytes(node.if_clause) + _plan_bytes(node.else_clause)
        case SubscriptionNode():
            return _NODE_BYTES + _plan_bytes(node.primary) + _plan_bytes(node.rest)
        case _:
            assert_never(node)
