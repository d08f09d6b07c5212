"""Mutations, variables, conditions and introspection through the gateway."""

from __future__ import annotations


async def test_mutations_run_in_order_and_resolve_nested_entities(shop):
    query = """
      mutation {
        a: createProduct(upc: "9", name: "Lamp") { upc name reviews { body } }
        b: addReview(upc: "9", body: "Bright") { body product { name } }
        c: createProduct(upc: "10", name: "Rug") { name }
      }
    """
    status, body = await shop.post(query)
    assert status == 200, body
    assert body["data"] == {
        "a": {"upc": "9", "name": "Lamp", "reviews": []},
        "b": {"body": "Bright", "product": {"name": "Lamp"}},
        "c": {"name": "Rug"},
    }


async def test_variables_with_defaults_reach_subgraphs(shop):
    query = "query($n: Int! = 1) { topProducts(first: $n) { name } }"
    assert (await shop.post(query))[1]["data"] == {"topProducts": [{"name": "Table"}]}
    two = (await shop.post(query, {"n": 2}))[1]["data"]["topProducts"]
    assert [p["name"] for p in two] == ["Table", "Couch"]


async def test_include_and_skip_on_variables_decide_what_is_fetched(shop):
    query = """
      query($withReviews: Boolean!, $noStock: Boolean!) {
        product(upc: "1") {
          name
          reviews @include(if: $withReviews) { body }
          inStock @skip(if: $noStock)
        }
      }
    """
    _, body = await shop.post(query, {"withReviews": False, "noStock": True})
    assert body["data"] == {"product": {"name": "Table"}}
    _, body = await shop.post(query, {"withReviews": True, "noStock": False})
    assert body["data"]["product"]["reviews"][0] == {"body": "Sturdy"}
    assert body["data"]["product"]["inStock"] is True


async def test_introspection_hides_federation_internals_and_inaccessible_fields(shop):
    query = """
      { __schema { types { name } }
        product: __type(name: "Product") { fields { name } } }
    """
    status, body = await shop.post(query)
    assert status == 200
    names = {t["name"] for t in body["data"]["__schema"]["types"]}
    assert {"Product", "Review", "User", "Query", "Mutation"} <= names
    assert not {n for n in names if n.startswith(("join__", "link__", "_Entity", "_Any"))}
    fields = {f["name"] for f in body["data"]["product"]["fields"]}
    assert "internalCode" not in fields and "shippingEstimate" in fields


async def test_introspection_and_data_in_one_query(shop):
    _, body = await shop.post('{ __typename product(upc: "3") { name } __type(name: "User") { name } }')
    assert body["data"] == {
        "__typename": "Query",
        "product": {"name": "Kettle"},
        "__type": {"name": "User"},
    }
