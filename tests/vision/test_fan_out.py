"""Fan-out: a hierarchy joined through a many-to-many bridge would repeat fact rows; the view is refused."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text

from subgraphs.vision.service.loading import load_cube_documents
from subgraphs.vision.store.cubes import CubeStore
from subgraphs.vision.store.views import ViewStore


@pytest.fixture
async def film_schema(engine):
    """film ← film_category (several categories per film) → category, and a rental fact table."""
    schema = f"films_{uuid.uuid4().hex[:8]}"
    async with engine.begin() as conn:
        for statement in [
            f"CREATE SCHEMA {schema}",
            f"CREATE TABLE {schema}.film (film_id int, title text)",  # no constraints: the data decides
            f"CREATE TABLE {schema}.category (category_id int PRIMARY KEY, name text)",
            f"CREATE TABLE {schema}.film_category (film_id int, category_id int)",
            f"CREATE TABLE {schema}.rental (rental_id int, film_id int, amount numeric)",
            f"INSERT INTO {schema}.film VALUES (1, 'Alien'), (2, 'Brazil')",
            f"INSERT INTO {schema}.category VALUES (10, 'Horror'), (11, 'Sci-Fi'), (12, 'Comedy')",
            f"INSERT INTO {schema}.film_category VALUES (1, 10), (1, 11), (2, 12)",
            f"INSERT INTO {schema}.rental VALUES (100, 1, 4.0), (101, 1, 2.0), (102, 2, 3.0)",
        ]:
            await conn.execute(text(statement))
    yield schema
    async with engine.begin() as conn:  # the cubes go with their tables (other tests refresh every cube)
        await conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        await conn.execute(text("DELETE FROM vision.cubes WHERE fact_schema = :schema"), {"schema": schema})


def film_cube(schema: str, hierarchy: str) -> str:
    return f"""<Schema name="Films">
  <Cube name="Rentals">
    <Table schema="{schema}" name="rental"/>
    <Dimension name="Film" foreignKey="film_id">
{hierarchy}
    </Dimension>
    <Measure name="Amount" column="amount" aggregator="sum"/>
    <Measure name="Rentals" column="rental_id" aggregator="count"/>
  </Cube>
</Schema>"""


BRIDGE = """      <Hierarchy hasAll="true" primaryKey="film_id" primaryKeyTable="film">
        <Join leftKey="film_id" rightAlias="film_category" rightKey="film_id">
          <Table schema="{schema}" name="film"/>
          <Join leftKey="category_id" rightKey="category_id">
            <Table schema="{schema}" name="film_category"/>
            <Table schema="{schema}" name="category"/>
          </Join>
        </Join>
        <Level name="Category" table="category" column="name"/>
      </Hierarchy>"""


async def load(engine, source_schema, tenant_id: str, schema: str, xml: str):
    datasource_id, read_catalog = await source_schema(schema)
    return await load_cube_documents(
        [("films.xml", xml)],
        tenant_id=tenant_id,
        datasource_id=datasource_id,
        read_catalog=read_catalog,
        cubes=CubeStore(engine),
        views=ViewStore(engine),
    )


async def test_a_bridge_with_several_rows_per_film_is_refused_naming_the_join(
    engine, film_schema, tenant_id, source_schema
):
    report = await load(
        engine, source_schema, tenant_id, film_schema, film_cube(film_schema, BRIDGE.format(schema=film_schema))
    )
    [problem] = report.problems
    assert problem.message.startswith(
        "cube 'Rentals': view not built: <Join> at line 6 of dimension 'Film' (film_category.film_id): "
        "film_category.film_id is not unique (film_id '1' is on 2 rows)"
    )
    # Nothing is stored: without the check the view would hold 4.0 + 2.0 twice, a grand total of 15 instead of 9.
    assert report.cubes == []
    assert await CubeStore(engine).list(tenant_id) == []


async def test_a_primary_key_repeated_in_its_table_is_refused(engine, film_schema, tenant_id, source_schema):
    async with engine.begin() as conn:
        await conn.execute(text(f"INSERT INTO {film_schema}.film VALUES (2, 'Brazil (director''s cut)')"))
    hierarchy = f"""      <Hierarchy hasAll="true" primaryKey="film_id">
        <Table schema="{film_schema}" name="film"/>
        <Level name="Title" column="title"/>
      </Hierarchy>"""
    report = await load(engine, source_schema, tenant_id, film_schema, film_cube(film_schema, hierarchy))
    [problem] = report.problems
    assert (
        "<Hierarchy> at line 5 of dimension 'Film' (primaryKey film.film_id): film.film_id is not unique "
        "(film_id '2' is on 2 rows)" in problem.message
    )


async def test_a_many_to_one_snowflake_is_accepted_and_totals_match_the_fact_table(
    engine, film_schema, tenant_id, source_schema
):
    # film_category → category is many-to-one (category_id is category's primary key): no fan-out.
    hierarchy = f"""      <Hierarchy hasAll="true" primaryKey="film_id" primaryKeyTable="film_category">
        <Join leftKey="category_id" rightKey="category_id">
          <Table schema="{film_schema}" name="film_category"/>
          <Table schema="{film_schema}" name="category"/>
        </Join>
        <Level name="Category" table="category" column="name"/>
      </Hierarchy>"""
    async with engine.begin() as conn:
        await conn.execute(text(f"DELETE FROM {film_schema}.film_category WHERE category_id = 11"))
    report = await load(engine, source_schema, tenant_id, film_schema, film_cube(film_schema, hierarchy))
    assert report.problems == []
    [cube] = report.cubes
    async with engine.connect() as conn:
        total = (await conn.execute(text(f'SELECT sum("m0_amount_sum") FROM {cube.layout.view}'))).scalar_one()
    assert total == 9
