"""`schema/operations/`: the operations a frontend sends, which the codegen tests turn into typed clients. They
must stay valid against the client API schema and use every root field, so that codegen covers every capability."""

from __future__ import annotations

from graphql import OperationDefinitionNode, build_schema, concat_ast, parse, validate

from axiom.schema_files import SCHEMA_DIR

OPERATIONS_DIR = SCHEMA_DIR / "operations"


def _operations():
    return concat_ast([parse(path.read_text()) for path in sorted(OPERATIONS_DIR.glob("*.graphql"))])


def test_the_operations_are_valid_against_the_api_schema():
    assert validate(build_schema((SCHEMA_DIR / "api.graphql").read_text()), _operations()) == []


def test_the_operations_use_every_root_field_of_the_api():
    schema = build_schema((SCHEMA_DIR / "api.graphql").read_text())
    used = {
        (op.operation.value, selection.name.value)
        for op in _operations().definitions
        if isinstance(op, OperationDefinitionNode)
        for selection in op.selection_set.selections
    }
    roots = {"query": schema.query_type, "mutation": schema.mutation_type, "subscription": schema.subscription_type}
    every = {(kind, name) for kind, root in roots.items() for name in root.fields}
    assert every - used == set()
