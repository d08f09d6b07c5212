"""Queries crossing subgraphs through `_entities`, as a client sees them."""

from __future__ import annotations


async def test_list_of_entities_gets_fields_from_another_subgraph(shop):
    status, body = await shop.post("{ topProducts(first: 2) { name reviews { body } } }")
    assert status == 200
    assert body == {
        "data": {
            "topProducts": [
                {"name": "Table", "reviews": [{"body": "Sturdy"}, {"body": "Wobbly"}]},
                {"name": "Couch", "reviews": [{"body": "Comfy"}]},
            ]
        }
    }


async def test_nested_jumps_list_entity_list_entity(shop):
    query = "{ reviews { body product { name reviews { author { name } } } } }"
    status, body = await shop.post(query)
    assert status == 200, body
    first = body["data"]["reviews"][0]
    assert first == {
        "body": "Sturdy",
        "product": {
            "name": "Table",
            "reviews": [
                {"author": {"name": "Ada Lovelace"}},
                {"author": {"name": "Alan Turing"}},
            ],
        },
    }
    assert len(body["data"]["reviews"]) == 3
    assert "errors" not in body


async def test_requires_sends_required_fields_to_the_owning_subgraph(shop):
    status, body = await shop.post("{ topProducts(first: 3) { upc inStock shippingEstimate } }")
    assert status == 200, body
    assert body["data"]["topProducts"] == [
        {"upc": "1", "inStock": True, "shippingEstimate": 50},
        {"upc": "2", "inStock": False, "shippingEstimate": 0},
        {"upc": "3", "inStock": True, "shippingEstimate": 1},
    ]


async def test_provided_field_is_read_without_leaving_the_subgraph(shop):
    _status, body = await shop.post("{ reviews { author { username } } }", headers={"x-axiom-debug-plan": "1"})
    assert body["data"]["reviews"][0] == {"author": {"username": "@ada"}}
    assert body["extensions"]["queryPlan"]["kind"] == "Fetch"


async def test_aliases_fragments_and_typename_shape_the_response(shop):
    query = """
      query Q($upc: String!) {
        first: product(upc: $upc) { ...Names kind: __typename }
        second: product(upc: "2") { ... on Product { title: name stock: inStock } }
      }
      fragment Names on Product { title: name reviews { __typename text: body } }
    """
    status, body = await shop.post(query, {"upc": "1"})
    assert status == 200, body
    assert body["data"] == {
        "first": {
            "title": "Table",
            "reviews": [
                {"__typename": "Review", "text": "Sturdy"},
                {"__typename": "Review", "text": "Wobbly"},
            ],
            "kind": "Product",
        },
        "second": {"title": "Couch", "stock": False},
    }
