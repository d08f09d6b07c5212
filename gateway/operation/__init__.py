"""Client operations: parse, validate and normalize into plain data."""

from gateway.operation.errors import OperationError
from gateway.operation.model import (
    Condition,
    Field,
    InlineFragment,
    NormalizedOperation,
    Selection,
    VariableDefinition,
)
from gateway.operation.prepare import PreparedOperation, prepare_operation
from gateway.operation.variables import coerce_variables

__all__ = [
    "Condition",
    "Field",
    "InlineFragment",
    "NormalizedOperation",
    "OperationError",
    "PreparedOperation",
    "Selection",
    "VariableDefinition",
    "coerce_variables",
    "prepare_operation",
]
