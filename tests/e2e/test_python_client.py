"""The Python client ariadne-codegen generates from `schema/api.graphql` and `schema/operations`, against the live
gateway: a query, mutations and a subscription, with enums, datetimes and non-null references typed."""

from __future__ import annotations

import asyncio
import sys
from datetime import datetime

import pytest

from axiom.demo import DEMO_TENANT
from tests.e2e.python_client import generate_python_client


@pytest.fixture(scope="module")
def axiom_client():
    """The generated package `axiom_client`, importable."""
    folder = str(generate_python_client())
    sys.path.insert(0, folder)
    try:
        import axiom_client

        yield axiom_client
    finally:
        sys.path.remove(folder)
        for name in [n for n in sys.modules if n == "axiom_client" or n.startswith("axiom_client.")]:
            del sys.modules[name]


def _client(axiom_client, system, token: str):
    url = system["gateway"] + "/graphql"
    return axiom_client.AxiomClient(
        url=url,
        headers={"Authorization": f"Bearer {token}"},
        ws_url=url.replace("http://", "ws://"),
        ws_connection_init_payload={"Authorization": f"Bearer {token}"},
    )


async def test_generated_client_queries_mutates_and_subscribes_with_typed_results(axiom_client, system, make_token):
    client = _client(axiom_client, system, make_token(DEMO_TENANT))
    sales = next(cube for cube in (await client.cubes()).cubes if cube.name == "Sales")
    assert isinstance(sales.created_at, datetime) and sales.created_at.tzinfo is not None
    assert sales.fact_table.name == "order_lines"

    events = client.cube_refreshes(cube="Sales")
    async with asyncio.timeout(120):
        latest = (await anext(events)).cube_refreshes  # the latest run: from here on the subscription is live
        assert isinstance(latest.status, axiom_client.RefreshStatus)
        refreshed = (await client.refresh_cube(id=sales.id)).refresh_cube
        assert refreshed.user_errors == [] and refreshed.run is not None
        async for event in events:
            run = event.cube_refreshes
            if run.id == refreshed.run.id and run.status in (
                axiom_client.RefreshStatus.SUCCEEDED,
                axiom_client.RefreshStatus.FAILED,
            ):
                break
        await events.aclose()
    assert (run.status, run.trigger) == (axiom_client.RefreshStatus.SUCCEEDED, axiom_client.RefreshTrigger.MANUAL)
    assert run.cube.name == "Sales" and run.cube.fact_table.name == "order_lines"  # Weaver's part, per event


async def test_generated_client_reads_user_errors_as_enum_codes(axiom_client, system, make_token):
    client = _client(axiom_client, system, make_token(DEMO_TENANT, roles=("admin",)))
    deleted = (await client.delete_cube(id="00000000-0000-4000-8000-000000000000")).delete_cube
    assert deleted.deleted_id is None
    assert [(e.field, e.code) for e in deleted.user_errors] == [("id", axiom_client.UserErrorCode.NOT_FOUND)]
