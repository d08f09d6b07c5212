"""The supergraph model: which subgraph can resolve what.

Built once from the supergraph SDL by `load_supergraph`; read-only afterwards and
queried by the planner through the methods below.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import (
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    get_named_type,
    is_abstract_type,
    is_list_type,
    is_non_null_type,
)

from gateway.operation.model import Selection


@dataclass(frozen=True, slots=True)
class Subgraph:
    """A subgraph as named by `@join__graph`; `enum_value` is its `join__Graph` member."""

    name: str
    url: str
    enum_value: str


@dataclass(frozen=True, slots=True)
class EntityKey:
    """One `@key` of a type in one subgraph."""

    fields: tuple[Selection, ...]
    text: str
    resolvable: bool


@dataclass(slots=True)
class TypeInGraph:
    """What `@join__type(graph: …)` says about a type in one subgraph."""

    keys: list[EntityKey] = field(default_factory=list)
    extension: bool = False
    is_interface_object: bool = False


@dataclass(frozen=True, slots=True)
class FieldInGraph:
    """What `@join__field(graph: …)` says about a field in one subgraph."""

    graph: str
    requires: tuple[Selection, ...] = ()
    provides: tuple[Selection, ...] = ()
    external: bool = False
    used_overridden: bool = False
    override_from: str | None = None
    override_label: str | None = None
    type: str | None = None

    @property
    def resolves(self) -> bool:
        """External and overridden fields exist in the subgraph but are not resolved there."""
        return not self.external and not self.used_overridden


@dataclass
class Supergraph:
    """Everything the planner needs to know about the composed subgraphs."""

    schema: GraphQLSchema
    subgraphs: dict[str, Subgraph]
    types: dict[str, dict[str, TypeInGraph]]
    fields: dict[tuple[str, str], dict[str, FieldInGraph]]
    implements: dict[str, dict[str, set[str]]]  # graph -> interface -> implementing types
    union_members: dict[str, dict[str, set[str]]]  # graph -> union -> member types

    def graphs_of_type(self, type_name: str) -> dict[str, TypeInGraph]:
        """Subgraphs defining `type_name`, with their keys."""
        return self.types.get(type_name, {})

    def field_in_graph(self, type_name: str, field_name: str, graph: str) -> FieldInGraph | None:
        """The field's `@join__field` view in `graph`, or None if the graph lacks it."""
        return self.fields.get((type_name, field_name), {}).get(graph)

    def resolving_graphs(self, type_name: str, field_name: str) -> list[str]:
        """Subgraphs that can resolve the field, in supergraph order."""
        graphs = self.fields.get((type_name, field_name), {})
        return [g for g, info in graphs.items() if info.resolves]

    def resolvable_keys(self, type_name: str, graph: str) -> list[EntityKey]:
        """Keys through which `graph` can be asked for an entity of this type."""
        info = self.types.get(type_name, {}).get(graph)
        return [k for k in info.keys if k.resolvable] if info else []

    def possible_types(self, type_name: str, graph: str | None = None) -> list[str]:
        """Concrete types an abstract type can be, optionally as seen by one subgraph."""
        named = self.schema.get_type(type_name)
        if not is_abstract_type(named):
            return [type_name]
        everywhere = [t.name for t in self.schema.get_possible_types(named)]
        if graph is None:
            return everywhere
        local = self.implements.get(graph, {}).get(type_name, set()) | self.union_members.get(graph, {}).get(
            type_name, set()
        )
        return [t for t in everywhere if t in local and graph in self.types.get(t, {})]

    def field_type(self, type_name: str, field_name: str) -> tuple[str, int]:
        """(named return type, list depth) of a field in the supergraph."""
        parent = self.schema.get_type(type_name)
        if not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            raise KeyError(f"{type_name} has no fields")
        type_ = parent.fields[field_name].type
        depth = 0
        while True:
            if is_non_null_type(type_):
                type_ = type_.of_type
            elif is_list_type(type_):
                depth += 1
                type_ = type_.of_type
            else:
                return get_named_type(type_).name, depth

    def is_abstract(self, type_name: str) -> bool:
        return is_abstract_type(self.schema.get_type(type_name))

    def is_interface_object(self, type_name: str, graph: str) -> bool:
        """True when `graph` sees the interface `type_name` as an object (`@interfaceObject`)."""
        info = self.types.get(type_name, {}).get(graph)
        return info is not None and info.is_interface_object

    def interfaces_of(self, type_name: str) -> list[str]:
        """Interfaces a concrete type implements in the supergraph."""
        named = self.schema.get_type(type_name)
        return [i.name for i in getattr(named, "interfaces", ())]

    def interface_object_routes(self, type_name: str, field_name: str) -> list[tuple[str, str]]:
        """[(graph, interface)]: graphs resolving the field on an interface of this
        concrete type that they model as an `@interfaceObject`."""
        routes = []
        for interface in self.interfaces_of(type_name):
            for graph in self.resolving_graphs(interface, field_name):
                if self.is_interface_object(interface, graph):
                    routes.append((graph, interface))
        return routes

    def subgraph_field_type(self, type_name: str, field_name: str, graph: str) -> str | None:
        """The named return type of a field in one subgraph when it differs from the
        supergraph's (`@join__field(type:)`), else None."""
        info = self.field_in_graph(type_name, field_name, graph)
        if info is None or not info.type:
            return None
        named = info.type.replace("[", "").replace("]", "").replace("!", "").strip()
        return named if named != self.field_type(type_name, field_name)[0] else None
