"""An LRU of query plans keyed by the normalized operation's signature."""

from __future__ import annotations

from collections import OrderedDict

from gateway.operation.model import NormalizedOperation
from gateway.planner.nodes import QueryPlan
from gateway.planner.plan_operation import plan_operation
from gateway.supergraph.model import Supergraph
from gateway.supergraph.override_labels import with_active_labels


class PlanCache:
    """Plans once per distinct (normalized operation, active override labels); keeps
    the `size` most recent. `hits`/`misses` feed the gateway's metrics."""

    def __init__(self, supergraph: Supergraph, size: int = 1000):
        self._supergraph = supergraph
        self._views: dict[frozenset[str], Supergraph] = {}
        self._size = size
        self._plans: OrderedDict[tuple, QueryPlan] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def plan(self, operation: NormalizedOperation,
             labels: frozenset[str] = frozenset()) -> QueryPlan:
        key = (operation.signature(), labels)
        plan = self._plans.get(key)
        if plan is not None:
            self.hits += 1
            self._plans.move_to_end(key)
            return plan
        self.misses += 1
        plan = plan_operation(self._view(labels), operation)
        self._plans[key] = plan
        if len(self._plans) > self._size:
            self._plans.popitem(last=False)
        return plan

    def _view(self, labels: frozenset[str]) -> Supergraph:
        view = self._views.get(labels)
        if view is None:
            view = self._views[labels] = with_active_labels(self._supergraph, labels)
        return view

    def __len__(self) -> int:
        return len(self._plans)
