"""Plan shapes for (supergraph, operation) pairs — pure, no network."""

from __future__ import annotations

from gateway_testkit.planning import fixture_models, normalize, plan_dict

from gateway.planner import PlanCache


def test_fields_of_one_subgraph_make_a_single_fetch():
    assert plan_dict("{ products { id name } }") == {
        "kind": "Fetch",
        "serviceName": "catalog",
        "operation": "query{products{id name}}",
    }


def test_entity_jump_over_a_list_is_a_sequence_with_flatten():
    plan = plan_dict("{ products { name reviews { body } } }")
    assert plan["kind"] == "Sequence"
    first, second = plan["nodes"]
    assert first["operation"] == "query{products{name __typename id}}"
    assert second["kind"] == "Flatten" and second["path"] == "products.@"
    assert second["node"]["serviceName"] == "reviews"
    assert second["node"]["requires"] == "{... on Product{__typename id}}"
    assert "_entities(representations:$representations){... on Product{reviews{body}}}" in (second["node"]["operation"])


def test_independent_root_fields_are_fetched_in_parallel():
    plan = plan_dict("{ products { id } latest { id } }")
    assert plan["kind"] == "Parallel"
    assert {n["serviceName"] for n in plan["nodes"]} == {"catalog", "reviews"}


def test_nested_jumps_follow_the_path_through_lists():
    plan = plan_dict("{ latest { author { name } product { reviews { author { name } } } } }")
    paths = []

    def walk(node):
        if node["kind"] == "Flatten":
            paths.append((node["path"], node["node"]["serviceName"]))
        for child in node.get("nodes", []):
            walk(child)

    walk(plan)
    assert ("latest.@.author", "people") in paths
    assert ("latest.@.product", "reviews") not in paths  # reviews resolved it in place
    assert ("latest.@.product.reviews.@.author", "people") in paths


def test_requires_fetches_required_fields_before_the_requiring_subgraph():
    plan = plan_dict("{ products { cost } }")
    assert plan["kind"] == "Sequence"
    last = plan["nodes"][-1]["node"]
    assert last["serviceName"] == "shipping"
    assert last["requires"] == "{... on Product{__typename sku weight price}}"
    assert "weight price" in plan["nodes"][0]["operation"]


def test_provided_field_stays_in_the_providing_subgraph():
    assert plan_dict("{ latest { product { name } } }")["kind"] == "Fetch"


def test_shared_root_field_is_split_across_subgraphs():
    plan = plan_dict("{ shop { name openUntil } }")
    assert plan["kind"] == "Fetch" and plan["serviceName"] == "shipping"
    plan = plan_dict("{ shop { openUntil } products { id } }")
    assert {n["serviceName"] for n in plan["nodes"]} == {"shipping", "catalog"}


def test_mutation_fields_run_in_sequence_in_document_order():
    plan = plan_dict(
        'mutation { a: createProduct(name: "x") { id } b: addReview(body: "y") { id } '
        'c: createProduct(name: "z") { id } }'
    )
    assert plan["kind"] == "Sequence"
    assert [n["serviceName"] for n in plan["nodes"]] == ["catalog", "reviews", "catalog"]
    assert all(n["operation"].startswith("mutation") for n in plan["nodes"])


def test_variable_conditions_guard_entity_fetches():
    plan = plan_dict("query($r: Boolean!) { products { id reviews @include(if: $r) { body } } }")
    condition = plan["nodes"][1]
    assert condition["kind"] == "Condition" and condition["condition"] == "r"
    assert condition["ifClause"]["kind"] == "Flatten"


def test_variables_are_declared_only_where_used():
    plan = plan_dict("query($id: ID!, $r: Boolean!) { product(id: $id) { name reviews @skip(if: $r) { id } } }")
    assert plan["nodes"][0]["operation"].startswith("query($id:ID!)")


def test_plan_cache_reuses_plans_for_the_same_normalized_operation():
    supergraph, _ = fixture_models()
    cache = PlanCache(supergraph, size=2)
    first = cache.plan(normalize("{ products { id } }"))
    assert cache.plan(normalize("query { products { id } }")) is first
    cache.plan(normalize("{ latest { id } }"))
    cache.plan(normalize("{ products { name } }"))
    assert len(cache) == 2
