"""The cost of an operation, computed from the API schema before validation (Shopify's model).

- A scalar or enum field costs 0; an object, interface or union field costs 1 plus its selections.
- A list field costs its expected length times (1 + its selections). The length is the field's `first` or
  `last` argument (a literal, a variable's value, or the argument's default); a list without one is assumed to
  hold `default_list_size` items. A non-list field with `first`/`last` (a Relay connection) passes that length
  on to the lists right below it (`edges`, `nodes`).
- Fragments on other types than the parent's are summed per type condition, and the costliest condition
  counts (an object has one type). Introspection fields cost 1 flat: the gateway
  answers them from its own bounded schema. Unknown fields cost 0: validation refuses them afterwards.

Each (fragment, inherited length) is costed once, so the work is linear in the document's size.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    DocumentNode,
    ExecutableDefinitionNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLArgument,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    NamedTypeNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_composite_type,
    is_list_type,
)

_SIZE_ARGUMENTS = ("first", "last")


def operation_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: dict[str, Any] | None,
    default_list_size: int,
) -> int:
    """The requested cost of `operation` (one of `document`'s definitions) with these variable values."""
    root = schema.get_root_type(operation.operation)
    if root is None:
        return 0
    return _CostMeasure(schema, document, variables or {}, default_list_size).selection_set(
        operation.selection_set, root, None
    )


def size_variables(document: DocumentNode) -> tuple[str, ...]:
    """The variables any `first`/`last` argument of the document takes its value from: the only inputs of an
    operation's cost besides the document (so a cost can be kept per document and values of these)."""
    found: set[str] = set()
    pending: list[SelectionSetNode | None] = [
        d.selection_set for d in document.definitions if isinstance(d, ExecutableDefinitionNode)
    ]
    while pending:
        selection_set = pending.pop()
        for node in selection_set.selections if selection_set is not None else ():
            if isinstance(node, FieldNode):
                for argument in node.arguments or ():
                    if argument.name.value in _SIZE_ARGUMENTS and isinstance(argument.value, VariableNode):
                        found.add(argument.value.name.value)
            if isinstance(node, FieldNode | InlineFragmentNode):
                pending.append(node.selection_set)
    return tuple(sorted(found))


class _CostMeasure:
    def __init__(
        self, schema: GraphQLSchema, document: DocumentNode, variables: dict[str, Any], default_list_size: int
    ) -> None:
        self.schema = schema
        self.variables = variables
        self.default_list_size = default_list_size
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        self.memo: dict[tuple[str, int | None], int] = {}
        self.in_progress: set[str] = set()

    def selection_set(
        self, selection_set: SelectionSetNode | None, parent: GraphQLNamedType, inherited: int | None
    ) -> int:
        """Fields on `parent` are summed; fragments on other types are summed per type, and only the costliest
        type counts: an object is of one type."""
        shared = 0
        per_type: dict[str, int] = {}
        for node in selection_set.selections if selection_set is not None else ():
            if isinstance(node, FieldNode):
                shared += self.field(node, parent, inherited)
                continue
            if isinstance(node, InlineFragmentNode):
                condition = self._type(node.type_condition, parent)
                cost = self.selection_set(node.selection_set, condition, inherited)
            elif isinstance(node, FragmentSpreadNode):
                condition, cost = self.fragment(node.name.value, parent, inherited)
            else:
                continue
            if condition is parent:
                shared += cost
            else:
                per_type[condition.name] = per_type.get(condition.name, 0) + cost
        return shared + max(per_type.values(), default=0)

    def fragment(self, name: str, parent: GraphQLNamedType, inherited: int | None) -> tuple[GraphQLNamedType, int]:
        """The fragment's type condition and cost."""
        definition = self.fragments.get(name)
        if definition is None or name in self.in_progress:
            return parent, 0  # unknown or cyclic: validation refuses the document
        condition = self._type(definition.type_condition, parent)
        key = (name, inherited)
        if key not in self.memo:
            self.in_progress.add(name)
            self.memo[key] = self.selection_set(definition.selection_set, condition, inherited)
            self.in_progress.discard(name)
        return condition, self.memo[key]

    def field(self, node: FieldNode, parent: GraphQLNamedType, inherited: int | None) -> int:
        name = node.name.value
        if name.startswith("__"):
            return 0 if name == "__typename" else 1
        definition = _field_definition(parent, name)
        if definition is None:
            return 0
        named = get_named_type(definition.type)
        if not is_composite_type(named):
            return 0
        size = self._size(node, definition)
        if is_list_type(get_nullable_type(definition.type)):
            length = size if size is not None else inherited if inherited is not None else self.default_list_size
            return length * (1 + self.selection_set(node.selection_set, named, None))
        return 1 + self.selection_set(node.selection_set, named, size)

    def _size(self, node: FieldNode, definition: GraphQLField) -> int | None:
        """The `first`/`last` given (literal or variable), else the argument's default, else None."""
        given = {a.name.value: a.value for a in node.arguments or ()}
        for name in _SIZE_ARGUMENTS:
            literal = given.get(name)
            value: object = literal
            if isinstance(literal, VariableNode):
                value = self.variables.get(literal.name.value)
            elif isinstance(literal, IntValueNode):
                value = int(literal.value)
            if isinstance(value, int) and not isinstance(value, bool):
                return max(0, value)
        for name in _SIZE_ARGUMENTS:
            argument = definition.args.get(name)
            default = _int_default(argument) if argument is not None else None
            if default is not None:
                return max(0, default)
        return None

    def _type(self, condition: NamedTypeNode | None, parent: GraphQLNamedType) -> GraphQLNamedType:
        if condition is None:
            return parent
        return self.schema.get_type(condition.name.value) or parent


def _int_default(argument: GraphQLArgument) -> int | None:
    """An argument's integer default, whether the schema holds it as a value or as a literal."""
    default = getattr(argument, "default", None)  # graphql-core ≥ 3.3
    candidates = (getattr(default, "value", None), getattr(default, "literal", None), argument.default_value)
    for candidate in candidates:
        if isinstance(candidate, IntValueNode):
            return int(candidate.value)
        if isinstance(candidate, int) and not isinstance(candidate, bool):
            return candidate
    return None


def _field_definition(parent: GraphQLNamedType, name: str) -> GraphQLField | None:
    if isinstance(parent, (GraphQLObjectType, GraphQLInterfaceType)):
        field: GraphQLField | None = parent.fields.get(name)
        return field
    return None
