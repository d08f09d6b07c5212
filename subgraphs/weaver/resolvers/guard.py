"""The request guard at the GraphQL layer: a rate-limit extension and idempotent create mutations."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from graphql import ExecutionResult, GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types import Info

from axiom.errors import RATE_LIMITED, ApiError, BadUserInput
from axiom.service import GATEWAY_REQUEST_ID
from subgraphs.weaver.resolvers.access import runtime, tenant
from subgraphs.weaver.service.request_guard import IdempotencyConflict, IdempotencyInProgress

P = TypeVar("P")
IDEMPOTENCY_HEADER = "idempotency-key"
MAX_KEY_LENGTH = 200


class RateLimit(SchemaExtension):
    """Refuses an operation with RATE_LIMITED (and `retryAfter` seconds) when the tenant is over its limit.

    Calls tagged with the same signed gateway request id count once: they serve one client operation."""

    async def on_execute(self):
        ctx = self.execution_context.context
        weaver_runtime = getattr(ctx, "runtime", None)
        guard = getattr(weaver_runtime, "guard", None)
        if guard is not None and getattr(ctx, "principal", None) is not None:
            decision = await guard.check_rate(ctx.principal.tenant_id, _gateway_request_id(ctx))
            if not decision.allowed:
                error = ApiError("rate limit exceeded", code=RATE_LIMITED, retryAfter=decision.retry_after)
                self.execution_context.result = ExecutionResult(
                    data=None, errors=[GraphQLError(str(error), extensions=error.extensions, original_error=error)]
                )
        yield


def _gateway_request_id(ctx: Any) -> str | None:
    """The operation id the service's GatewayOnlyGate verified (None for a call not signed by the gateway)."""
    request = getattr(ctx, "request", None)
    return request.scope.get("state", {}).get(GATEWAY_REQUEST_ID) if request is not None else None


async def guarded_create(
    info: Info,
    operation: str,
    values: dict[str, Any],
    create: Callable[[], Awaitable[P]],
    created_id: Callable[[P], str | None],
    replay: Callable[[str], Awaitable[P]],
) -> P:
    """Run a create mutation at most once per `Idempotency-Key` header (no header: just run it)."""
    request = info.context.request
    key = request.headers.get(IDEMPOTENCY_HEADER) if request is not None else None
    if not key:
        return await create()
    if len(key) > MAX_KEY_LENGTH:
        raise BadUserInput(f"Idempotency-Key must be at most {MAX_KEY_LENGTH} characters", field="Idempotency-Key")
    guard = runtime(info).guard
    outcome: dict[str, P] = {}

    async def run() -> str | None:
        outcome["payload"] = await create()
        return created_id(outcome["payload"])

    try:
        made, replayed = await guard.once(tenant(info), f"{operation}:{key}", guard.fingerprint(operation, values), run)
    except IdempotencyConflict:
        raise BadUserInput("Idempotency-Key was already used with a different input", field="Idempotency-Key") from None
    except IdempotencyInProgress:
        raise ApiError(
            "a request with this Idempotency-Key is still in progress; retry shortly", code="CONFLICT"
        ) from None
    if replayed and made is not None:  # a replayed key always carries the id it created
        return await replay(made)
    return outcome["payload"]
