"""The query plan: plain, immutable data walked by the executor.

Shapes follow Apollo's query plans: a `Fetch` calls one subgraph; `Flatten` runs an
entity fetch for every object found at `path` (`ListSegment.EACH` steps into lists);
`Sequence` and `Parallel` order their children; `Condition` runs a branch depending on
a variable. Paths and rewrites are typed values, as Hive Router's
`FlattenNodePathSegment` and `FetchRewrite`, so the executor matches on them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from gateway.operation.model import InlineFragment, Selection
from gateway.operation.printer import print_selections


@dataclass(frozen=True, slots=True)
class FieldSegment:
    """A step into the field answered under `response_key` (an alias or the field name)."""

    response_key: str

    def __str__(self) -> str:
        return self.response_key


class ListSegment(Enum):
    """A step into every item of a list."""

    EACH = "@"

    def __str__(self) -> str:
        return self.value


PathSegment = FieldSegment | ListSegment
ResponsePath = tuple[PathSegment, ...]


@dataclass(frozen=True, slots=True)
class TypenameRewrite:
    """Entities of `concrete_type` are sent with `sent_as` (an interface) as `__typename`
    (interface entities, `@interfaceObject`); answers typed `sent_as` keep the concrete type."""

    concrete_type: str
    sent_as: str


@dataclass(frozen=True, slots=True)
class KeyRenamer:
    """After the fetch, objects at `path` (response keys from the fetch's root, lists
    stepped through) have their key `alias` renamed back to the client's `response_key`."""

    path: tuple[str, ...]
    alias: str
    response_key: str


@dataclass(frozen=True, slots=True)
class FetchNode:
    """One subgraph request. Entity fetches have `requires` (the representation shape)."""

    subgraph: str
    operation: str
    operation_kind: str = "query"
    variable_usages: tuple[str, ...] = ()
    requires: tuple[InlineFragment, ...] = ()
    typename_rewrites: tuple[TypenameRewrite, ...] = ()
    output_renames: tuple[KeyRenamer, ...] = ()
    # Derived once per plan (the executor reads them for every request): the representation shape per entity
    # type, `typename_rewrites` as a mapping, and the interfaces entities are rewritten to.
    shapes: dict[str | None, tuple[Selection, ...]] = field(init=False, repr=False, compare=False)
    rewrites: dict[str, str] = field(init=False, repr=False, compare=False)
    rewritten_interfaces: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "shapes", {r.type_condition: r.selections for r in self.requires})
        object.__setattr__(self, "rewrites", {r.concrete_type: r.sent_as for r in self.typename_rewrites})
        object.__setattr__(self, "rewritten_interfaces", frozenset(r.sent_as for r in self.typename_rewrites))

    @property
    def entity_types(self) -> frozenset[str]:
        return frozenset(r.type_condition for r in self.requires if r.type_condition is not None)


@dataclass(frozen=True, slots=True)
class FlattenNode:
    """Runs `node` (an entity fetch) for the objects at `path` in the merged data."""

    path: ResponsePath
    node: FetchNode


@dataclass(frozen=True, slots=True)
class SequenceNode:
    nodes: tuple[PlanNode, ...]


@dataclass(frozen=True, slots=True)
class ParallelNode:
    nodes: tuple[PlanNode, ...]


@dataclass(frozen=True, slots=True)
class ConditionNode:
    """Runs `if_clause` when the boolean variable is true, `else_clause` otherwise."""

    variable: str
    if_clause: PlanNode | None
    else_clause: PlanNode | None = None


@dataclass(frozen=True, slots=True)
class SubscriptionNode:
    """`primary` subscribes to one subgraph; `rest` completes every event it emits
    (entity fetches to other subgraphs), as in Apollo's subscription plans."""

    primary: FetchNode
    rest: PlanNode | None = None


PlanNode = FetchNode | FlattenNode | SequenceNode | ParallelNode | ConditionNode | SubscriptionNode


@dataclass(frozen=True, slots=True)
class QueryPlan:
    """`node` is None when nothing needs a subgraph (e.g. pure introspection)."""

    node: PlanNode | None
    kind: str = "query"


def plan_to_dict(node: PlanNode | None) -> dict[str, Any] | None:
    """A JSON-friendly view of a plan, returned to clients asking for it in debug mode."""
    if node is None:
        return None
    if isinstance(node, FetchNode):
        result: dict[str, Any] = {"kind": "Fetch", "serviceName": node.subgraph, "operation": node.operation}
        if node.requires:
            result["requires"] = print_selections(node.requires)
        if node.variable_usages:
            result["variableUsages"] = list(node.variable_usages)
        return result
    if isinstance(node, SubscriptionNode):
        return {"kind": "Subscription", "primary": plan_to_dict(node.primary), "rest": plan_to_dict(node.rest)}
    if isinstance(node, FlattenNode):
        return {"kind": "Flatten", "path": ".".join(map(str, node.path)), "node": plan_to_dict(node.node)}
    if isinstance(node, ConditionNode):
        return {
            "kind": "Condition",
            "condition": node.variable,
            "ifClause": plan_to_dict(node.if_clause),
            "elseClause": plan_to_dict(node.else_clause),
        }
    kind = "Sequence" if isinstance(node, SequenceNode) else "Parallel"
    return {"kind": kind, "nodes": [plan_to_dict(n) for n in node.nodes]}
