"""The gateway engine: one request in, one GraphQL response out.

Ties the rooms together: document cache → normalized operation → plan cache → plan
executor → response shaping. Transport-agnostic and HTTP-agnostic.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass
from typing import AsyncIterator, Callable, Hashable, Iterable, Mapping

import orjson

from gateway.api_schema import build_api_schema
from gateway.executor import (
    ExecutionState, PlanExecutor, ResponseShaper, introspection_fields, run_introspection,
)
from gateway.operation import OperationError, PreparedOperation, coerce_variables, prepare_operation
from gateway.planner import PlanCache, PlanningError, plan_to_dict
from gateway.supergraph import load_supergraph
from gateway.supergraph.override_labels import OverrideLabelPolicy
from gateway.supergraph.override_labels import override_labels as labels_in_supergraph
from gateway.executor.fanout import SharedSubscriptions
from gateway.executor.subscription import SubscriptionExecutor
from gateway.transport.base import Transport, TransportError

logger = logging.getLogger("axiom.gateway")


@dataclass(frozen=True)
class GraphQLRequest:
    query: str | None  # None only until a persisted query's text is looked up
    variables: dict | None = None
    operation_name: str | None = None
    extensions: dict | None = None


@dataclass(frozen=True)
class GraphQLResponse:
    """`status` is the HTTP status the transport layer should use."""

    status: int
    body: dict


class Gateway:
    """Executes client requests against the subgraphs of one supergraph."""

    def __init__(self, supergraph_sdl: str, transport: Transport, *, cache_size: int = 1000,
                 override_labels: Iterable[str] = (),
                 override_draw: Callable[[str], float] | None = None,
                 subscription_scope: Callable[[Mapping[str, str]], Hashable | None] | None = None):
        """`subscription_scope(headers)`: the authorization scope of a subscriber (what the
        subgraphs' answers may depend on, e.g. tenant and roles), or None to give it its
        own upstream subscription. Subscriptions with the same document, variables and
        scope share one upstream subscription; without the function none are shared."""
        self.supergraph = load_supergraph(supergraph_sdl)
        self.api_schema = build_api_schema(supergraph_sdl)
        self.transport = transport
        self.plans = PlanCache(self.supergraph, cache_size)
        # Progressive @override: which labels are active is decided per request.
        self.overrides = OverrideLabelPolicy(
            labels_in_supergraph(self.supergraph), override_labels, override_draw)
        self._documents: OrderedDict[tuple, PreparedOperation | OperationError] = OrderedDict()
        self._cache_size = cache_size
        urls = {s.name: s.url for s in self.supergraph.subgraphs.values()}
        self.executor = PlanExecutor(urls, transport)
        subscriber = getattr(transport, "subscriber", None)
        self.subscriptions = (
            SubscriptionExecutor(self.executor, subscriber) if subscriber is not None else None
        )
        self.subscription_scope = subscription_scope
        self.shared_subscriptions = SharedSubscriptions()

    def prepare(self, query: str, operation_name: str | None) -> PreparedOperation:
        """Parse/validate/normalize once per distinct (document, operation name)."""
        key = (query, operation_name)
        prepared = self._documents.get(key)
        if prepared is None:
            try:
                prepared = prepare_operation(self.api_schema, query, operation_name)
            except OperationError as error:
                prepared = error
            self._documents[key] = prepared
            if len(self._documents) > self._cache_size:
                self._documents.popitem(last=False)
        else:
            self._documents.move_to_end(key)
        if isinstance(prepared, OperationError):
            raise prepared
        return prepared

    async def execute(self, request: GraphQLRequest, headers: Mapping[str, str],
                      *, allow_mutations: bool = True, debug_plan: bool = False) -> GraphQLResponse:
        """Run one operation; request errors give 4xx, everything else 200 with errors."""
        try:
            prepared = self.prepare(request.query, request.operation_name)
            operation = prepared.operation
            if operation.kind == "mutation" and not allow_mutations:
                return _request_error(405, "METHOD_NOT_ALLOWED", "Mutations need POST.")
            if operation.kind == "subscription":
                return _request_error(400, "BAD_REQUEST", "Subscriptions need a streaming transport.")
            coerced = coerce_variables(self.api_schema, prepared, request.variables)
        except OperationError as error:
            return GraphQLResponse(400, {"errors": error.errors})
        try:
            plan = self.plans.plan(operation, self.overrides.active())
        except PlanningError as error:
            return _execution_error("QUERY_PLANNING_FAILED", str(error))
        state = ExecutionState(request.variables or {}, coerced, headers)
        try:
            await self._run(operation, plan, state)
        except Exception:  # a bug must not leak a stack trace nor become a 500
            logger.exception("gateway execution failed")
            return _execution_error("INTERNAL_SERVER_ERROR", "Unexpected gateway error.")
        body = self._shape(operation, state)
        if debug_plan:
            body["extensions"] = {"queryPlan": plan_to_dict(plan.node)}
        return GraphQLResponse(200, body)

    async def stream(self, request: GraphQLRequest, headers: Mapping[str, str],
                     init_payload: dict | None = None, *,
                     allow_mutations: bool = True) -> GraphQLResponse | AsyncIterator[dict]:
        """A subscription's event bodies, or a response when it cannot start (or when
        the operation is a query or mutation: one result, as streaming clients expect)."""
        try:
            prepared = self.prepare(request.query, request.operation_name)
            if prepared.operation.kind != "subscription":
                return await self.execute(request, headers, allow_mutations=allow_mutations)
            coerced = coerce_variables(self.api_schema, prepared, request.variables)
        except OperationError as error:
            return GraphQLResponse(400, {"errors": error.errors})
        if self.subscriptions is None:
            return _request_error(400, "BAD_REQUEST", "Subscriptions are not available.")
        operation = prepared.operation
        labels = self.overrides.active()
        try:
            plan = self.plans.plan(operation, labels)
        except PlanningError as error:
            return _execution_error("QUERY_PLANNING_FAILED", str(error))
        variables = request.variables or {}

        def start(event_headers=None) -> AsyncIterator[dict]:
            events = self.subscriptions.events(plan.node, variables, coerced, headers,
                                               init_payload, event_headers)
            return self._stream_bodies(operation, events)

        scope = self.subscription_scope(headers) if self.subscription_scope else None
        if scope is None:
            return start()
        # The normalized operation's text: documents that differ only in layout, fragments
        # or unused operations share too.
        key = (operation.signature(), orjson.dumps(variables, option=orjson.OPT_SORT_KEYS),
               labels, scope)
        return self.shared_subscriptions.join(key, headers, start)

    async def _stream_bodies(self, operation, events) -> AsyncIterator[dict]:
        try:
            async for state in events:
                yield self._shape(operation, state)
        except TransportError as error:
            yield {"errors": [{"message": f"Subscription ended by the subgraph: {error}",
                               "extensions": {"code": "SUBSCRIPTION_UPSTREAM_ERROR"}}]}
        except Exception:  # a bug ends the stream with an error, never a broken socket
            logger.exception("subscription execution failed")
            yield {"errors": [{"message": "Unexpected gateway error.",
                               "extensions": {"code": "INTERNAL_SERVER_ERROR"}}]}
        finally:
            await events.aclose()

    def _shape(self, operation, state: ExecutionState) -> dict:
        if state.data is None:
            return {"data": None, "errors": state.errors}
        root = self.api_schema.get_type(operation.root_type)
        # Without conditions, which fields a selection set collects depends on the
        # operation alone: share that work between its responses.
        collected = None if operation.has_conditions() else operation.derived("_collected", dict)
        shaper = ResponseShaper(self.api_schema, state.coerced, state.errors, collected)
        body: dict = {"data": shaper.shape_root(operation.selections, root, state.data)}
        if state.errors:
            body["errors"] = state.errors
        return body

    async def _run(self, operation, plan, state: ExecutionState) -> None:
        local = operation.derived(
            "_introspection_fields", lambda: introspection_fields(self.supergraph, operation))
        if local:
            data, errors = run_introspection(self.api_schema, operation, local, state.variables)
            state.data.update(data)
            state.errors.extend(errors)
        await self.executor.run(plan.node, state)

    async def close(self) -> None:
        await self.transport.close()


def _request_error(status: int, code: str, message: str) -> GraphQLResponse:
    return GraphQLResponse(status, {"errors": [{"message": message, "extensions": {"code": code}}]})


def _execution_error(code: str, message: str) -> GraphQLResponse:
    error = {"message": message, "extensions": {"code": code}}
    return GraphQLResponse(200, {"data": None, "errors": [error]})
