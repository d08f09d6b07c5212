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
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import strawberry
from graphql import GraphQLObjectType
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.base import StrawberryOptional
from strawberry.types.field import StrawberryField

_SCALARS = (int, str, bool, float)


def install_direct_resolvers(schema: strawberry.Schema, type_names: Iterable[str]) -> list[str]:
    """Give the eligible fields of `type_names` direct resolvers; returns "Type.field" of each one changed."""
    if schema.schema_converter.exception_handlers:
        return []  # handlers wrap every resolver: nothing may bypass them
    changed = []
    for type_name in type_names:
        graphql_type = schema._schema.type_map[type_name]
        if not isinstance(graphql_type, GraphQLObjectType):
            raise TypeError(f"{type_name} is not an object type")
        definition = graphql_type.extensions[GraphQLCoreConverter.DEFINITION_BACKREF]
        for field in definition.fields:
            graphql_field = graphql_type.fields.get(schema.config.name_converter.get_graphql_name(field))
            resolve = _direct(field) if graphql_field is not None else None  # None: not in the schema (private)
            if resolve is not None:
                graphql_field.resolve = resolve
                changed.append(f"{type_name}.{field.python_name}")
    return changed


def _direct(field: StrawberryField) -> Callable[..., Any] | None:
    """The direct resolver of `field`, or None when it needs Strawberry's."""
    if field.extensions or field.permission_classes:
        return None
    resolver = field.base_resolver
    if resolver is None:
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
