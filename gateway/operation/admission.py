"""Admission of client documents: limits first, then validation; results cached per document.

Order of checks, cheapest first: document size, tokens (while parsing), shape (depth, fragment spreads,
fields, aliases, root fields, measured without expanding fragments), cost (per request: it depends on
variable values), then validation and normalization. Nothing past the shape check runs on a document over a
limit, so the work spent on any unseen document is bounded by the limits. That bounded work (up to a few
hundred milliseconds for a document at the limits) runs in a worker thread, so the event loop keeps serving
other requests meanwhile; documents seen before are answered from the cache on the loop.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLSchema

from axiom.operation_limits import QUERY_TOO_COMPLEX, OperationLimits
from gateway.bounded_lru import BoundedLRU
from gateway.operation.cost import operation_cost, size_variables
from gateway.operation.errors import OperationError
from gateway.operation.prepare import ParsedOperation, PreparedOperation, parse_operation, validate_operation


@dataclass(frozen=True)
class AdmittedOperation:
    prepared: PreparedOperation
    cost: int  # requested cost (0 when limits are off)


# A parsed and validated document takes about this many bytes per character of its text.
_BYTES_PER_CHAR = 100


# Costs kept per document, one per distinct value of its size variables (e.g. a page size a client varies).
_COSTS_PER_DOCUMENT = 32


class _Entry:
    __slots__ = ("chars", "costs", "parsed", "prepared", "size_variables")

    def __init__(self, parsed: ParsedOperation | OperationError, chars: int) -> None:
        self.parsed = parsed
        self.prepared: PreparedOperation | OperationError | None = None
        # The cost depends on the document and the values of these variables alone: kept per those values.
        self.size_variables = size_variables(parsed.document) if isinstance(parsed, ParsedOperation) else ()
        self.costs: dict[tuple[Any, ...], int] = {}
        self.chars = chars  # of the document's text: what the entry's weight is estimated from


class OperationAdmission:
    """Parses, checks and validates documents for one API schema (`limits` None: no limits)."""

    def __init__(
        self,
        schema: GraphQLSchema,
        limits: OperationLimits | None,
        *,
        cache_size: int = 1000,
        cache_bytes: int = 100 * 2**20,
        hide_suggestions: bool = False,
        introspection: bool = True,
    ) -> None:
        """The cache keeps `cache_size` documents at most, weighing `cache_bytes` at most (estimated)."""
        self.schema = schema
        self.limits = limits
        self.hide_suggestions = hide_suggestions
        self.introspection = introspection
        self._entries: BoundedLRU[_Entry] = BoundedLRU(
            cache_size, cache_bytes, lambda entry: entry.chars * _BYTES_PER_CHAR
        )
        # Two workers: unseen documents queue here rather than take every core.
        self._executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="graphql-admission")

    async def admit(
        self, query: str, operation_name: str | None, variables: dict[str, Any] | None
    ) -> AdmittedOperation:
        """The validated operation and its cost; raises OperationError (a refusal or an invalid document)."""
        key = (query, operation_name)
        entry = self._entries.get(key)
        if entry is None or (entry.prepared is None and not isinstance(entry.parsed, OperationError)):
            loop = asyncio.get_running_loop()
            entry = await loop.run_in_executor(
                self._executor, self._checked_entry, entry, query, operation_name, variables
            )
            self._entries.put(key, entry)
        return self._admitted(entry, variables)

    def _checked_entry(
        self, entry: _Entry | None, query: str, operation_name: str | None, variables: dict[str, Any] | None
    ) -> _Entry:
        """(Worker thread) parse within the limits, check the cost, validate: everything an unseen document
        needs, so that the loop only reads the result. A document over its cost is not validated."""
        if entry is None:
            try:
                entry = _Entry(parse_operation(query, operation_name, self.limits), len(query))
            except OperationError as error:
                entry = _Entry(error, len(query))
        if isinstance(entry.parsed, OperationError):
            return entry
        try:
            self.cost(entry.parsed, variables)
        except OperationError:
            return entry
        try:
            entry.prepared = validate_operation(
                self.schema, entry.parsed, hide_suggestions=self.hide_suggestions, introspection=self.introspection
            )
        except OperationError as error:
            entry.prepared = error
        return entry

    def _admitted(self, entry: _Entry, variables: dict[str, Any] | None) -> AdmittedOperation:
        if isinstance(entry.parsed, OperationError):
            raise entry.parsed
        cost = self.cost(entry.parsed, variables, entry)
        if isinstance(entry.prepared, OperationError):
            raise entry.prepared
        assert entry.prepared is not None  # validated in _checked_entry whenever the cost was within the limit
        return AdmittedOperation(entry.prepared, cost)

    def cost(self, parsed: ParsedOperation, variables: dict[str, Any] | None, entry: _Entry | None = None) -> int:
        """The requested cost; raises QUERY_TOO_COMPLEX above the limit. Kept in the document's cache `entry`
        per value of its size variables (a cached document then costs no walk per request)."""
        if self.limits is None:
            return 0
        inputs = _size_inputs(entry, variables) if entry is not None else None
        cost = entry.costs.get(inputs) if entry is not None and inputs is not None else None
        if cost is None:
            cost = operation_cost(
                self.schema, parsed.document, parsed.definition, variables, self.limits.default_list_size
            )
            if entry is not None and inputs is not None and len(entry.costs) < _COSTS_PER_DOCUMENT:
                entry.costs[inputs] = cost
        if cost > self.limits.max_cost:
            message = f"The operation's cost {cost} exceeds the limit of {self.limits.max_cost}."
            raise OperationError(
                QUERY_TOO_COMPLEX,
                [{"message": message, "extensions": {"cost": {"requested": cost, "limit": self.limits.max_cost}}}],
            )
        return cost

    def close(self) -> None:
        """Stop the worker threads."""
        self._executor.shutdown(wait=False, cancel_futures=True)


def _size_inputs(entry: _Entry, variables: dict[str, Any] | None) -> tuple[Any, ...] | None:
    """The values the entry's cost depends on, or None when one cannot key a cache (not an int or null)."""
    values = tuple((variables or {}).get(name) for name in entry.size_variables)
    if all(value is None or (isinstance(value, int) and not isinstance(value, bool)) for value in values):
        return values
    return None
