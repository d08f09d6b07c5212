"""Normalization pass: merges fields sharing a response key and redundant fragments.

After validation, fields with the same response key in one selection set select the
same field with the same arguments (or live under disjoint object types), so their
sub-selections can be concatenated. Fragments that do not narrow the parent type and
carry no condition are flattened into their parent.
"""

from __future__ import annotations

from collections.abc import Sequence

from graphql import GraphQLInterfaceType, GraphQLObjectType, GraphQLSchema, SchemaMetaFieldDef, TypeMetaFieldDef

from gateway.operation.model import Field, InlineFragment, Selection

_META_FIELDS = {"__schema": SchemaMetaFieldDef, "__type": TypeMetaFieldDef}


def merge_fields(selections: tuple[Selection, ...], parent_type: str, schema: GraphQLSchema) -> tuple[Selection, ...]:
    """Return `selections` with duplicates merged, recursively."""
    flat = _flatten_redundant_fragments(selections, parent_type, schema)
    merged: dict[object, Selection] = {}
    for selection in flat:
        key = _merge_key(selection)
        previous = merged.get(key)
        merged[key] = selection if previous is None else _merge_two(previous, selection)
    return tuple(_recurse(s, parent_type, schema) for s in merged.values())


def _merge_key(selection: Selection) -> object:
    if isinstance(selection, InlineFragment):
        return ("fragment", selection.type_condition, selection.conditions)
    return ("field", selection.response_key, selection.conditions)


def _merge_two(first: Selection, second: Selection) -> Selection:
    children = first.selections + second.selections
    if isinstance(first, InlineFragment):
        return InlineFragment(first.type_condition, children, first.conditions)
    assert isinstance(second, Field)  # it has the merge key of `first`, a field's
    return Field(
        name=first.name,
        alias=first.alias,
        arguments=first.arguments,
        selections=children,
        conditions=first.conditions,
        variables=first.variables | second.variables,
    )


def _flatten_redundant_fragments(
    selections: Sequence[Selection], parent_type: str, schema: GraphQLSchema
) -> list[Selection]:
    """Inline fragments that neither narrow the type nor carry a condition disappear."""
    result: list[Selection] = []
    for selection in selections:
        if (
            isinstance(selection, InlineFragment)
            and not selection.conditions
            and selection.type_condition in (None, parent_type)
        ):
            result.extend(_flatten_redundant_fragments(selection.selections, parent_type, schema))
        else:
            result.append(selection)
    return result


def _recurse(selection: Selection, parent_type: str, schema: GraphQLSchema) -> Selection:
    if isinstance(selection, InlineFragment):
        inner_type = selection.type_condition or parent_type
        children = merge_fields(selection.selections, inner_type, schema)
        return InlineFragment(selection.type_condition, children, selection.conditions)
    if not selection.selections:
        return selection
    field_type = _field_type_name(schema, parent_type, selection.name)
    children = merge_fields(selection.selections, field_type, schema)
    return Field(
        selection.name,
        selection.alias,
        selection.arguments,
        children,
        selection.conditions,
        selection.variables,
    )


def _field_type_name(schema: GraphQLSchema, parent_type: str, field_name: str) -> str:
    if field_name in _META_FIELDS:
        named = _META_FIELDS[field_name].type
    else:
        parent = schema.get_type(parent_type)
        if not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):  # validated: fields have such parents
            raise TypeError(f"{parent_type} has no fields")
        named = parent.fields[field_name].type
    while hasattr(named, "of_type"):
        named = named.of_type
    return named.name
