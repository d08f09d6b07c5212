"""An LRU of query plans keyed by the normalized operation's signature."""

from __future__ import annotations

from collections import OrderedDict

from gateway.operation.model import NormalizedOperation
from gateway.planner.nodes import QueryPlan
from gateway.planner.plan_operation import plan_operation
from gateway.supergraph.model import Supergraph


class PlanCache:
    """Plans once per distinct normalized operation; keeps the `size` most recent."""

    def __init__(self, supergraph: Supergraph, size: int = 1000):
        self._supergraph = supergraph
        self._size = size
        self._plans: OrderedDict[str, QueryPlan] = OrderedDict()

    def plan(self, operation: NormalizedOperation) -> QueryPlan:
        key = operation.signature()
        plan = self._plans.get(key)
        if plan is not None:
            self._plans.move_to_end(key)
            return plan
        plan = plan_operation(self._supergraph, operation)
        self._plans[key] = plan
        if len(self._plans) > self._size:
            self._plans.popitem(last=False)
        return plan

    def __len__(self) -> int:
        return len(self._plans)
