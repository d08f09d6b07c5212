"""What Weaver resolvers see as `info.context`."""

from __future__ import annotations

from dataclasses import dataclass

from axiom.service import RequestContext
from subgraphs.weaver.loaders import Loaders
from subgraphs.weaver.runtime import WeaverRuntime


@dataclass
class WeaverContext(RequestContext):
    runtime: WeaverRuntime | None = None
    loaders: Loaders | None = None
