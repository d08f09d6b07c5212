"""The gateway engine: one request in, one GraphQL response out.

Ties the rooms together: document cache → normalized operation → plan cache → plan
executor → response shaping. Transport-agnostic and HTTP-agnostic.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, Awaitable, Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from graphql import GraphQLObjectType

from axiom.operation_limits import OperationLimits
from gateway.api_schema import build_api_schema
from gateway.executor import (
    ExecutionState,
    PlanExecutor,
    ResponseShaper,
    introspection_fields,
    run_introspection,
)
from gateway.executor.fanout import ResponseStream, SharedSubscriptions
from gateway.executor.masking import mask_fault_messages
from gateway.executor.shape import ShapeMemo
from gateway.executor.subscription import SubscriptionExecutor
from gateway.operation import OperationError, coerce_variables
from gateway.operation.admission import AdmittedOperation, OperationAdmission
from gateway.operation.model import NormalizedOperation
from gateway.planner import PlanCache, PlanningError, plan_to_dict
from gateway.planner.nodes import QueryPlan, SubscriptionNode
from gateway.supergraph import load_supergraph
from gateway.supergraph.override_labels import OverrideLabelPolicy
from gateway.supergraph.override_labels import override_labels as labels_in_supergraph
from gateway.transport.base import Transport, TransportError

logger = logging.getLogger("axiom.gateway")


@dataclass(frozen=True)
class GraphQLRequest:
    query: str | None  # None only until a persisted query's text is looked up
    variables: dict[str, Any] | None = None
    operation_name: str | None = None
    extensions: dict[str, Any] | None = None


# (client, operation cost) → a decision with `allowed` and `retry_after` (seconds).
RateLimit = Callable[[str, int], Awaitable[Any]]


@dataclass(frozen=True)
class GraphQLResponse:
    """`status` and `headers` are what the transport layer should answer with."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


class Gateway:
    """Executes client requests against the subgraphs of one supergraph."""

    def __init__(
        self,
        supergraph_sdl: str,
        transport: Transport,
        *,
        cache_size: int = 1000,
        override_labels: Iterable[str] = (),
        override_draw: Callable[[str], float] | None = None,
        limits: OperationLimits | None = OperationLimits(),
        report_cost: bool = False,
        hide_suggestions: bool = False,
        introspection: bool = True,
        mask_errors: bool = False,
        rate_limit: RateLimit | None = None,
        subscription_scope: Callable[[Mapping[str, str]], Hashable | None] | None = None,
    ) -> None:
        """`limits`: refused documents never reach validation or planning (None: no limits).
        `report_cost`: every query/mutation response carries `extensions.cost`. `introspection` off: `__schema`
        and `__type` are refused. `mask_errors`: fault messages replaced, codes kept (production).
        `rate_limit`: asked once per client operation (with its cost) before planning; in-flight deduplication
        shares subgraph calls, never this count. `subscription_scope(headers)`: the authorization scope of a
        subscriber (what the subgraphs' answers may depend on, e.g. tenant and roles), or None to give it its own
        upstream subscription; subscriptions with the same document, variables and scope share one upstream
        subscription, and without the function none are shared."""
        self.supergraph = load_supergraph(supergraph_sdl)
        self.api_schema = build_api_schema(supergraph_sdl)
        self.transport = transport
        self.plans = PlanCache(self.supergraph, cache_size)
        # Progressive @override: which labels are active is decided per request.
        self.overrides = OverrideLabelPolicy(labels_in_supergraph(self.supergraph), override_labels, override_draw)
        self.admission = OperationAdmission(
            self.api_schema,
            limits,
            cache_size=cache_size,
            hide_suggestions=hide_suggestions,
            introspection=introspection,
        )
        self.mask_errors = mask_errors
        self.rate_limit = rate_limit
        self.report_cost = report_cost
        urls = {s.name: s.url for s in self.supergraph.subgraphs.values()}
        self.executor = PlanExecutor(urls, transport)
        subscriber = getattr(transport, "subscriber", None)
        self.subscriptions = SubscriptionExecutor(self.executor, subscriber) if subscriber is not None else None
        self.subscription_scope = subscription_scope
        self.shared_subscriptions = SharedSubscriptions()

    async def admit(self, request: GraphQLRequest) -> AdmittedOperation:
        """Check the limits, then parse/validate/normalize (once per distinct document and operation name)."""
        if request.query is None:  # the HTTP layer looks persisted queries up before this
            raise OperationError("BAD_REQUEST", [{"message": "The request has no query."}])
        return await self.admission.admit(request.query, request.operation_name, request.variables)

    async def execute(
        self,
        request: GraphQLRequest,
        headers: Mapping[str, str],
        *,
        allow_mutations: bool = True,
        debug_plan: bool = False,
        client: str | None = None,
    ) -> GraphQLResponse:
        """Run one operation; request errors give 4xx, everything else 200 with errors. `client` (a tenant)
        is what the rate limit counts against."""
        response = await self._execute(request, headers, allow_mutations, debug_plan, client)
        if self.mask_errors:
            mask_fault_messages(response.body)
        return response

    async def _execute(
        self,
        request: GraphQLRequest,
        headers: Mapping[str, str],
        allow_mutations: bool,
        debug_plan: bool,
        client: str | None,
    ) -> GraphQLResponse:
        try:
            admitted = await self.admit(request)
            prepared = admitted.prepared
            operation = prepared.operation
            if operation.kind == "mutation" and not allow_mutations:
                return _request_error(405, "METHOD_NOT_ALLOWED", "Mutations need POST.")
            if operation.kind == "subscription":
                return _request_error(400, "BAD_REQUEST", "Subscriptions need a streaming transport.")
            coerced = coerce_variables(self.api_schema, prepared, request.variables)
        except OperationError as error:
            return GraphQLResponse(400, {"errors": error.errors})
        refused = await self._rate_limited(client, admitted.cost)
        if refused is not None:
            return refused
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
            body.setdefault("extensions", {})["queryPlan"] = plan_to_dict(plan.node)
        if self.report_cost and self.admission.limits is not None:
            body.setdefault("extensions", {})["cost"] = {
                "requested": admitted.cost,
                "limit": self.admission.limits.max_cost,
            }
        return GraphQLResponse(200, body)

    async def stream(
        self,
        request: GraphQLRequest,
        headers: Mapping[str, str],
        init_payload: dict[str, Any] | None = None,
        *,
        allow_mutations: bool = True,
        client: str | None = None,
    ) -> GraphQLResponse | ResponseStream:
        """A subscription's event bodies, or a response when it cannot start (or when
        the operation is a query or mutation: one result, as streaming clients expect)."""
        try:
            admitted = await self.admit(request)
            prepared = admitted.prepared
            if prepared.operation.kind != "subscription":
                return await self.execute(request, headers, allow_mutations=allow_mutations, client=client)
            coerced = coerce_variables(self.api_schema, prepared, request.variables)
        except OperationError as error:
            return GraphQLResponse(400, {"errors": error.errors})
        refused = await self._rate_limited(client, admitted.cost)
        if refused is not None:
            return refused
        subscriptions = self.subscriptions
        if subscriptions is None:
            return _request_error(400, "BAD_REQUEST", "Subscriptions are not available.")
        operation = prepared.operation
        labels = self.overrides.active()
        try:
            plan = self.plans.plan(operation, labels)
        except PlanningError as error:
            response = _execution_error("QUERY_PLANNING_FAILED", str(error))
            return GraphQLResponse(200, mask_fault_messages(response.body)) if self.mask_errors else response
        variables = request.variables or {}

        node = plan.node
        if not isinstance(node, SubscriptionNode):  # the planner plans every subscription as one
            return _execution_error("QUERY_PLANNING_FAILED", "the subscription has no subscription plan")

        def start(event_headers: Callable[[], Mapping[str, str]] | None = None) -> ResponseStream:
            events = subscriptions.events(node, variables, coerced, headers, init_payload, event_headers)
            return self._stream_bodies(operation, events)

        scope = self.subscription_scope(headers) if self.subscription_scope else None
        if scope is None:
            return start()
        # The normalized operation's text: documents that differ only in layout, fragments
        # or unused operations share too.
        key = (operation.signature(), orjson.dumps(variables, option=orjson.OPT_SORT_KEYS), labels, scope)
        return self.shared_subscriptions.join(key, headers, start)

    async def _rate_limited(self, client: str | None, cost: int) -> GraphQLResponse | None:
        """The refusal when the client is over its rate limit, else None."""
        if self.rate_limit is None or client is None:
            return None
        decision = await self.rate_limit(client, cost)
        if decision.allowed:
            return None
        error = {
            "message": "Rate limit exceeded; retry later.",
            "extensions": {"code": "RATE_LIMITED", "retryAfter": decision.retry_after},
        }
        return GraphQLResponse(429, {"errors": [error]}, {"Retry-After": str(decision.retry_after)})

    async def _stream_bodies(
        self, operation: NormalizedOperation, events: AsyncGenerator[ExecutionState, None]
    ) -> AsyncGenerator[dict[str, Any], None]:
        try:
            async for state in events:
                body = self._shape(operation, state)
                yield mask_fault_messages(body) if self.mask_errors else body
        except TransportError as error:
            message = (
                "Subscription ended by the subgraph."
                if self.mask_errors
                else f"Subscription ended by the subgraph: {error}"
            )
            yield {"errors": [{"message": message, "extensions": {"code": "SUBSCRIPTION_UPSTREAM_ERROR"}}]}
        except Exception:  # a bug ends the stream with an error, never a broken socket
            logger.exception("subscription execution failed")
            yield {
                "errors": [{"message": "Unexpected gateway error.", "extensions": {"code": "INTERNAL_SERVER_ERROR"}}]
            }
        finally:
            await events.aclose()

    def _shape(self, operation: NormalizedOperation, state: ExecutionState) -> dict[str, Any]:
        if state.data is None:
            return {"data": None, "errors": state.errors}
        root = self.api_schema.get_type(operation.root_type)
        assert isinstance(root, GraphQLObjectType)  # the operation was validated against this schema
        # Without conditions, which fields a selection set collects depends on the
        # operation alone: share that work between its responses.
        collected = None if operation.has_conditions() else operation.derived("_collected", ShapeMemo)
        shaper = ResponseShaper(self.api_schema, state.coerced, state.errors, collected)
        body: dict[str, Any] = {"data": shaper.shape_root(operation.selections, root, state.data)}
        if state.errors:
            body["errors"] = state.errors
        return body

    async def _run(self, operation: NormalizedOperation, plan: QueryPlan, state: ExecutionState) -> None:
        local = operation.derived("_introspection_fields", lambda: introspection_fields(self.supergraph, operation))
        if local:
            data, errors = run_introspection(self.api_schema, operation, local, state.variables)
            state.data = {**(state.data or {}), **data}
            state.errors.extend(errors)
        await self.executor.run(plan.node, state)

    async def close(self) -> None:
        self.admission.close()
        await self.transport.close()


def _request_error(status: int, code: str, message: str) -> GraphQLResponse:
    return GraphQLResponse(status, {"errors": [{"message": message, "extensions": {"code": code}}]})


def _execution_error(code: str, message: str) -> GraphQLResponse:
    error = {"message": message, "extensions": {"code": code}}
    return GraphQLResponse(200, {"data": None, "errors": [error]})
