"""The executor against a fake transport: batching, de-duplication, errors, failures."""

from __future__ import annotations

import pytest
from gateway_testkit.servers import FIXTURES

from gateway.engine import Gateway, GraphQLRequest
from gateway.transport import TransportError


class FakeTransport:
    """Answers from a function of (subgraph, body); records every call."""

    def __init__(self, answer):
        self.answer = answer
        self.calls: list[tuple[str, dict, dict]] = []

    async def send(self, subgraph, url, body, headers, *, deduplicate):
        self.calls.append((subgraph, body, dict(headers)))
        return self.answer(subgraph, body)

    async def close(self):
        pass


def _gateway(answer) -> tuple[Gateway, FakeTransport]:
    transport = FakeTransport(answer)
    return Gateway((FIXTURES / "planner.graphql").read_text(), transport), transport


def _latest_with_authors(subgraph, body):
    if subgraph == "reviews":
        ids = ["u1", "u2", "u1", "u1"]
        return {
            "data": {
                "latest": [{"body": f"b{i}", "author": {"__typename": "User", "id": uid}} for i, uid in enumerate(ids)]
            }
        }
    reps = body["variables"]["representations"]
    return {
        "data": {"_entities": [{"name": f"name-{r['id']}"} for r in reps]},
        "errors": [{"message": "boom", "path": ["_entities", 1, "name"]}],
    }


async def test_one_entities_call_per_step_with_deduplicated_representations():
    gateway, transport = _gateway(_latest_with_authors)
    result = await gateway.execute(GraphQLRequest("{ latest { body author { name } } }"), {})
    people_calls = [c for c in transport.calls if c[0] == "people"]
    assert len(people_calls) == 1
    assert people_calls[0][1]["variables"]["representations"] == [
        {"__typename": "User", "id": "u1"},
        {"__typename": "User", "id": "u2"},
    ]
    names = [r["author"]["name"] for r in result.body["data"]["latest"]]
    assert names == ["name-u1", "name-u2", "name-u1", "name-u1"]


async def test_entity_errors_are_repathed_to_each_client_location():
    gateway, _ = _gateway(_latest_with_authors)
    result = await gateway.execute(GraphQLRequest("{ latest { author { name } } }"), {})
    assert [e["path"] for e in result.body["errors"]] == [["latest", 1, "author", "name"]]
    assert result.body["errors"][0]["extensions"]["serviceName"] == "people"


async def test_failed_subgraph_leaves_partial_data_and_a_coded_error():
    def answer(subgraph, body):
        if subgraph == "people":
            raise TransportError("timed out")
        return _latest_with_authors(subgraph, body)

    gateway, _ = _gateway(answer)
    result = await gateway.execute(GraphQLRequest("{ latest { body author { name } } }"), {})
    assert result.status == 200
    # author.name is non-null, author is non-null, the list items are non-null: the
    # null travels up to the nullable... root? `latest` is non-null too, so data is null.
    assert result.body["data"] is None
    assert result.body["errors"][0]["extensions"]["code"] == "SUBREQUEST_HTTP_ERROR"


async def test_headers_given_to_the_engine_reach_every_subgraph_call():
    gateway, transport = _gateway(_latest_with_authors)
    await gateway.execute(GraphQLRequest("{ latest { author { name } } }"), {"authorization": "Bearer t"})
    assert all(c[2] == {"authorization": "Bearer t"} for c in transport.calls)


async def test_introspection_needs_no_subgraph():
    gateway, transport = _gateway(_latest_with_authors)
    result = await gateway.execute(GraphQLRequest('{ __type(name: "Review") { name } }'), {})
    assert result.body == {"data": {"__type": {"name": "Review"}}}
    assert transport.calls == []


def _product_and_latest(subgraph, body):
    if subgraph == "catalog":
        return {"data": {"product": {"__typename": "Product", "id": "1", "name": "Lamp"}}}
    if "_entities" in body["query"]:
        return {"data": {"_entities": [{"name": "Ada"} for _ in body["variables"]["representations"]]}}
    return {"data": {"latest": [{"body": "nice", "author": {"__typename": "User", "id": "u1"}}]}}


def _failing(subgraph_name, answer, *, entities: bool):
    """`answer`, except that calls to `subgraph_name` (its entity calls when `entities`)
    raise an exception no transport would raise: a bug, not a network failure."""

    def failing(subgraph, body):
        if subgraph == subgraph_name and ("_entities" in body["query"]) == entities:
            raise KeyError("bug in a fetch")
        return answer(subgraph, body)

    return failing


async def test_an_unexpected_fault_in_one_of_two_parallel_fetches_keeps_the_other_fetchs_data():
    gateway, transport = _gateway(_failing("catalog", _product_and_latest, entities=False))
    result = await gateway.execute(GraphQLRequest('{ product(id: "1") { name } latest { body } }'), {})
    assert {c[0] for c in transport.calls} == {"catalog", "reviews"}
    assert result.status == 200
    assert result.body["data"] == {"product": None, "latest": [{"body": "nice"}]}
    [error] = result.body["errors"]
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "serviceName": "catalog"}
    assert "bug in a fetch" not in error["message"]


async def test_an_unexpected_fault_in_an_entity_fetch_nulls_only_its_fields():
    gateway, transport = _gateway(_failing("reviews", _product_and_latest, entities=True))
    query = '{ product(id: "1") { name reviews { body } } latest { body } }'
    result = await gateway.execute(GraphQLRequest(query), {})
    assert any("_entities" in c[1]["query"] for c in transport.calls)
    # `reviews` is non-null, so its null reaches the nullable `product`; `latest` stands.
    assert result.body["data"] == {"product": None, "latest": [{"body": "nice"}]}
    assert result.body["errors"][0]["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "serviceName": "reviews"}


async def test_an_unknown_plan_node_kind_is_a_loud_error():
    from gateway.executor import ExecutionState, PlanExecutor

    executor = PlanExecutor({}, FakeTransport(_product_and_latest))
    with pytest.raises(AssertionError):
        await executor.run(object(), ExecutionState({}, {}, {}))
