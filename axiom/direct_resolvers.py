"""Plain fields and synchronous resolvers of chosen types, called by graphql-core without Strawberry's wrapper.

For every field it resolves, Strawberry builds an `Info`, converts the arguments, checks for field extensions
and exception handlers and chains closures: about half of the CPU of a deep catalog page, whose fields are
mostly attribute reads or loader values already in hand (bench/weaver_loaders.py). For the types named here,
a field gets a direct graphql-core resolver when nothing of that is needed: an attribute read for a field
without resolver, or the resolver function itself when it is synchronous, has no field extensions or permission
classes, and takes only builtin scalar arguments (passed under their Python names). Such a resolver receives
graphql-core's `GraphQLResolveInfo`: the same `context`, `path` and `field_name` as Strawberry's `Info`, but not
its extras (`selected_fields`); resolvers that need those must stay `async` (left to Strawberry). Any other
field keeps Strawberry's resolver.

A plain field of a scalar or enum type (a page's thousands of `name`s) goes one step further: the schema's
`DirectExecutionContext` reads the attribute and coerces it inline while it walks the fields of an object,
without the path, resolve info and generic `complete_value` walk graphql-core spends on every field (about a
tenth of a deep page's CPU); a null in a non-null field or a value its type refuses goes graphql-core's way,
so errors are reported exactly as before. A Python list skips graphql-core's checks for other kinds of
iterables when the schema has no `@stream` (a deep page completes 1,600 lists, half of them empty).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import strawberry
from graphql import (
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    is_leaf_type,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.pyutils import Path, Undefined, gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.base import StrawberryOptional
from strawberry.types.field import StrawberryField

_SCALARS = (int, str, bool, float)


def install_direct_resolvers(schema: strawberry.Schema, type_names: Iterable[str]) -> list[str]:
    """Give the eligible fields of `type_names` direct resolvers; returns "Type.field" of each one changed."""
    if schema.schema_converter.exception_handlers:
        return []  # handlers wrap every resolver: nothing may bypass them
    if schema.execution_context_class is StrawberryGraphQLCoreExecutionContext:
        schema.execution_context_class = DirectExecutionContext
    changed = []
    for type_name in type_names:
        graphql_type = schema._schema.type_map[type_name]
        if not isinstance(graphql_type, GraphQLObjectType):
            raise TypeError(f"{type_name} is not an object type")
        definition = graphql_type.extensions[GraphQLCoreConverter.DEFINITION_BACKREF]
        for field in definition.fields:
            graphql_field = graphql_type.fields.get(schema.config.name_converter.get_graphql_name(field))
            resolve = _direct(field, graphql_field.type) if graphql_field is not None else None  # None: private
            if resolve is not None:
                graphql_field.resolve = resolve
                changed.append(f"{type_name}.{field.python_name}")
    return changed


def _direct(field: StrawberryField, graphql_type: GraphQLOutputType) -> Callable[..., Any] | None:
    """The direct resolver of `field`, or None when it needs Strawberry's."""
    if field.extensions or field.permission_classes:
        return None
    resolver = field.base_resolver
    if resolver is None:
        leaf = graphql_type.of_type if isinstance(graphql_type, GraphQLNonNull) else graphql_type
        if is_leaf_type(leaf):
            return LeafAttribute(field.python_name, leaf, isinstance(graphql_type, GraphQLNonNull))
        return _attribute(field.python_name)
    func = resolver.wrapped_func
    if resolver.is_async or resolver.parent_parameter or resolver.root_parameter or not resolver.self_parameter:
        return None
    if isinstance(func, staticmethod | classmethod):  # they take no `self`: refused just above, kept for mypy
        return None
    if not all(_is_scalar(argument.type) for argument in resolver.arguments):
        return None
    names = {argument.graphql_name or argument.python_name: argument.python_name for argument in field.arguments}
    names.update({_camel(argument.python_name): argument.python_name for argument in field.arguments})
    info = resolver.info_parameter.name if resolver.info_parameter else None
    positional = info is not None and list(resolver.signature.parameters).index(info) == 1  # (self, info, …)
    return _call(func, info, positional, names)


def _is_scalar(annotation: Any) -> bool:
    if isinstance(annotation, StrawberryOptional):
        annotation = annotation.of_type
    return annotation in _SCALARS


def _camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(part.capitalize() for part in rest)


def _attribute(name: str) -> Callable[..., Any]:
    def resolve(source: Any, _info: Any) -> Any:
        return getattr(source, name)

    return resolve


def _call(
    function: Callable[..., Any], info_name: str | None, info_positional: bool, names: dict[str, str]
) -> Callable[..., Any]:
    if not names and info_positional:
        return function  # graphql-core calls resolve(source, info): exactly the method's (self, info)
    if not names and info_name is None:
        return lambda source, _info: function(source)

    def resolve(source: Any, info: Any, **arguments: Any) -> Any:
        keywords = {names[name]: value for name, value in arguments.items()}
        if info_name is not None:
            keywords[info_name] = info
        return function(source, **keywords)

    return resolve


class LeafAttribute:
    """The direct resolver of a plain field of a scalar or enum type, which `DirectExecutionContext` completes in
    one step (called like any resolver otherwise)."""

    __slots__ = ("leaf_type", "name", "non_null")

    def __init__(self, name: str, leaf_type: GraphQLLeafType, non_null: bool):
        self.name, self.leaf_type, self.non_null = name, leaf_type, non_null

    def __call__(self, source: Any, _info: Any) -> Any:
        return getattr(source, self.name)


class DirectExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context, completing `LeafAttribute` fields inline and Python lists directly
    (module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Middleware wraps every resolver, so it needs graphql-core's way (Strawberry passes an empty manager).
        self._leaves_direct = self.middleware_manager is None or not self.middleware_manager.middlewares
        # Without `@stream` in the schema (validation refuses it then), a list is completed item by item.
        self._lists_direct = self.schema.get_directive("stream") is None

    def complete_list_value(
        self,
        return_type: GraphQLList[GraphQLOutputType],
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo[Any],
        path: Path,
        result: Any,
        position_context: Any,
    ) -> Any:
        """A Python list is completed without graphql-core's checks for async and other iterables (an ABC check
        per list, a deep page has 1,600 lists, half of them empty)."""
        if type(result) is not list or not self._lists_direct:
            return super().complete_list_value(return_type, field_details_list, info, path, result, position_context)
        if not result:
            return []
        return self.complete_iterable_value(
            return_type.of_type, field_details_list, info, path, result, position_context
        )

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> Any:
        """graphql-core's `execute_fields`, with `LeafAttribute` fields completed inline; a null in a non-null
        field or a value the type refuses goes graphql-core's way, which reports it."""
        if not self._leaves_direct:
            return super().execute_fields(parent_type, source_value, path, grouped_field_set, position_context)
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        awaitable_fields: list[str] = []
        fields = parent_type.fields
        try:
            for response_name, field_details_list in grouped_field_set.items():
                field_def = fields.get(field_details_list[0].node.name.value)  # None for `__typename`
                resolve = field_def.resolve if field_def is not None else None
                if type(resolve) is LeafAttribute:
                    value = _leaf_value(resolve, source_value)
                    if value is not Undefined:
                        results[response_name] = value
                        continue
                result = self.execute_field(
                    parent_type,
                    source_value,
                    field_details_list,
                    Path(path, response_name, parent_type.name),
                    position_context,
                )
                if result is not Undefined:
                    results[response_name] = result
                    if is_awaitable(result):
                        awaitable_fields.append(response_name)
        except Exception:
            if awaitable_fields:  # settle the siblings' pending values, as graphql-core does
                self.settle_in_background([results[field] for field in awaitable_fields])
            raise
        if not awaitable_fields:
            return results

        async def get_results() -> dict[str, Any]:
            awaited = await gather_with_cancel(*(results[field] for field in awaitable_fields))
            results.update(zip(awaitable_fields, awaited, strict=True))
            return results

        return get_results()


def _leaf_value(field: LeafAttribute, source: Any) -> Any:
    """The field's completed value, or Undefined when graphql-core must complete it (to report an error)."""
    try:
        value = getattr(source, field.name)
        if value is None:
            return Undefined if field.non_null else None
        coerced = field.leaf_type.coerce_output_value(value)
    except Exception:
        return Undefined
    return Undefined if coerced is None else coerced
