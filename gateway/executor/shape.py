"""Shapes merged subgraph data into the client's response.

Walks the client operation (not the subgraph results): keeps the client's field order
and aliases, answers `__typename`, drops fields the planner added (keys, requires),
applies variable `@skip`/`@include`, and propagates nulls of non-null fields to the
nearest nullable parent as GraphQL requires.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from typing import Any

from graphql import (
    GraphQLAbstractType,
    GraphQLEnumType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
    is_abstract_type,
    is_leaf_type,
)

from gateway.operation.model import Field, InlineFragment, Selection

# Collected fields per (selection set id, type name): see `ResponseShaper.__init__`.
ShapeMemo = dict[tuple[int, str], list[tuple[Any, ...]]]
# What a selection set is shaped against: an object type, or an interface answered by an `@interfaceObject`.
Composite = GraphQLObjectType | GraphQLInterfaceType
_INVALID = object()  # a non-null violation travelling up to a nullable parent
_LOCAL_ROOT_FIELDS = frozenset({"__schema", "__type"})


class ResponseShaper:
    """One instance per response; `errors` is extended with non-null violations."""

    def __init__(
        self,
        schema: GraphQLSchema,
        variables: dict[str, Any],
        errors: list[dict[str, Any]],
        collected: ShapeMemo | None = None,
    ) -> None:
        self.schema = schema
        self.variables = variables
        self.errors = errors
        # Collected fields per (selection set, type): variables are fixed for one
        # response, so every object of a list reuses the first one's collection. An
        # operation without `@skip`/`@include` collects the same fields for every
        # response: the caller then passes one `collected` memo kept with the operation.
        self._collected: ShapeMemo = collected if collected is not None else {}

    def shape_root(
        self, selections: Sequence[Selection], root: GraphQLObjectType, data: dict[str, Any] | None
    ) -> dict[str, Any] | None:
        """The response `data`: None when a non-null root field is null."""
        result = self._object(selections, root, data or {}, None, root=True)
        return None if result is _INVALID else result

    def _object(
        self,
        selections: Sequence[Selection],
        type_: Composite,
        source: dict[str, Any],
        path: Any,
        root: bool = False,
    ) -> Any:
        result: dict[str, Any] = {}
        for key, name, field_type, children, scalar, fast in self._fields(selections, type_):
            value = source.get(key)
            if scalar:
                # Fast path: scalar values pass through unless a non-null one is missing.
                if value is not None:
                    result[key] = value
                    continue
            elif fast is not None and value is not None:
                # Fast paths for the common shapes (an object, a list of objects or of scalars), with the same
                # answers and errors as `_complete`.
                shaped = self._fast(fast, field_type, children, value, (path, key), type_.name, name)
                if shaped is _INVALID:
                    return _INVALID
                result[key] = shaped
                continue
            if name == "__typename":
                result[key] = type_.name
                continue
            if root and name in _LOCAL_ROOT_FIELDS:
                result[key] = source.get(key)
                continue
            value = self._complete(field_type, children, value, (path, key), type_.name, name)
            if value is _INVALID:
                return _INVALID
            result[key] = value
        return result

    def _fast(
        self,
        fast: _FastShape,
        field_type: GraphQLOutputType,
        children: Sequence[Selection],
        value: Any,
        path: Any,
        parent: str,
        name: str,
    ) -> Any:
        """A non-null `value` of a field typed as in `fast` (see `_fast_shape`)."""
        kind, nonnull, inner, item_nonnull = fast
        if kind is _FastKind.SCALARS:
            if isinstance(value, list) and None not in value:
                return value
            return self._complete(field_type, children, value, path, parent, name)
        shaped: Any
        if kind is _FastKind.OBJECT:
            shaped = self._object(children, inner, value, path) if isinstance(value, dict) else None
            shaped = None if shaped is _INVALID else shaped
        elif isinstance(value, list):
            shaped = []
            for index, item in enumerate(value):
                item_path = (path, index)
                one = self._object(children, inner, item, item_path) if isinstance(item, dict) else None
                if one is _INVALID or one is None:
                    if item_nonnull:
                        self._null_violation(item_path, parent, name)
                        shaped = None
                        break
                    one = None
                shaped.append(one)
        else:
            shaped = None
        if shaped is None and nonnull:
            self._null_violation(path, parent, name)
            return _INVALID
        return shaped

    def _fields(self, selections: Sequence[Selection], type_: Composite) -> list[tuple[Any, ...]]:
        """[(response key, field name, field type, merged sub-selections, is scalar, fast shape or None)]."""
        memo_key = (id(selections), type_.name)
        found = self._collected.get(memo_key)
        if found is None:
            found = []
            for key, fields in self._collect(selections, type_).items():
                name = fields[0].name
                field_type = None if name.startswith("__") else type_.fields[name].type
                children = tuple(s for f in fields for s in f.selections)
                named = getattr(field_type, "of_type", field_type)
                scalar = isinstance(named, GraphQLScalarType)
                found.append((key, name, field_type, children, scalar, _fast_shape(field_type)))
            # Ids stay valid: the root selections outlive the shaper, and every other
            # selection set passed here is a `children` tuple held by this memo.
            self._collected[memo_key] = found
        return found

    def _complete(
        self, type_: GraphQLOutputType, children: Sequence[Selection], value: Any, path: Any, parent: str, name: str
    ) -> Any:
        if isinstance(type_, GraphQLNonNull):
            inner = self._complete(type_.of_type, children, value, path, parent, name)
            if inner is None:
                self._null_violation(path, parent, name)
                return _INVALID
            return inner
        if value is None:
            return None
        if isinstance(type_, GraphQLList):
            return self._list(type_, children, value, path, parent, name)
        if is_leaf_type(type_):
            return self._leaf(type_, value, path)
        if not isinstance(value, dict):
            return None
        composite = self._runtime_type(type_, value) if is_abstract_type(type_) else type_
        if not isinstance(composite, Composite):  # None: no type of the schema fits the value's __typename
            return None
        shaped = self._object(children, composite, value, path)
        return None if shaped is _INVALID else shaped

    def _list(
        self, type_: GraphQLList[Any], children: Sequence[Selection], value: Any, path: Any, parent: str, name: str
    ) -> list[Any] | None:
        if not isinstance(value, list):
            return None
        items = []
        for index, item in enumerate(value):
            shaped = self._complete(type_.of_type, children, item, (path, index), parent, name)
            if shaped is _INVALID:
                return None
            items.append(shaped)
        return items

    def _leaf(self, type_: GraphQLOutputType, value: Any, path: Any) -> Any:
        if isinstance(type_, GraphQLEnumType) and value not in type_.values:
            # A value the client may not see (e.g. @inaccessible, or from a newer subgraph).
            self.errors.append(
                {
                    "message": f"Enum '{type_.name}' cannot represent value: {value!r}",
                    "path": response_path(path),
                }
            )
            return None
        return value

    def _runtime_type(self, abstract: GraphQLAbstractType, value: dict[str, Any]) -> Composite | None:
        concrete = self.schema.get_type(value.get("__typename") or "")
        if isinstance(concrete, GraphQLObjectType) and self.schema.is_sub_type(abstract, concrete):
            return concrete
        if concrete is abstract and isinstance(abstract, GraphQLInterfaceType):
            # From an `@interfaceObject` subgraph: only the interface's fields were asked.
            return abstract
        return None

    def _null_violation(self, path: Any, parent: str, name: str) -> None:
        """Report a null in a non-null field unless a subgraph error already covers it. An error without a path
        (a subgraph that refused or failed the whole request) covers every null: the client already has the
        reason with its code, and another, uncoded error would only hide it."""
        path = response_path(path)
        for error in self.errors:
            error_path = error.get("path")
            if not error_path or (error_path[: len(path)] == path or path[: len(error_path)] == error_path):
                return
        self.errors.append(
            {
                "message": f"Cannot return null for non-nullable field {parent}.{name}.",
                "path": path,
            }
        )

    def _collect(self, selections: Sequence[Selection], type_: Composite) -> dict[str, list[Field]]:
        """GraphQL's CollectFields: group fields by response key, honouring conditions."""
        grouped: dict[str, list[Field]] = {}
        self._collect_into(selections, type_, grouped)
        return grouped

    def _collect_into(self, selections: Sequence[Selection], type_: Composite, grouped: dict[str, list[Field]]) -> None:
        for selection in selections:
            if not all(c.holds(self.variables) for c in selection.conditions):
                continue
            if isinstance(selection, InlineFragment):
                if self._applies(selection.type_condition, type_):
                    self._collect_into(selection.selections, type_, grouped)
            else:
                grouped.setdefault(selection.response_key, []).append(selection)

    def _applies(self, condition: str | None, type_: Composite) -> bool:
        if condition is None or condition == type_.name:
            return True
        named = self.schema.get_type(condition)
        return is_abstract_type(named) and self.schema.is_sub_type(named, type_)


class _FastKind(Enum):
    OBJECT = 1  # an object type
    OBJECTS = 2  # a list of an object type
    SCALARS = 3  # a list of a scalar type (not an enum: its values are checked)


# (kind, field non-null, the object type (OBJECT, OBJECTS), list items non-null)
_FastShape = tuple[_FastKind, bool, Any, bool]


def _fast_shape(field_type: GraphQLOutputType | None) -> _FastShape | None:
    """How `_fast` shapes values of this field type, or None when only `_complete` does (abstract types, enums,
    nested lists, __typename)."""
    nonnull = isinstance(field_type, GraphQLNonNull)
    named = field_type.of_type if isinstance(field_type, GraphQLNonNull) else field_type
    if isinstance(named, GraphQLObjectType):
        return _FastKind.OBJECT, nonnull, named, False
    if not isinstance(named, GraphQLList):
        return None
    item = named.of_type
    item_nonnull = isinstance(item, GraphQLNonNull)
    item = item.of_type if isinstance(item, GraphQLNonNull) else item
    if isinstance(item, GraphQLObjectType):
        return _FastKind.OBJECTS, nonnull, item, item_nonnull
    if isinstance(item, GraphQLScalarType):
        return _FastKind.SCALARS, nonnull, item, item_nonnull
    return None


def response_path(linked: Any) -> list[Any]:
    """`((None, "a"), 0)` → `["a", 0]`: paths are built as linked pairs while shaping
    (cheap) and turned into lists only for errors."""
    keys: list[Any] = []
    while linked is not None:
        linked, key = linked
        keys.append(key)
    return keys[::-1]
