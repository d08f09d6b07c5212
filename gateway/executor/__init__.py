"""Plan execution: subgraph I/O through a transport, merging, response shaping."""

from gateway.executor.execute import ExecutionState, PlanExecutor
from gateway.executor.introspection import introspection_fields, run_introspection
from gateway.executor.shape import ResponseShaper

__all__ = [
    "ExecutionState",
    "PlanExecutor",
    "ResponseShaper",
    "introspection_fields",
    "run_introspection",
]
