"""What Vision resolvers see as `info.context`, and the typed way to reach it (`vision_context(info)`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from starlette.websockets import WebSocket
from strawberry.types import Info

from axiom.errors import ApiError
from axiom.gateway_request import GATEWAY_REQUEST_HEADER
from axiom.rate_limit import OperationRateLimit
from axiom.service import RequestContext
from subgraphs.vision.adapters.pivot_asker import LLM_DISABLED, PivotAsker
from subgraphs.vision.loaders import VisionLoaders
from subgraphs.vision.runtime import VisionRuntime
from subgraphs.vision.service.pivots import PivotService
from subgraphs.vision.service.refresh import CubeRefresher
from subgraphs.vision.settings import VisionSettings
from subgraphs.vision.store.cubes import CubeStore
from subgraphs.vision.store.scenarios import ScenarioStore
from subgraphs.vision.store.terms import MemberTermStore
from subgraphs.vision.store.views import ViewStore


@dataclass
class VisionContext(RequestContext):
    """`info.context` in Vision resolvers: the caller (principal, request) and the process's runtime."""

    runtime: VisionRuntime = field(kw_only=True)

    @property
    def settings(self) -> VisionSettings:
        return self.runtime.settings

    @property
    def cubes(self) -> CubeStore:
        return self.runtime.cubes

    @property
    def pivots(self) -> PivotService:
        return self.runtime.pivots

    @property
    def terms(self) -> MemberTermStore:
        return self.runtime.terms

    @property
    def scenarios(self) -> ScenarioStore:
        return self.runtime.scenarios

    @property
    def views(self) -> ViewStore:
        return self.runtime.views

    @property
    def refresher(self) -> CubeRefresher:
        return self.runtime.refresher()

    @cached_property
    def loaders(self) -> VisionLoaders:
        """This request's dataloaders (a subscription's are not caching: its events must see fresh rows)."""
        return VisionLoaders(self.cubes, self.terms, self.tenant_id, cache=not isinstance(self.request, WebSocket))

    @property
    def asker(self) -> PivotAsker:
        asker = self.runtime.asker.get()
        if asker is None:
            raise ApiError("NL→pivot is disabled: OPENAI_API_KEY is not set", code=LLM_DISABLED)
        return asker

    @property
    def authorization(self) -> str | None:
        """The caller's `Authorization` header, passed on when Vision reads Weaver for them."""
        return self.request.headers.get("authorization") if self.request is not None else None

    @property
    def rate_limit(self) -> OperationRateLimit:
        """Read by the rate-limit extension."""
        return self.runtime.rate_limit

    @property
    def gateway_request_id(self) -> str | None:
        """The verified gateway tag of this call: calls of one client operation count once."""
        signer = self.runtime.gateway_requests
        if signer is None or self.request is None:
            return None
        return signer.verify(self.request.headers.get(GATEWAY_REQUEST_HEADER))


def vision_context(info: Info) -> VisionContext:
    """The typed context of a Vision resolver."""
    context = info.context
    if not isinstance(context, VisionContext):
        raise TypeError(f"not a Vision request context: {type(context).__name__}")
    return context
