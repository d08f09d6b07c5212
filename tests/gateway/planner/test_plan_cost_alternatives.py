"""The planner weighs alternatives by cost (fetches, then their depth) instead of keeping
its first local guess: a shareable root field from the subgraph whose `@provides`
covers the selection, a shareable root field from the subgraph already being called,
a `@requires` input from the subgraph that is called anyway. Supergraphs inline."""

from __future__ import annotations

from gateway_testkit.planning import supergraph_header

from gateway.api_schema import build_api_schema
from gateway.operation import prepare_operation
from gateway.planner import plan_operation, plan_to_dict
from gateway.planner.alternatives import MAX_PLANS, Choices, cheapest
from gateway.supergraph import load_supergraph

HEADER = supergraph_header("A", "B", "C", "D")

# The audit's `provides-on-union`: `media` is shareable in a and b; only b provides
# `Book.title`; c resolves titles by key.
PROVIDES_ON_UNION = """
type Query @join__type(graph: A) @join__type(graph: B) {
  media: [Media] @join__field(graph: A)
    @join__field(graph: B, provides: "... on Book { title }")
}
union Media @join__type(graph: A) @join__type(graph: B)
  @join__unionMember(graph: A, member: "Book") @join__unionMember(graph: A, member: "Movie")
  @join__unionMember(graph: B, member: "Book") @join__unionMember(graph: B, member: "Movie")
  = Book | Movie
type Book @join__type(graph: A, key: "id") @join__type(graph: B, key: "id")
  @join__type(graph: C, key: "id") {
  id: ID!
  title: String @join__field(graph: B, external: true) @join__field(graph: C)
}
type Movie @join__type(graph: A, key: "id") @join__type(graph: B, key: "id")
  @join__type(graph: C, key: "id") {
  id: ID!
  title: String @join__field(graph: C)
}
"""


def _plan(types: str, query: str) -> dict:
    sdl = HEADER + types
    operation = prepare_operation(build_api_schema(sdl), query, None).operation
    return plan_to_dict(plan_operation(load_supergraph(sdl), operation).node)


def _fetches(node: dict | None) -> list[dict]:
    """Every Fetch of a plan (as `plan_to_dict` shows it), in document order."""
    if node is None:
        return []
    if node["kind"] == "Fetch":
        return [node]
    children = node.get("nodes") or [node.get("node"), node.get("ifClause"), node.get("elseClause")]
    return [fetch for child in children for fetch in _fetches(child)]


def _depth(node: dict | None) -> int:
    """Fetches one after another on the plan's longest path."""
    if node is None:
        return 0
    if node["kind"] == "Fetch":
        return 1
    if node["kind"] == "Sequence":
        return sum(_depth(n) for n in node["nodes"])
    if node["kind"] == "Parallel":
        return max(_depth(n) for n in node["nodes"])
    return _depth(node.get("node"))


def test_a_shareable_union_root_field_comes_from_the_subgraph_whose_provides_covers_it():
    plan = _plan(PROVIDES_ON_UNION, "{ media { ... on Book { id title } ... on Movie { id } } }")
    assert [f["serviceName"] for f in _fetches(plan)] == ["b"]


def test_provided_members_are_not_fetched_again_by_key():
    plan = _plan(PROVIDES_ON_UNION, "{ media { ... on Book { id title } ... on Movie { id title } } }")
    fetches = _fetches(plan)
    assert [f["serviceName"] for f in fetches] == ["b", "c"]
    # Only movies need their title resolved by key: books came with theirs.
    assert "Movie" in fetches[1]["requires"] and "Book" not in fetches[1]["requires"]


def test_a_shareable_root_field_joins_the_fetch_another_root_field_needs_anyway():
    plan = _plan(
        """
      type Query @join__type(graph: A) @join__type(graph: B) {
        shared: Info @join__field(graph: A) @join__field(graph: B)
        onlyB: Int @join__field(graph: B)
      }
      type Info @join__type(graph: A) @join__type(graph: B) { label: String }
    """,
        "{ shared { label } onlyB }",
    )
    assert [f["serviceName"] for f in _fetches(plan)] == ["b"]


def test_a_requires_input_comes_from_the_subgraph_a_sibling_field_calls_anyway():
    plan = _plan(
        """
      type Query @join__type(graph: A) { p: P @join__field(graph: A) }
      type P @join__type(graph: A, key: "id") @join__type(graph: B, key: "id")
        @join__type(graph: C, key: "id") @join__type(graph: D, key: "id") {
        id: ID!
        weight: Int @join__field(graph: B) @join__field(graph: C, external: true)
          @join__field(graph: D)
        shipping: Int @join__field(graph: C, requires: "weight")
        stock: Int @join__field(graph: D)
      }
    """,
        "{ p { shipping stock } }",
    )
    fetches = _fetches(plan)
    # a → d (weight and stock in one call) → c; asking b for the weight adds a fetch.
    assert [f["serviceName"] for f in fetches] == ["a", "d", "c"]
    assert _depth(plan) == 3


def test_equal_cost_alternatives_keep_the_plan_in_supergraph_order():
    plan = _plan(
        """
      type Query @join__type(graph: A) @join__type(graph: B) {
        shared: Info @join__field(graph: A) @join__field(graph: B)
      }
      type Info @join__type(graph: A) @join__type(graph: B) { label: String }
    """,
        "{ shared { label } }",
    )
    assert [f["serviceName"] for f in _fetches(plan)] == ["a"]


def test_exploring_alternatives_is_bounded_and_keeps_the_cheapest():
    runs = []

    def plan_once(choices: Choices) -> int:
        # 20 decision points with 3 options each: 3**20 plans if nothing bounded it.
        picks = [choices.choose(["greedy", "other", "third"]) for _ in range(20)]
        runs.append(picks)
        return sum(pick != "greedy" for pick in picks)

    # Cost: the more decisions deviate from the favourite, the cheaper (negated).
    result = cheapest(plan_once, lambda deviations: (-deviations,))
    assert len(runs) == MAX_PLANS
    assert runs[0] == ["greedy"] * 20
    assert result == 1  # only single deviations fit in the budget, breadth first
