"""Parse, validate and normalize a client document into a `NormalizedOperation`."""

from __future__ import annotations

from dataclasses import dataclass

from graphql import (
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    VariableDefinitionNode,
    parse,
    print_ast,
    validate,
)

from gateway.operation.errors import OperationError
from gateway.operation.inline_fragment_spreads import inline_fragment_spreads
from gateway.operation.merge_fields import merge_fields
from gateway.operation.model import NormalizedOperation, VariableDefinition


@dataclass(frozen=True)
class PreparedOperation:
    """A validated operation plus what variable coercion needs at request time."""

    operation: NormalizedOperation
    variable_nodes: tuple[VariableDefinitionNode, ...]


def prepare_operation(
    schema: GraphQLSchema, query: str, operation_name: str | None
) -> PreparedOperation:
    """Raise `OperationError` for unparsable, invalid or ambiguous documents."""
    try:
        document = parse(query)
    except GraphQLError as error:
        raise OperationError("GRAPHQL_PARSE_FAILED", [error.formatted]) from None
    errors = validate(schema, document)
    if errors:
        raise OperationError("GRAPHQL_VALIDATION_FAILED", [e.formatted for e in errors])
    definition = _select_operation(document, operation_name)
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    kind = definition.operation.value
    root = schema.get_root_type(definition.operation)
    selections = inline_fragment_spreads(definition.selection_set, fragments)
    selections = merge_fields(selections, root.name, schema)
    variables = tuple(_variable(v) for v in definition.variable_definitions or ())
    operation = NormalizedOperation(
        kind=kind,
        name=definition.name.value if definition.name else None,
        root_type=root.name,
        variable_definitions=variables,
        selections=selections,
    )
    return PreparedOperation(operation, tuple(definition.variable_definitions or ()))


def _select_operation(document, operation_name: str | None) -> OperationDefinitionNode:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name:
        for op in operations:
            if op.name and op.name.value == operation_name:
                return op
        message = f"Unknown operation named '{operation_name}'."
        raise OperationError("GRAPHQL_VALIDATION_FAILED", [{"message": message}])
    if len(operations) != 1:
        message = "Must provide operation name if query contains multiple operations."
        raise OperationError("GRAPHQL_VALIDATION_FAILED", [{"message": message}])
    return operations[0]


def _variable(node: VariableDefinitionNode) -> VariableDefinition:
    name = node.variable.name.value
    type_text = print_ast(node.type)
    default = f"={print_ast(node.default_value)}" if node.default_value else ""
    return VariableDefinition(name, type_text, f"${name}:{type_text}{default}")
