"""Parse, validate and normalize a client document into a `NormalizedOperation`.

Two steps, so that the operation's cost (which depends on variable values) is checked between them:
`parse_operation` parses within the size and token limits and checks the document's shape;
`validate_operation` validates and normalizes it.
"""

from __future__ import annotations

from dataclasses import dataclass

from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    VariableDefinitionNode,
    parse,
    print_ast,
    specified_rules,
    validate,
)
from graphql.validation import NoSchemaIntrospectionCustomRule

from axiom.operation_limits import (
    OPERATION_TOO_LARGE,
    LimitExceeded,
    OperationLimits,
    check_document_size,
    check_shape,
)
from gateway.operation.errors import OperationError
from gateway.operation.inline_fragment_spreads import inline_fragment_spreads
from gateway.operation.merge_fields import merge_fields
from gateway.operation.model import NormalizedOperation, VariableDefinition


@dataclass(frozen=True)
class ParsedOperation:
    """A parsed document within the limits, and the operation of it that the request names."""

    document: DocumentNode
    definition: OperationDefinitionNode


@dataclass(frozen=True)
class PreparedOperation:
    """A validated operation plus what variable coercion needs at request time."""

    operation: NormalizedOperation
    variable_nodes: tuple[VariableDefinitionNode, ...]


def parse_operation(query: str, operation_name: str | None, limits: OperationLimits | None = None) -> ParsedOperation:
    """Parse `query` and pick the operation; raise `OperationError` for unparsable documents, unknown
    operation names and documents over a limit (`limits` None: no limits)."""
    try:
        document = _parse_within(query, limits)
    except LimitExceeded as error:
        raise OperationError(error.code, error.errors) from None
    except GraphQLError as error:
        raise OperationError("GRAPHQL_PARSE_FAILED", [error.formatted]) from None
    return ParsedOperation(document, _select_operation(document, operation_name))


def _parse_within(query: str, limits: OperationLimits | None) -> DocumentNode:
    """Size before parsing, tokens while parsing, shape after: no step runs on a document over an earlier one."""
    if limits is None:
        return parse(query)
    check_document_size(query, limits)
    try:
        document = parse(query, max_tokens=limits.max_tokens)
    except GraphQLError as error:
        if "Document contains more than" in error.message:  # graphql-core's token limit
            raise LimitExceeded(
                OPERATION_TOO_LARGE,
                f"The document has more than {limits.max_tokens} tokens.",
                {"limit": "tokens", "max": limits.max_tokens},
            ) from None
        raise
    check_shape(document, limits)
    return document


def validate_operation(
    schema: GraphQLSchema, parsed: ParsedOperation, *, hide_suggestions: bool = False, introspection: bool = True
) -> PreparedOperation:
    """Validate and normalize; raise `OperationError` for invalid documents (and, with `introspection`
    off, for documents selecting `__schema` or `__type`)."""
    document, definition = parsed.document, parsed.definition
    rules = (*specified_rules, NoSchemaIntrospectionCustomRule) if not introspection else None
    errors = validate(schema, document, rules, hide_suggestions=hide_suggestions)
    if errors:
        raise OperationError("GRAPHQL_VALIDATION_FAILED", [e.formatted for e in errors])
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    kind = definition.operation.value
    root = schema.get_root_type(definition.operation)
    if root is None:  # validation refuses operations of a root type the schema lacks
        raise OperationError("GRAPHQL_VALIDATION_FAILED", [{"message": f"no {kind} root type"}])
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


def prepare_operation(schema: GraphQLSchema, query: str, operation_name: str | None) -> PreparedOperation:
    """Parse, validate and normalize without limits; raise `OperationError` for unparsable, invalid or
    ambiguous documents."""
    return validate_operation(schema, parse_operation(query, operation_name))


def _select_operation(document: DocumentNode, operation_name: str | None) -> OperationDefinitionNode:
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
