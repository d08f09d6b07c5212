"""Unhandled faults of the real processes reach Sentry (a local envelope receiver, SENTRY_DSN) tagged with the
service, the tenant and the gateway's request id, and carry no token, password or ciphertext."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from axiom.demo import DEMO_TENANT

PASSWORD = "pw-never-reported-51c2"


def tags(event: dict) -> dict:
    raw = event.get("tags") or {}
    return dict(raw) if isinstance(raw, list) else raw


@pytest.fixture
async def database(services_settings):
    conn = await asyncpg.connect(services_settings.database_url)
    yield conn
    await conn.close()


async def arm_fault(conn, table: str, condition: str) -> str:
    """A trigger on `table` that fails writes matching `condition` inside PostgreSQL; returns its name."""
    schema = table.split(".")[0]
    name = f"fault_{uuid.uuid4().hex[:8]}"
    await conn.execute(f"""
        CREATE FUNCTION {schema}.{name}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF {condition} THEN RAISE EXCEPTION 'simulated storage fault'; END IF;
          RETURN NEW;
        END $$;
        CREATE TRIGGER {name} BEFORE INSERT OR UPDATE ON {table} FOR EACH ROW EXECUTE FUNCTION {schema}.{name}();""")
    return name


async def disarm(conn, table: str, name: str) -> None:
    schema = table.split(".")[0]
    await conn.execute(f"DROP TRIGGER {name} ON {table}; DROP FUNCTION {schema}.{name}()")


async def test_a_weaver_fault_is_reported_with_tenant_and_request_id_and_no_secret(
    gateway, database, sentry_receiver, make_token, tenant_id
):
    token = make_token(tenant_id)
    name = await arm_fault(database, "weaver.datasources", f"NEW.tenant_id = '{tenant_id}'")
    try:
        response = await gateway.post(
            "/graphql",
            headers={"authorization": f"Bearer {token}"},
            json={
                "query": "mutation($i: CreateDataSourceInput!) { createDataSource(input: $i) { dataSource { id } } }",
                "variables": {
                    "i": {
                        "name": "reported",
                        "engine": "POSTGRESQL",
                        "host": "h",
                        "database": "d",
                        "username": "u",
                        "password": PASSWORD,
                    }
                },
            },
        )
    finally:
        await disarm(database, "weaver.datasources", name)
    assert response.json()["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    event = sentry_receiver.wait_for_event(lambda e: tags(e).get("tenant") == tenant_id)
    assert tags(event)["service"] == "weaver"
    assert len(tags(event)["request_id"]) == 24  # the gateway's operation id (hex), verified by Weaver
    assert "simulated storage fault" in str(event["exception"])
    everything = "".join(sentry_receiver.raw)
    assert token not in everything and PASSWORD not in everything
    assert "[parameters:" not in everything or "[parameters: [redacted]" in everything


async def test_a_vision_fault_is_reported_with_tenant_and_no_token(gateway, database, sentry_receiver, make_token):
    token = make_token(DEMO_TENANT, roles=("admin",))
    created = await gateway.post(
        "/graphql",
        headers={"authorization": f"Bearer {token}"},
        json={
            "query": "mutation($n: String!) { createGlossaryTerm(input: {name: $n}) { term { id } } }",
            "variables": {"n": f"Fault term {uuid.uuid4().hex[:8]}"},
        },
    )
    term_id = created.json()["data"]["createGlossaryTerm"]["term"]["id"]  # a real term: linkCubeTerm checks it
    name = await arm_fault(database, "vision.member_terms", f"NEW.term_id = '{term_id}'")
    try:
        response = await gateway.post(
            "/graphql",
            headers={"authorization": f"Bearer {token}"},
            json={
                "query": "mutation($i: LinkCubeTermInput!) { linkCubeTerm(input: $i) { userErrors { code } } }",
                "variables": {"i": {"cube": "Sales", "member": "Amount", "termId": term_id}},
            },
        )
    finally:
        await disarm(database, "vision.member_terms", name)
    assert response.json()["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    event = sentry_receiver.wait_for_event(
        lambda e: tags(e).get("service") == "vision" and "simulated storage fault" in str(e.get("exception"))
    )
    assert tags(event)["tenant"] == DEMO_TENANT and len(tags(event)["request_id"]) == 24
    assert token not in "".join(sentry_receiver.raw)
