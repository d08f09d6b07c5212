"""Planning helpers for unit tests: no network, just supergraph + document → plan."""

from __future__ import annotations

from functools import lru_cache

from gateway.api_schema import build_api_schema
from gateway.operation import prepare_operation
from gateway.planner import plan_operation, plan_to_dict
from gateway.supergraph import load_supergraph
from gateway_testkit.servers import FIXTURES


@lru_cache(maxsize=None)
def fixture_models(name: str = "planner.graphql"):
    sdl = (FIXTURES / name).read_text()
    return load_supergraph(sdl), build_api_schema(sdl)


def normalize(query: str, name: str = "planner.graphql"):
    _, api = fixture_models(name)
    return prepare_operation(api, query, None).operation


def plan(query: str, name: str = "planner.graphql"):
    supergraph, _ = fixture_models(name)
    return plan_operation(supergraph, normalize(query, name))


def plan_dict(query: str, name: str = "planner.graphql") -> dict | None:
    return plan_to_dict(plan(query, name).node)
