"""How resolvers reach the request's tenant, loaders and runtime."""

from __future__ import annotations

from typing import TYPE_CHECKING

from strawberry.types import Info

from axiom.errors import Unauthenticated

if TYPE_CHECKING:
    from subgraphs.weaver.context import WeaverContext
    from subgraphs.weaver.loaders import Loaders
    from subgraphs.weaver.runtime import WeaverRuntime


def context(info: Info) -> WeaverContext:
    ctx = info.context
    if ctx.principal is None or ctx.loaders is None:
        raise Unauthenticated("authentication required")
    return ctx


def loaders(info: Info) -> Loaders:
    found = context(info).loaders
    assert found is not None  # `context` refuses a request without them
    return found


def runtime(info: Info) -> WeaverRuntime:
    found = context(info).runtime
    assert found is not None  # the app's context factory always sets it
    return found


def tenant(info: Info) -> str:
    return context(info).tenant_id
