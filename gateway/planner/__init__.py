"""The query planner: pure functions from (supergraph, operation) to a plain-data plan."""

from gateway.planner.cache import PlanCache
from gateway.planner.nodes import (
    ConditionNode,
    FetchNode,
    FlattenNode,
    ParallelNode,
    QueryPlan,
    SequenceNode,
    SubscriptionNode,
    plan_to_dict,
)
from gateway.planner.plan_operation import plan_operation
from gateway.planner.selection_tree import PlanningError

__all__ = [
    "ConditionNode",
    "FetchNode",
    "FlattenNode",
    "ParallelNode",
    "PlanCache",
    "PlanningError",
    "QueryPlan",
    "SequenceNode",
    "SubscriptionNode",
    "plan_operation",
    "plan_to_dict",
]
