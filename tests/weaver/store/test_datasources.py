import pytest
from sqlalchemy import text

from axiom.secrets import SecretBox
from subgraphs.weaver.store.datasources import DuplicateDataSourceName


async def create(runtime, tenant, name="warehouse", password="pw-123"):
    return await runtime.datasources.create(
        tenant,
        name=name,
        engine="postgresql",
        host="db",
        port=5432,
        database="dw",
        username="reader",
        password=password,
    )


async def test_password_is_stored_encrypted_and_bound_to_the_row(runtime, tenant_id, services_settings):
    record = await create(runtime, tenant_id)
    async with runtime.engine.connect() as conn:
        sealed = (
            await conn.execute(
                text("SELECT password_encrypted FROM weaver.datasources WHERE id = :id"), {"id": record.id}
            )
        ).scalar_one()
    assert "pw-123" not in sealed
    box = SecretBox(services_settings.encryption_key)
    assert box.decrypt(sealed, context=record.id) == "pw-123"
    params = await runtime.datasources.connection_params(record)
    assert params.password == "pw-123" and "pw-123" not in repr(params)


async def test_records_are_scoped_by_tenant(runtime, tenant_id):
    record = await create(runtime, tenant_id)
    assert (await runtime.datasources.get(tenant_id, record.id)).name == "warehouse"
    assert await runtime.datasources.get("other-tenant", record.id) is None
    assert await runtime.datasources.get(tenant_id, "not-a-uuid") is None
    assert not await runtime.datasources.delete("other-tenant", record.id)


async def test_names_are_unique_per_tenant_only(runtime, tenant_id):
    await create(runtime, tenant_id)
    with pytest.raises(DuplicateDataSourceName):
        await create(runtime, tenant_id)
    await create(runtime, tenant_id + "-b")


async def test_keyset_pages_cover_all_records_once(runtime, tenant_id):
    for i in range(5):
        await create(runtime, tenant_id, name=f"ds-{i}")
    page1, more1 = await runtime.datasources.list_page(tenant_id, 2, None)
    page2, more2 = await runtime.datasources.list_page(tenant_id, 2, (page1[-1].created_at, page1[-1].id))
    page3, more3 = await runtime.datasources.list_page(tenant_id, 2, (page2[-1].created_at, page2[-1].id))
    assert (more1, more2, more3) == (True, True, False)
    assert sorted(r.name for r in page1 + page2 + page3) == [f"ds-{i}" for i in range(5)]
    assert await runtime.datasources.count(tenant_id) == 5


async def test_update_reseals_a_changed_password(runtime, tenant_id):
    record = await create(runtime, tenant_id)
    updated = await runtime.datasources.update(tenant_id, record.id, {"password": "new-pw", "port": 6543})
    assert updated.port == 6543
    assert (await runtime.datasources.connection_params(updated)).password == "new-pw"
    cleared = await runtime.datasources.update(tenant_id, record.id, {"password": None})
    assert not cleared.has_password
