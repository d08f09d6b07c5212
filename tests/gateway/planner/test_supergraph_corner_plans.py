"""Plans for supergraph corners written inline (no composition needed): a subgraph's
narrower field type, `@requires` through abstract fragments, unions below a
shareable path."""

from __future__ import annotations

from gateway_testkit.planning import supergraph_header

from gateway.api_schema import build_api_schema
from gateway.operation import prepare_operation
from gateway.planner import plan_operation, plan_to_dict
from gateway.supergraph import load_supergraph

HEADER = supergraph_header("A", "B")


def _plan(types: str, query: str):
    sdl = HEADER + types
    operation = prepare_operation(build_api_schema(sdl), query, None).operation
    return plan_to_dict(plan_operation(load_supergraph(sdl), operation).node)


def test_a_narrower_subgraph_field_type_drops_impossible_fragments_but_keeps_typename():
    plan = _plan(
        """
      type Query @join__type(graph: A) { book: Media @join__field(graph: A, type: "Book") }
      union Media @join__type(graph: A) @join__unionMember(graph: A, member: "Book")
        @join__unionMember(graph: A, member: "Song") = Book | Song
      type Book @join__type(graph: A) { title: String }
      type Song @join__type(graph: A) { title: String }
    """,
        "{ book { __typename ... on Song { title } ... on Book { title } } }",
    )
    assert plan["operation"] == "query{book{__typename title}}"


def test_requires_through_an_interface_fragment_sends_it_for_each_concrete_type():
    plan = _plan(
        """
      type Query @join__type(graph: A) @join__type(graph: B) { e: E @join__field(graph: A) }
      type E @join__type(graph: A, key: "id") @join__type(graph: B, key: "id") {
        id: ID!
        data: Foo @join__field(graph: A) @join__field(graph: B, external: true)
        r: String @join__field(graph: B, requires: "data { ... on Foo { foo } }")
      }
      interface Foo @join__type(graph: A) @join__type(graph: B) { foo: String }
      type X implements Foo @join__implements(graph: A, interface: "Foo")
        @join__implements(graph: B, interface: "Foo") @join__type(graph: A) @join__type(graph: B)
        { foo: String }
    """,
        "{ e { r } }",
    )
    requires = plan["nodes"][1]["node"]["requires"]
    assert "... on X{foo}" in requires and "... on Foo" not in requires


def test_union_below_a_path_two_subgraphs_serve_selects_only_common_members():
    plan = _plan(
        """
      type Query @join__type(graph: A) @join__type(graph: B) { root: C @join__field(graph: A) }
      type C @join__type(graph: A, key: "id") @join__type(graph: B, key: "id") {
        id: ID!
        items: [Item!]!
      }
      union Item @join__type(graph: A) @join__type(graph: B)
        @join__unionMember(graph: A, member: "Common") @join__unionMember(graph: B, member: "Common")
        @join__unionMember(graph: A, member: "OnlyA") = Common | OnlyA
      type Common @join__type(graph: A) @join__type(graph: B) { label: String }
      type OnlyA @join__type(graph: A) { a: String }
    """,
        "{ root { items { __typename ... on Common { label } ... on OnlyA { a } } } }",
    )
    assert plan["operation"] == "query{root{items{__typename ... on Common{label}}}}"


def test_a_key_written_as_an_inline_fragment_is_reached_through_another_subgraph():
    # C's key is `... on Product { sku }`: a fragment on the entity's own type (key fields are never abstract, so
    # that is the only fragment composition lets a key hold). A lacks `sku`; B resolves it by A's key.
    sdl = (
        supergraph_header("A", "B", "C")
        + """
      type Query @join__type(graph: A) { product: Product @join__field(graph: A) }
      type Product @join__type(graph: A, key: "id") @join__type(graph: B, key: "id")
        @join__type(graph: C, key: "... on Product { sku }") {
        id: ID! @join__field(graph: A) @join__field(graph: B)
        sku: String! @join__field(graph: B) @join__field(graph: C)
        price: Int @join__field(graph: C)
      }
    """
    )
    operation = prepare_operation(build_api_schema(sdl), "{ product { price } }", None).operation
    plan = plan_to_dict(plan_operation(load_supergraph(sdl), operation).node)
    fetches = [node["node"] if node["kind"] == "Flatten" else node for node in plan["nodes"]]
    assert [fetch["serviceName"] for fetch in fetches] == ["a", "b", "c"]
    assert fetches[0]["operation"] == "query{product{__typename id}}"
    assert "... on Product{sku}" in fetches[1]["operation"]
    assert "... on Product{price}" in fetches[2]["operation"] and "sku" in fetches[2]["requires"]
