"""The per-tenant rate limit of a subgraph, as a Strawberry extension (Vision's; Weaver has its own guard)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from graphql import ExecutionResult, GraphQLError
from strawberry.extensions import SchemaExtension

from axiom.errors import RATE_LIMITED, ApiError


class TenantRateLimitExtension(SchemaExtension):
    """Refuses an operation with RATE_LIMITED (and `retryAfter` seconds) when the tenant is over its limit.

    Reads `context.rate_limit` (an `axiom.rate_limit.OperationRateLimit`; None: no limit) and
    `context.gateway_request_id` (the verified gateway tag: calls of one client operation count once)."""

    async def on_execute(self) -> AsyncIterator[None]:
        ctx = self.execution_context.context
        limit = getattr(ctx, "rate_limit", None)
        principal = getattr(ctx, "principal", None)
        if limit is not None and principal is not None:
            decision = await limit.check(principal.tenant_id, getattr(ctx, "gateway_request_id", None))
            if not decision.allowed:
                error = ApiError("rate limit exceeded", code=RATE_LIMITED, retryAfter=decision.retry_after)
                self.execution_context.result = ExecutionResult(
                    data=None, errors=[GraphQLError(str(error), extensions=error.extensions, original_error=error)]
                )
        yield
