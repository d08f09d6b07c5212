"""A scenario's outcome model from the cube's usable causal links (confidence ≥ CAUSAL_MIN_CONFIDENCE)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from subgraphs.vision.scenarios.model import ELASTICITY, Lever, Outcome, Term
from subgraphs.vision.store.cubes import StoredCube

if TYPE_CHECKING:
    from subgraphs.vision.context import VisionContext


async def causal_outcomes(context: VisionContext, cube: StoredCube, levers: tuple[Lever, ...]) -> tuple[Outcome, ...]:
    """One elasticity outcome per outcome measure that usable links lead to from the levers' measures.

    Links are copied into the scenario, so that later rediscovery does not change a scenario's meaning."""
    drivers = {lever.name for lever in levers if lever.measure}
    links = await context.runtime.causal_links.links(context.tenant_id, cube.id, cube.version)
    minimum = context.settings.causal_min_confidence
    terms: dict[str, list[Term]] = {}
    bases: dict[str, float] = {}
    for link in links:
        coefficient, base = link.effective_coefficient, link.outcome_base
        wanted = link.driver in drivers and link.outcome not in drivers and link.usable(minimum)
        # `usable` also says both are set; the explicit checks keep their types.
        if wanted and coefficient is not None and base is not None:
            terms.setdefault(link.outcome, []).append(Term(link.driver, coefficient))
            bases[link.outcome] = base
    return tuple(Outcome(name, ELASTICITY, bases[name], tuple(found)) for name, found in sorted(terms.items()))
