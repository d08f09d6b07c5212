"""A database fault while a datasource password is written must not put the password, its ciphertext or the
row id (the ciphertext's associated data) into the logs: SQLAlchemy's and asyncpg's error texts carry the
statement parameters unless told not to."""

import io
import logging
import uuid

import asyncpg
import pytest

from axiom.logs import LogSettings, log_handler
from axiom.secrets import SecretBox

CREATE = """mutation($input: CreateDataSourceInput!) { createDataSource(input: $input) {
    dataSource { id } userErrors { code } } }"""
UPDATE = """mutation($input: UpdateDataSourceInput!) { updateDataSource(input: $input) {
    dataSource { id } userErrors { code } } }"""
PASSWORD = "pw-never-in-logs-7f3a"


@pytest.fixture
def sealed(monkeypatch) -> list[tuple[str, str]]:
    """(ciphertext, row id) of every password sealed during the test."""
    seen: list[tuple[str, str]] = []
    encrypt = SecretBox.encrypt

    def recording(self, plaintext: str, *, context: str = "") -> str:
        token = encrypt(self, plaintext, context=context)
        seen.append((token, context))
        return token

    monkeypatch.setattr(SecretBox, "encrypt", recording)
    return seen


@pytest.fixture
async def failing_writes(services_settings, tenant_id):
    """A trigger that makes every write of this tenant's datasources fail inside PostgreSQL."""
    name = f"fail_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(services_settings.database_url)

    async def arm() -> None:
        await conn.execute(f"""
            CREATE FUNCTION weaver.{name}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF NEW.tenant_id = '{tenant_id}' THEN RAISE EXCEPTION 'simulated storage fault'; END IF;
              RETURN NEW;
            END $$;
            CREATE TRIGGER {name} BEFORE INSERT OR UPDATE ON weaver.datasources
              FOR EACH ROW EXECUTE FUNCTION weaver.{name}();""")

    try:
        yield arm
    finally:
        await conn.execute(
            f"DROP TRIGGER IF EXISTS {name} ON weaver.datasources; DROP FUNCTION IF EXISTS weaver.{name}()"
        )
        await conn.close()


@pytest.fixture
def process_logs(services_settings):
    """What the process writes to its log stream, in both formats."""
    streams = {fmt: io.StringIO() for fmt in ("json", "console")}
    handlers = [
        log_handler(LogSettings.of(services_settings.replace(log_format=fmt)), "weaver", stream)
        for fmt, stream in streams.items()
    ]
    root = logging.getLogger()
    for handler in handlers:
        root.addHandler(handler)
    yield lambda: "".join(s.getvalue() for s in streams.values())
    for handler in handlers:
        root.removeHandler(handler)


def assert_clean(logs: str, sealed: list[tuple[str, str]]) -> None:
    assert "simulated storage fault" in logs  # the fault itself is reported
    assert sealed, "no password was sealed"
    for ciphertext, row_id in sealed:
        assert ciphertext not in logs
        assert row_id not in logs
    assert PASSWORD not in logs


async def test_a_failed_create_logs_no_password_ciphertext_or_row_id(
    gql, tenant_id, sealed, failing_writes, process_logs
):
    await failing_writes()
    ds_input = {
        "name": "leaky",
        "engine": "POSTGRESQL",
        "host": "h",
        "database": "d",
        "username": "u",
        "password": PASSWORD,
    }
    _, body = await gql(tenant_id, CREATE, {"input": ds_input})
    assert body["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert_clean(process_logs(), sealed)


async def test_a_failed_password_update_logs_no_password_ciphertext_or_row_id(
    gql, tenant_id, sealed, failing_writes, process_logs
):
    ds_input = {"name": "leaky", "engine": "POSTGRESQL", "host": "h", "database": "d", "username": "u"}
    _, created = await gql(tenant_id, CREATE, {"input": ds_input})
    datasource_id = created["data"]["createDataSource"]["dataSource"]["id"]
    await failing_writes()
    _, body = await gql(tenant_id, UPDATE, {"input": {"id": datasource_id, "password": PASSWORD}})
    assert body["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    logs = process_logs()
    assert_clean(logs, sealed)
    assert datasource_id not in logs
