"""Operation limits, checked on the parsed document before validation, normalization or planning (used by
the gateway and the subgraphs).

Validation, fragment inlining and planning all grow with the document *after* fragment expansion, which a
small document can make exponential (`fragment F2 on T { ...F1 ...F1 }` doubles at each level). So the shape
of every operation and fragment is measured here without expanding anything: each fragment is measured once
and its figures are reused wherever it is spread, so the work is linear in the document's size.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)


class LimitExceeded(Exception):
    """A document over a limit; `errors` are GraphQL error dicts carrying `code` in their extensions."""

    def __init__(self, code: str, message: str, extensions: dict[str, Any]) -> None:
        super().__init__(message)
        self.code = code
        self.errors: list[dict[str, Any]] = [{"message": message, "extensions": {"code": code, **extensions}}]


# Error codes (extensions.code) of refused operations.
OPERATION_TOO_LARGE = "OPERATION_TOO_LARGE"
OPERATION_TOO_DEEP = "OPERATION_TOO_DEEP"
QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"

# Introspection is answered by the gateway itself from a bounded schema; its (deep) `ofType` chains do not
# count towards the depth limit.
_INTROSPECTION_ROOTS = frozenset({"__schema", "__type"})


@dataclass(frozen=True)
class OperationLimits:
    """Upper bounds for one client document; counts after fragment expansion unless said otherwise."""

    max_document_bytes: int = 65_536  # UTF-8 bytes of the query text
    max_tokens: int = 5_000  # lexical tokens (graphql-core's parser stops there)
    max_depth: int = 15  # nesting of fields
    max_aliases: int = 100
    max_root_fields: int = 30
    max_fragment_spreads: int = 500
    max_fields: int = 2_000
    max_cost: int = 1_000  # see gateway.operation.cost
    # A list field's assumed length without `first`/`last`. Axiom's plain lists are the children of a catalog
    # (schemas → tables → columns → references, cube → dimensions → levels); browsing four levels of them
    # costs ~280 at 3 and must stay under `max_cost`.
    default_list_size: int = 3


@dataclass(frozen=True, slots=True)
class Shape:
    """What a selection set amounts to once every fragment in it is expanded."""

    fields: int = 0
    aliases: int = 0
    spreads: int = 0
    depth: int = 0
    top_fields: int = 0  # fields at this level (through fragments), i.e. root fields for an operation


def check_document_size(query: str, limits: OperationLimits) -> None:
    """Refuse a query text over the byte limit (before it is parsed)."""
    # A character is at most 4 UTF-8 bytes: only texts near the limit need encoding to be measured.
    if len(query) * 4 > limits.max_document_bytes and len(query.encode()) > limits.max_document_bytes:
        _refuse(
            OPERATION_TOO_LARGE,
            "documentBytes",
            limits.max_document_bytes,
            f"The document is larger than {limits.max_document_bytes} bytes.",
        )


def check_shape(document: DocumentNode, limits: OperationLimits) -> None:
    """Refuse a document whose operations or fragments exceed a limit; raises LimitExceeded."""
    measure = _ShapeMeasure(document)
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            _check(measure.selection_set(definition.selection_set), limits, root=True)
        elif isinstance(definition, FragmentDefinitionNode):
            _check(measure.fragment(definition.name.value), limits, root=False)


def _check(shape: Shape, limits: OperationLimits, *, root: bool) -> None:
    checks = (
        ("depth", shape.depth, limits.max_depth, OPERATION_TOO_DEEP, "The operation is nested deeper"),
        (
            "fragmentSpreads",
            shape.spreads,
            limits.max_fragment_spreads,
            OPERATION_TOO_LARGE,
            "The operation expands to more fragment spreads",
        ),
        ("fields", shape.fields, limits.max_fields, OPERATION_TOO_LARGE, "The operation expands to more fields"),
        ("aliases", shape.aliases, limits.max_aliases, OPERATION_TOO_LARGE, "The operation has more aliases"),
    )
    for name, actual, maximum, code, text in checks:
        if actual > maximum:
            _refuse(code, name, maximum, f"{text} than the limit of {maximum}.")
    if root and shape.top_fields > limits.max_root_fields:
        _refuse(
            OPERATION_TOO_LARGE,
            "rootFields",
            limits.max_root_fields,
            f"The operation selects more root fields than the limit of {limits.max_root_fields}.",
        )


def _refuse(code: str, limit: str, maximum: int, message: str) -> None:
    raise LimitExceeded(code, message, {"limit": limit, "max": maximum})


class _ShapeMeasure:
    """Measures selection sets, memoising each named fragment's shape."""

    def __init__(self, document: DocumentNode) -> None:
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        self.memo: dict[str, Shape] = {}
        self.in_progress: set[str] = set()

    def fragment(self, name: str) -> Shape:
        shape = self.memo.get(name)
        if shape is not None:
            return shape
        definition = self.fragments.get(name)
        if definition is None:
            return Shape()  # unknown fragment: validation reports it
        if name in self.in_progress:
            raise LimitExceeded("GRAPHQL_VALIDATION_FAILED", f"Cannot spread fragment '{name}' within itself.", {})
        self.in_progress.add(name)
        shape = self.selection_set(definition.selection_set)
        self.in_progress.discard(name)
        self.memo[name] = shape
        return shape

    def selection_set(self, selection_set: SelectionSetNode | None) -> Shape:
        fields = aliases = spreads = depth = top = 0
        for node in selection_set.selections if selection_set is not None else ():
            if isinstance(node, FieldNode):
                child = self.selection_set(node.selection_set)
                fields += 1 + child.fields
                aliases += (node.alias is not None) + child.aliases
                spreads += child.spreads
                depth = max(depth, 1 if node.name.value in _INTROSPECTION_ROOTS else 1 + child.depth)
                top += 1
                continue
            if isinstance(node, InlineFragmentNode):
                child = self.selection_set(node.selection_set)
            elif isinstance(node, FragmentSpreadNode):
                child = self.fragment(node.name.value)
                spreads += 1
            else:
                continue
            fields += child.fields
            aliases += child.aliases
            spreads += child.spreads
            depth = max(depth, child.depth)
            top += child.top_fields
        return Shape(fields, aliases, spreads, depth, top)
