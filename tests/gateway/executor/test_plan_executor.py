"""The executor against a fake transport: batching, de-duplication, errors, failures."""

from __future__ import annotations

from gateway.engine import Gateway, GraphQLRequest
from gateway.transport import TransportError
from gateway_testkit.servers import FIXTURES


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
        return {"data": {"latest": [
            {"body": f"b{i}", "author": {"__typename": "User", "id": uid}}
            for i, uid in enumerate(ids)
        ]}}
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
        {"__typename": "User", "id": "u1"}, {"__typename": "User", "id": "u2"},
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
    await gateway.execute(GraphQLRequest("{ latest { author { name } } }"),
                          {"authorization": "Bearer t"})
    assert all(c[2] == {"authorization": "Bearer t"} for c in transport.calls)


async def test_introspection_needs_no_subgraph():
    gateway, transport = _gateway(_latest_with_authors)
    result = await gateway.execute(GraphQLRequest('{ __type(name: "Review") { name } }'), {})
    assert result.body == {"data": {"__type": {"name": "Review"}}}
    assert transport.calls == []
