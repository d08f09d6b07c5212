"""Schema.tables as a Relay connection: bounded pages in (name, id) order, cursors, totalCount, bad input."""

from subgraphs.weaver.catalog.model import ColumnMeta, DatabaseCatalog, SchemaMeta, TableMeta
from subgraphs.weaver.pagination import DEFAULT_PAGE

PAGE = """query($id: ID!, $first: Int!, $after: String) { dataSource(id: $id) { schemas { name
    tables(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { name columns { name } } } } } } }"""


def shuffled_catalog(count: int) -> DatabaseCatalog:
    """Tables written in an order unlike their names, so only an ORDER BY can page them by name."""
    names = [f"table_{(i * 37) % count:03d}" for i in range(count)]
    tables = tuple(TableMeta(n, columns=(ColumnMeta("id", "integer", False, 1),)) for n in names)
    return DatabaseCatalog(schemas=(SchemaMeta("s", tables=tables),))


async def registered(runtime, tenant, count):
    record = await runtime.datasources.create(
        tenant, name="paged", engine="postgresql", host="h", port=1, database="d", username="u"
    )
    await runtime.graph.replace_catalog(tenant, record.id, record.name, shuffled_catalog(count))
    return record.id


async def test_pages_follow_each_other_by_name_without_gaps_or_repeats(gql, runtime, tenant_id):
    ds = await registered(runtime, tenant_id, 45)
    names, after, sizes = [], None, []
    while True:
        _, body = await gql(tenant_id, PAGE, {"id": ds, "first": 20, "after": after})
        assert "errors" not in body, body
        page = body["data"]["dataSource"]["schemas"][0]["tables"]
        assert page["totalCount"] == 45
        sizes.append(len(page["edges"]))
        names += [e["node"]["name"] for e in page["edges"]]
        assert all(e["node"]["columns"] == [{"name": "id"}] for e in page["edges"])
        assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert sizes == [20, 20, 5]
    assert names == [f"table_{i:03d}" for i in range(45)]


async def test_default_page_size_applies_when_first_is_omitted(gql, runtime, tenant_id):
    ds = await registered(runtime, tenant_id, DEFAULT_PAGE + 1)
    _, body = await gql(
        tenant_id,
        "query($id: ID!) { dataSource(id: $id) { schemas { tables { "
        "pageInfo { hasNextPage } edges { node { name } } } } } }",
        {"id": ds},
    )
    page = body["data"]["dataSource"]["schemas"][0]["tables"]
    assert len(page["edges"]) == DEFAULT_PAGE and page["pageInfo"]["hasNextPage"]


async def test_page_size_outside_1_to_100_and_foreign_cursors_are_bad_user_input(gql, runtime, tenant_id):
    ds = await registered(runtime, tenant_id, 3)
    for variables in (
        {"first": 0},
        {"first": 101},
        {"first": 10, "after": "not-a-cursor"},
        {"first": 10, "after": "WzEsMl0="},
    ):  # base64 of [1,2]: right arity, wrong types
        _, body = await gql(tenant_id, PAGE, {"id": ds, **variables})
        [error] = body["errors"]
        assert error["extensions"]["code"] == "BAD_USER_INPUT", body
        assert error["extensions"]["field"] in ("first", "after")


async def test_another_tenant_pages_nothing(gql, runtime, tenant_id):
    ds = await registered(runtime, tenant_id, 3)
    _, body = await gql(tenant_id + "-b", PAGE, {"id": ds, "first": 10})
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND" and body["data"] is None
