"""Choosing a plan by cost among alternatives, instead of keeping the first greedy one.

The walk meets decision points (which subgraph serves a shared root field, which
subgraph and key an entity jump goes to). At each one it asks `Choices.choose` with
the options ordered by the local heuristic. The first run takes every heuristic
favourite (the greedy plan); further runs replay a recorded prefix of decisions and
take another option at one point, breadth first, so plans that differ from the greedy
one in fewer decisions are tried first. The cheapest plan by `plan_cost` wins; ties
keep the earlier (greedier) plan. At most `MAX_PLANS` runs are made per operation, so
planning stays cheap (plans are cached per operation anyway).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from gateway.planner.fetch_group import FetchGroup
from gateway.planner.selection_tree import PlanningError

T = TypeVar("T")
R = TypeVar("R")

# Upper bound on planning runs per operation (the greedy one included).
MAX_PLANS = 16
# Options considered per decision point (the heuristic's best few).
MAX_OPTIONS = 4


class Choices:
    """The decisions of one planning run: `forced` picks first, then the favourite."""

    def __init__(self, forced: tuple[int, ...] = ()) -> None:
        self.forced = forced
        # (index picked, number of options) per decision point with a real choice.
        self.taken: list[tuple[int, int]] = []

    def choose(self, options: Sequence[T]) -> T:
        """One of `options` (ordered best first by the heuristic; must not be empty)."""
        if len(options) == 1:
            return options[0]
        count = min(len(options), MAX_OPTIONS)
        index = len(self.taken)
        pick = self.forced[index] if index < len(self.forced) else 0
        self.taken.append((pick, count))
        return options[pick]


def plan_cost(groups: list[FetchGroup]) -> tuple[int, int, int, int]:
    """(fetches, longest chain of dependent fetches, entity types looked up, fields).

    Compared in that order: a fetch is a round trip, a chain adds latency, and each
    entity type in an `_entities` call is a reference resolution in the subgraph.
    """
    depth: dict[FetchGroup, int] = {}

    def depth_of(group: FetchGroup) -> int:
        if group not in depth:
            depth[group] = 1 + max((depth_of(d) for d in group.dependencies), default=0)
        return depth[group]

    longest = max((depth_of(g) for g in groups), default=0)
    lookups = sum(len(g.requires) for g in groups if g.is_entity)
    fields = sum(g.tree.size() for g in groups)
    return len(groups), longest, lookups, fields


def cheapest(plan_once: Callable[[Choices], R], cost: Callable[[R], tuple[Any, ...]]) -> R:
    """The cheapest result of `plan_once` over the explored decision alternatives.

    The greedy run's `PlanningError` propagates (nothing could plan it); an
    alternative that cannot be planned is skipped.
    """
    choices = Choices()
    best = plan_once(choices)
    best_cost = cost(best)
    queue = deque(_deviations(choices))
    runs = 1
    while queue and runs < MAX_PLANS:
        choices = Choices(queue.popleft())
        runs += 1
        try:
            result = plan_once(choices)
        except PlanningError:
            continue
        result_cost = cost(result)
        if result_cost < best_cost:
            best, best_cost = result, result_cost
        queue.extend(_deviations(choices))
    return best


def _deviations(choices: Choices) -> Iterator[tuple[int, ...]]:
    """Forced prefixes that differ from this run at one decision after its forced part."""
    picks = tuple(pick for pick, _ in choices.taken)
    for index in range(len(choices.forced), len(choices.taken)):
        taken, count = choices.taken[index]
        for other in range(count):
            if other != taken:
                yield (*picks[:index], other)
