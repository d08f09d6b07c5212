"""Plan shapes for @interfaceObject, @requires with arguments, sibling aliases and
progressive override — pure, on the composed `directory` fixture."""

from __future__ import annotations

from gateway_testkit.planning import fixture_models, normalize, plan_dict

from gateway.planner import PlanCache
from gateway.supergraph.override_labels import OverrideLabelPolicy, override_labels

DIRECTORY = "directory.graphql"


def _fetches(node: dict) -> list[dict]:
    if node["kind"] == "Fetch":
        return [node]
    if node["kind"] == "Flatten":
        return _fetches(node["node"])
    return [f for child in node.get("nodes", []) for f in _fetches(child)]


def test_interface_object_asks_the_owner_for_the_concrete_type_only_when_needed():
    assert plan_dict("{ accounts { id balance } }", DIRECTORY)["kind"] == "Fetch"
    fetches = _fetches(plan_dict("{ accounts { balance ... on Admin { isMain } } }", DIRECTORY))
    owner = fetches[1]
    assert owner["serviceName"] == "directory"
    assert owner["requires"] == "{... on Account{__typename id}}"
    assert "... on Account{__typename ... on Admin{isMain}}" in owner["operation"]


def test_concrete_type_jumps_to_an_interface_object_under_the_interface_name():
    fetches = _fetches(plan_dict("{ admins { balance } }", DIRECTORY))
    assert fetches[1]["serviceName"] == "ledger"
    assert "... on Account{balance}" in fetches[1]["operation"]


def test_requires_with_conflicting_arguments_use_two_aliased_fetches():
    fetches = _fetches(plan_dict("{ plans { invoiceUsd invoiceEur } }", DIRECTORY))
    first = fetches[0]["operation"]
    assert 'price(currency:"USD")' in first and 'price(currency:"EUR")' in first
    assert "price__" in first  # internal aliases
    ledger = [f for f in fetches if f["serviceName"] == "ledger"]
    assert len(ledger) == 2  # one representation cannot carry two `price` values


def test_sibling_fields_typed_differently_in_the_subgraph_are_aliased():
    plan = plan_dict("{ movements { ... on Deposit { code } ... on Withdrawal { code } } }", DIRECTORY)
    assert "code__t" in plan["operation"]


def test_progressive_override_plans_depend_on_the_active_labels():
    supergraph, _ = fixture_models(DIRECTORY)
    assert override_labels(supergraph) == {"percent(50)"}
    cache = PlanCache(supergraph)
    operation = normalize("{ plans { tier } }", DIRECTORY)
    off = cache.plan(operation, frozenset())
    on = cache.plan(operation, frozenset({"percent(50)"}))
    assert off.node.subgraph == "directory"
    assert on.node.nodes[1].node.subgraph == "ledger"


def test_percent_labels_are_drawn_per_request_and_custom_labels_configured():
    policy = OverrideLabelPolicy(["percent(25)", "beta"], enabled=["beta"], draw=lambda _: 24.9)
    assert policy.active() == {"percent(25)", "beta"}
    policy = OverrideLabelPolicy(["percent(25)"], draw=lambda _: 25.0)
    assert policy.active() == frozenset()
