"""Causal links in the API: read them, queue a discovery, assert or reject a link."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry

from axiom.graphql_types import UserError, UserErrorCode
from subgraphs.vision.causal.job import queue_discovery
from subgraphs.vision.causal.series import time_levels
from subgraphs.vision.context import vision_context
from subgraphs.vision.resolvers.cubes import find_cube
from subgraphs.vision.store.causal import ASSERTED, REJECTED, StoredLink


@strawberry.enum(description="A user's verdict on a link.")
class LinkVerdict(Enum):
    ASSERTED = strawberry.enum_value(
        "asserted", description="The user confirms the link: it is kept whatever the discovery finds."
    )
    REJECTED = strawberry.enum_value(
        "rejected", description="The user rejects the link: discovery never proposes it again."
    )


@strawberry.type(description="A directed link driver measure → outcome measure over the cube's time level.")
class CausalLink:
    driver: str = strawberry.field(description="The driver measure.")
    outcome: str = strawberry.field(description="The outcome measure.")
    cube_version: int = strawberry.field(description="The cube definition version it was found for.")
    lag: int | None = strawberry.field(description="Periods (of the finest time level) from driver to outcome.")
    coefficient: float | None = strawberry.field(
        description="Elasticity used by scenarios (the user's when asserted with one, else discovered at the means)."
    )
    p_value: float | None = strawberry.field(description="Granger SSR F-test p-value at the lag (uncorrected).")
    confidence: float = strawberry.field(
        description="In [0, 1]: 1 − p corrected for all tests (or the user's "
        "confidence when asserted; 0 when rejected)."
    )
    discovered_confidence: float | None = strawberry.field(description="What discovery found, whatever the verdict.")
    verdict: LinkVerdict | None = strawberry.field(description="ASSERTED or REJECTED by a user, if so.")
    used_by_scenarios: bool = strawberry.field(
        description="False below CAUSAL_MIN_CONFIDENCE, when rejected, or without a coefficient or base level."
    )
    discovered_at: datetime | None = strawberry.field(description="When discovery last tested it.")

    @classmethod
    def of(cls, link: StoredLink, min_confidence: float) -> CausalLink:
        return cls(
            driver=link.driver,
            outcome=link.outcome,
            cube_version=link.cube_version,
            lag=link.lag,
            coefficient=link.effective_coefficient,
            p_value=link.p_value,
            confidence=link.effective_confidence,
            discovered_confidence=link.confidence,
            verdict=LinkVerdict(link.verdict) if link.verdict else None,
            used_by_scenarios=link.usable(min_confidence),
            discovered_at=link.discovered_at,
        )


@strawberry.type(description="The outcome of discoverCausalLinks.")
class CausalDiscoveryPayload:
    queued: bool = strawberry.field(description="Whether a discovery job was queued.")
    user_errors: list[UserError] = strawberry.field(description="Why not.")


@strawberry.input(description="A user's verdict on a link of a cube's current version.")
class CausalVerdictInput:
    cube: str = strawberry.field(description="The cube's id or name.")
    driver: str = strawberry.field(description="The driver measure.")
    outcome: str = strawberry.field(description="The outcome measure.")
    verdict: LinkVerdict = strawberry.field(description="ASSERTED or REJECTED.")
    confidence: float | None = strawberry.field(
        default=None, description="Your confidence in [0, 1] (ASSERTED; default 1)."
    )
    coefficient: float | None = strawberry.field(
        default=None, description="Your elasticity (ASSERTED; default: the discovered one)."
    )
    outcome_base: float | None = strawberry.field(
        default=None, description="The outcome's current level, when discovery has not measured it."
    )


@strawberry.type(description="The outcome of decideCausalLink.")
class CausalVerdictPayload:
    link: CausalLink | None = strawberry.field(description="The link as scenarios now see it.")
    user_errors: list[UserError] = strawberry.field(description="Why nothing changed.")


def _problems(cube, input: CausalVerdictInput) -> list[UserError]:
    members = set(cube.model.member_names)
    errors = [
        UserError(field=name, code=UserErrorCode.BAD_USER_INPUT, message=f"cube {cube.name!r} has no measure {value!r}")
        for name, value in (("driver", input.driver), ("outcome", input.outcome))
        if value not in members
    ]
    if input.driver == input.outcome:
        errors.append(
            UserError(field="outcome", code=UserErrorCode.BAD_USER_INPUT, message="a link needs two measures")
        )
    if input.confidence is not None and not 0 <= input.confidence <= 1:
        errors.append(UserError(field="confidence", code=UserErrorCode.BAD_USER_INPUT, message="must be in [0, 1]"))
    return errors


@strawberry.type
class CausalQuery:
    @strawberry.field(description="Causal links of a cube's current version, strongest first. Errors: NOT_FOUND.")
    async def causal_links(
        self,
        info: strawberry.Info,
        cube: Annotated[str, strawberry.argument(description="The cube's id or name.")],
        include_unused: Annotated[
            bool, strawberry.argument(description="Also links scenarios do not use (marked usedByScenarios: false).")
        ] = False,
    ) -> list[CausalLink]:
        context = vision_context(info)
        stored = await find_cube(context, cube)
        minimum = context.settings.causal_min_confidence
        links = await context.runtime.causal_links.links(context.tenant_id, stored.id, stored.version)
        shown = [CausalLink.of(link, minimum) for link in links]
        return sorted(
            (link for link in shown if include_unused or link.used_by_scenarios), key=lambda link: -link.confidence
        )


@strawberry.type
class CausalMutation:
    @strawberry.mutation(
        description="Queue a causal discovery on the cube's measures over its time dimension "
        "(it also runs after every refresh). Errors: NOT_FOUND, JOBS_UNAVAILABLE."
    )
    async def discover_causal_links(
        self, info: strawberry.Info, cube: Annotated[str, strawberry.argument(description="The cube's id or name.")]
    ) -> CausalDiscoveryPayload:
        context = vision_context(info)
        stored = await find_cube(context, cube)
        if not time_levels(stored.model):
            return CausalDiscoveryPayload(
                queued=False,
                user_errors=[
                    UserError(
                        field="cube",
                        code=UserErrorCode.BAD_USER_INPUT,
                        message=f"cube {stored.name!r} has no time dimension",
                    )
                ],
            )
        if not stored.view_ready:
            return CausalDiscoveryPayload(
                queued=False,
                user_errors=[
                    UserError(
                        field="cube",
                        code=UserErrorCode.CUBE_NOT_READY,
                        message=f"cube {stored.name!r} has no data yet; refresh it",
                    )
                ],
            )
        await queue_discovery(context.runtime.require_jobs(), stored)
        return CausalDiscoveryPayload(queued=True, user_errors=[])

    @strawberry.mutation(
        description="Assert a link (with your confidence and elasticity) or reject it; the "
        "verdict holds for the cube's current version, across rediscoveries."
    )
    async def decide_causal_link(
        self,
        info: strawberry.Info,
        input: Annotated[CausalVerdictInput, strawberry.argument(description="The link and the verdict.")],
    ) -> CausalVerdictPayload:
        context = vision_context(info)
        stored = await find_cube(context, input.cube)
        errors = _problems(stored, input)
        if errors:
            return CausalVerdictPayload(link=None, user_errors=errors)
        asserted = input.verdict == LinkVerdict.ASSERTED
        link = await context.runtime.causal_links.decide(
            context.tenant_id,
            stored.id,
            stored.version,
            input.driver,
            input.outcome,
            verdict=ASSERTED if asserted else REJECTED,
            confidence=(1.0 if input.confidence is None else input.confidence) if asserted else None,
            coefficient=input.coefficient if asserted else None,
            outcome_base=input.outcome_base,
            decided_by=context.caller.subject,
        )
        return CausalVerdictPayload(link=CausalLink.of(link, context.settings.causal_min_confidence), user_errors=[])
