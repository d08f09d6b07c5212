"""Normalization pass 1: converts the graphql-core AST into plain-data selections,
replacing every named fragment spread by an inline fragment."""

from __future__ import annotations

from collections.abc import Iterable

from graphql import (
    DirectiveNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    Node,
    SelectionSetNode,
    VariableNode,
    Visitor,
    print_ast,
    visit,
)

from gateway.operation.model import Condition, Field, InlineFragment, Selection

# Literal conditions are resolved right here; `_conditions` answers None for "always excluded".


def inline_fragment_spreads(
    selection_set: SelectionSetNode | None,
    fragments: dict[str, FragmentDefinitionNode],
) -> tuple[Selection, ...]:
    """Convert an AST selection set, inlining named fragments and literal @skip/@include."""
    if selection_set is None:
        return ()
    result: list[Selection] = []
    for node in selection_set.selections:
        conditions = _conditions(node.directives or ())
        if conditions is None:
            continue
        if isinstance(node, FieldNode):
            result.append(_field(node, fragments, conditions))
        elif isinstance(node, InlineFragmentNode):
            type_condition = node.type_condition.name.value if node.type_condition else None
            children = inline_fragment_spreads(node.selection_set, fragments)
            result.append(InlineFragment(type_condition, children, conditions))
        elif isinstance(node, FragmentSpreadNode):
            definition = fragments[node.name.value]
            children = inline_fragment_spreads(definition.selection_set, fragments)
            type_condition = definition.type_condition.name.value
            result.append(InlineFragment(type_condition, children, conditions))
    return tuple(result)


def _field(node: FieldNode, fragments: dict[str, FragmentDefinitionNode], conditions: tuple[Condition, ...]) -> Field:
    arguments = tuple((a.name.value, print_ast(a.value)) for a in node.arguments or ())
    return Field(
        name=node.name.value,
        alias=node.alias.value if node.alias else None,
        arguments=arguments,
        selections=inline_fragment_spreads(node.selection_set, fragments),
        conditions=conditions,
        variables=frozenset(_variables_in(a.value for a in node.arguments or ())),
    )


def _variables_in(values: Iterable[Node]) -> set[str]:
    names: set[str] = set()

    class _Collector(Visitor):
        def enter_variable(self, node: VariableNode, *_: object) -> None:
            names.add(node.name.value)

    for value in values:
        visit(value, _Collector())
    return names


def _conditions(directives: tuple[DirectiveNode, ...] | list[DirectiveNode]) -> tuple[Condition, ...] | None:
    """Variable conditions are kept; literal ones are applied now (None: a literal one excludes the node)."""
    kept: list[Condition] = []
    for directive in directives:
        name = directive.name.value
        if name not in ("skip", "include"):
            continue
        passing = name == "include"
        value = (directive.arguments or ())[0].value  # validated: `if` is their one argument
        if isinstance(value, VariableNode):
            kept.append(Condition(value.name.value, passing))
        elif getattr(value, "value", None) != passing:
            return None
    return tuple(kept)
