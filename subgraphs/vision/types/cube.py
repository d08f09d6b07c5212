"""GraphQL types of the Vision subgraph."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry
from strawberry.federation.schema_directives import Key
from strawberry.federation.types import FieldSet

from axiom.errors import NotFound
from subgraphs.vision.context import vision_context
from subgraphs.vision.cube import model
from subgraphs.vision.loaders import table_key
from subgraphs.vision.store.cubes import StoredCube


@strawberry.enum(description="How a measure aggregates its column over the fact rows of a cell.")
class Aggregator(Enum):
    SUM = strawberry.enum_value("sum", description="The sum of the values.")
    COUNT = strawberry.enum_value("count", description="The number of non-null values.")
    MIN = strawberry.enum_value("min", description="The smallest value.")
    MAX = strawberry.enum_value("max", description="The largest value.")
    AVG = strawberry.enum_value("avg", description="The mean of the non-null values.")
    DISTINCT_COUNT = strawberry.enum_value("distinct-count", description="The number of distinct non-null values.")


@strawberry.enum(description="A standard dimension or a time dimension (whose levels are years, quarters, …).")
class DimensionType(Enum):
    STANDARD = strawberry.enum_value("StandardDimension", description="Any dimension that is not about time.")
    TIME = strawberry.enum_value("TimeDimension", description="A dimension whose levels are periods of time.")


@strawberry.enum(description="Where a refresh of a cube's view is (the wire name; stored in lower case).")
class RefreshStatus(Enum):
    PENDING = strawberry.enum_value("pending", description="Queued for a Vision worker.")
    RUNNING = strawberry.enum_value("running", description="The view is being refreshed.")
    SUCCEEDED = strawberry.enum_value("succeeded", description="The view holds the data as of the refresh.")
    FAILED = strawberry.enum_value("failed", description="The refresh failed; `error` says why.")
    TRIGGERED = strawberry.enum_value("triggered", description="Handed to the Airflow DAG, which is on it.")


@strawberry.enum(description="What started a refresh of a cube's view.")
class RefreshTrigger(Enum):
    CREATE = strawberry.enum_value("create", description="Loading the cube (loadCubes or `axiom cubes load`).")
    MANUAL = strawberry.enum_value("manual", description="refreshCube or `axiom cubes refresh`.")
    SCHEDULE = strawberry.enum_value("schedule", description="The ETL schedule (`ETL_SYNC_INTERVAL`).")
    AIRFLOW = strawberry.enum_value("airflow", description="The ETL schedule, through the Airflow DAG.")


@strawberry.enum(description="Mondrian's level type: a regular level or a period of time.")
class LevelType(Enum):
    REGULAR = strawberry.enum_value("Regular", description="Not a period of time.")
    TIME_YEARS = strawberry.enum_value("TimeYears", description="Years.")
    TIME_HALF_YEARS = strawberry.enum_value("TimeHalfYears", description="Half years.")
    TIME_QUARTERS = strawberry.enum_value("TimeQuarters", description="Quarters.")
    TIME_MONTHS = strawberry.enum_value("TimeMonths", description="Months.")
    TIME_WEEKS = strawberry.enum_value("TimeWeeks", description="Weeks.")
    TIME_DAYS = strawberry.enum_value("TimeDays", description="Days.")


@strawberry.enum(description="The type of a level's keys or of a property's values (Mondrian's `type`).")
class MemberDataType(Enum):
    STRING = strawberry.enum_value("String", description="Text.")
    INTEGER = strawberry.enum_value("Integer", description="Whole numbers.")
    NUMERIC = strawberry.enum_value("Numeric", description="Decimal numbers.")
    DATE = strawberry.enum_value("Date", description="Calendar dates.")
    BOOLEAN = strawberry.enum_value("Boolean", description="True or false.")


@strawberry.federation.type(
    keys=[Key(fields=FieldSet("dataSourceId schemaName name"))],
    description="A table of a registered datasource. Owned by the Weaver subgraph; Vision adds its cubes.",
)
class Table:
    data_source_id: strawberry.ID = strawberry.field(description="The datasource the table belongs to.")
    schema_name: str = strawberry.field(description="The table's schema in the datasource.")
    name: str = strawberry.field(description="The table's name.")

    @strawberry.field(description="The tenant's cubes whose fact table is this table.")
    async def cubes(
        self, info: strawberry.Info
    ) -> list[Annotated[Cube, strawberry.lazy("subgraphs.vision.types.cube")]]:
        key = table_key(str(self.data_source_id), self.schema_name, self.name)
        return [Cube.of(c) for c in await vision_context(info).loaders.cubes_of_table.load(key)]


@strawberry.federation.type(
    keys=[Key(fields=FieldSet("id"), resolvable=False)],
    description="A business term of the glossary. Owned by the Weaver subgraph (name, definition, synonyms, …); "
    "Vision only refers to it.",
)
class GlossaryTerm:
    id: strawberry.ID = strawberry.field(description="The term's id in Weaver's glossary.")


async def _linked_term(info: strawberry.Info, cube_id: str, member: str) -> GlossaryTerm | None:
    links = await vision_context(info).loaders.member_terms.load(cube_id)
    term_id = links.get(member)
    return GlossaryTerm(id=strawberry.ID(term_id)) if term_id else None


TERM_DESCRIPTION = (
    "The glossary term linked to this member with `linkCubeTerm`, or null. Resolved by Weaver: "
    "null as well when the term was deleted."
)


@strawberry.type(description="A property of a level's members (Mondrian `<Property>`), e.g. a store's size.")
class LevelProperty:
    name: str = strawberry.field(description="The property's name.")
    column: str = strawberry.field(description="The column holding it.")
    data_type: MemberDataType = strawberry.field(description="The type of its values.")


@strawberry.type(description="A property value of one member.")
class MemberProperty:
    name: str = strawberry.field(description="The property's name.")
    value: str | None = strawberry.field(description="Its value, as text (null: no value).")


@strawberry.type(description="A member of a level: its key, label and property values.")
class Member:
    key: str | None = strawberry.field(description="The member's key, as text (what filters compare with).")
    name: str | None = strawberry.field(description="The member's label.")
    properties: list[MemberProperty] = strawberry.field(description="The level's properties for this member.")


@strawberry.type(description="A level of a dimension's hierarchy: the attribute a pivot can group by.")
class Level:
    name: str = strawberry.field(description="The level's name, unique within its hierarchy.")
    ref: str = strawberry.field(
        description="How pivot queries name this level: `Dimension.Level`, or "
        "`Dimension.Hierarchy.Level` in a dimension's other hierarchies."
    )
    hierarchy: str | None = strawberry.field(description="Its hierarchy's name; null for the default hierarchy.")
    column: str | None = strawberry.field(description="Column holding the level's key (null: keyExpression).")
    key_expression: str | None = strawberry.field(description="SQL expression of the key, as parsed.")
    name_column: str | None = strawberry.field(description="Column holding the label shown for a key, if any.")
    name_expression: str | None = strawberry.field(description="SQL expression of the label, as parsed.")
    level_type: LevelType = strawberry.field(description="Mondrian level type: regular, or which period of time.")
    data_type: MemberDataType = strawberry.field(description="Type of the key.")
    parent_child: bool = strawberry.field(
        description="A parent-child level (Mondrian `parentColumn` with a "
        "`<Closure>` table): a member's values roll up its whole "
        "subtree, and filters keep the members' subtrees."
    )
    properties: list[LevelProperty] = strawberry.field(description="Properties of the level's members.")
    cube_id: strawberry.Private[str]

    @classmethod
    def of(cls, level: model.Level, cube_id: str) -> Level:
        return cls(
            name=level.name,
            ref=level.ref,
            hierarchy=level.hierarchy,
            column=level.column,
            key_expression=level.key_expression.sql if level.key_expression else None,
            name_column=level.name_column,
            name_expression=level.name_expression.sql if level.name_expression else None,
            level_type=LevelType(level.level_type),
            data_type=MemberDataType(level.data_type),
            parent_child=level.closure is not None,
            properties=[
                LevelProperty(name=p.name, column=p.column, data_type=MemberDataType(p.data_type))
                for p in level.properties
            ],
            cube_id=cube_id,
        )

    @strawberry.field(
        description="The level's members with their property values, by key (from the cube's "
        "materialized data; empty until the cube is refreshed)."
    )
    async def members(
        self,
        info: strawberry.Info,
        first: Annotated[int, strawberry.argument(description="At most this many (1..1000).")] = 100,
    ) -> list[Member]:
        context = vision_context(info)
        stored = await context.cubes.get(context.tenant_id, self.cube_id)
        # The cube may have been reloaded without this level since the level was read: no members then.
        level = stored.model.level(self.ref) if stored is not None else None
        if stored is None or level is None or not stored.view_ready:
            return []
        rows = await vision_context(info).pivots.runner.members(stored.layout, self.ref, limit=max(1, min(first, 1000)))
        names = [p.name for p in level.properties]
        return [
            Member(
                key=key,
                name=name,
                properties=[MemberProperty(name=n, value=v) for n, v in zip(names, values, strict=False)],
            )
            for key, name, values in rows
        ]

    @strawberry.field(description=TERM_DESCRIPTION)
    async def glossary_term(self, info: strawberry.Info) -> GlossaryTerm | None:
        return await _linked_term(info, self.cube_id, self.ref)


@strawberry.type(description="One hierarchy of a dimension (e.g. Time by month, or Time by week).")
class Hierarchy:
    name: str | None = strawberry.field(description="The hierarchy's name; null for the default hierarchy.")
    has_all: bool = strawberry.field(description="Whether the hierarchy has an 'all' member (totals).")
    levels: list[Level] = strawberry.field(description="Its levels, coarsest first.")


@strawberry.type(description="A dimension of a cube with its hierarchies' levels, coarsest first.")
class Dimension:
    name: str = strawberry.field(description="The dimension's name, unique within the cube.")
    type: DimensionType = strawberry.field(description="Standard or time dimension.")
    foreign_key: str | None = strawberry.field(description="Fact table column joined to the hierarchy's key.")
    has_all: bool = strawberry.field(description="Whether the default hierarchy has an 'all' member (totals).")
    shared: bool = strawberry.field(description="Whether the dimension is shared by the schema's cubes.")
    levels: list[Level] = strawberry.field(description="The levels of all its hierarchies, the default's first.")
    hierarchies: list[Hierarchy] = strawberry.field(description="Its hierarchies, the default first.")

    @classmethod
    def of(cls, dim: model.Dimension, cube_id: str) -> Dimension:
        hierarchies = [
            Hierarchy(name=h.name, has_all=h.has_all, levels=[Level.of(level, cube_id) for level in h.levels])
            for h in dim.hierarchies
        ]
        return cls(
            name=dim.name,
            type=DimensionType(dim.type),
            foreign_key=dim.foreign_key,
            has_all=dim.has_all,
            shared=dim.shared,
            levels=[level for h in hierarchies for level in h.levels],
            hierarchies=hierarchies,
        )


@strawberry.type(description="A named set of the cube file, kept as a saved filter: pivots name it in `namedSets`.")
class NamedSet:
    name: str = strawberry.field(description="The set's name.")
    level: str = strawberry.field(description="The level its members belong to.")
    keys: list[str] = strawberry.field(description="The members' keys.")


@strawberry.type(description="A measure: a fact table column and how it aggregates.")
class Measure:
    name: str = strawberry.field(description="The measure's name, unique among the cube's measures.")
    column: str | None = strawberry.field(description="The fact table column it aggregates (null: expression).")
    expression: str | None = strawberry.field(description="The SQL expression it aggregates, as parsed.")
    aggregator: Aggregator = strawberry.field(description="The aggregation applied per cell.")
    format_string: str | None = strawberry.field(description="Display format, e.g. `#,##0.00`.")
    cube_id: strawberry.Private[str]

    @classmethod
    def of(cls, measure: model.Measure, cube_id: str) -> Measure:
        return cls(
            name=measure.name,
            column=measure.column,
            expression=measure.expression.sql if measure.expression else None,
            aggregator=Aggregator(measure.aggregator.value),
            format_string=measure.format_string,
            cube_id=cube_id,
        )

    @strawberry.field(description=TERM_DESCRIPTION)
    async def glossary_term(self, info: strawberry.Info) -> GlossaryTerm | None:
        return await _linked_term(info, self.cube_id, self.name)


@strawberry.type(description="A measure computed from other measures by arithmetic.")
class CalculatedMember:
    name: str = strawberry.field(description="The member's name; pivots ask for it like a measure.")
    formula: str = strawberry.field(description="The formula as written, e.g. `[Measures].[A] / [Measures].[B]`.")
    format_string: str | None = strawberry.field(description="Display format.")
    uses: list[str] = strawberry.field(description="Names of the measures the formula refers to.")
    cube_id: strawberry.Private[str]

    @classmethod
    def of(cls, member: model.CalculatedMember, cube_id: str) -> CalculatedMember:
        from subgraphs.vision.cube.formula import member_refs

        return cls(
            name=member.name,
            formula=member.formula,
            format_string=member.format_string,
            uses=list(dict.fromkeys(member_refs(member.expression))),
            cube_id=cube_id,
        )

    @strawberry.field(description=TERM_DESCRIPTION)
    async def glossary_term(self, info: strawberry.Info) -> GlossaryTerm | None:
        return await _linked_term(info, self.cube_id, self.name)


@strawberry.federation.type(keys=["id"], description="An OLAP cube defined in XML, materialised as a view.")
class Cube:
    id: strawberry.ID = strawberry.field(description="Stable id of the cube.")
    name: str = strawberry.field(description="The cube's name, unique within the tenant.")
    description: str | None = strawberry.field(description="What the cube is about.")
    version: int = strawberry.field(description="Increases each time the definition changes.")
    dimensions: list[Dimension] = strawberry.field(description="The cube's dimensions.")
    measures: list[Measure] = strawberry.field(description="The cube's stored measures.")
    calculated_members: list[CalculatedMember] = strawberry.field(description="Measures computed from others.")
    named_sets: list[NamedSet] = strawberry.field(description="Saved member filters (the file's named sets).")
    base_cubes: list[str] = strawberry.field(
        description="For a virtual cube, the cubes whose fact rows it stacks "
        "(their measures over the dimensions they share)."
    )
    fact_table: Table = strawberry.field(
        description="The fact table (resolved by Weaver); for a virtual cube, its first base cube's."
    )
    definition_xml: str = strawberry.field(description="The XML the cube was loaded from.")
    created_at: datetime = strawberry.field(description="When the cube was first stored.")
    updated_at: datetime = strawberry.field(description="When the definition last changed.")
    last_refreshed_at: datetime | None = strawberry.field(description="End of the last successful refresh.")
    refresh_status: RefreshStatus | None = strawberry.field(
        description="Status of the last refresh (null: never refreshed)."
    )

    @classmethod
    def of(cls, stored: StoredCube) -> Cube:
        cube = stored.model
        return cls(
            id=strawberry.ID(stored.id),
            name=stored.name,
            description=cube.description,
            version=stored.version,
            dimensions=[Dimension.of(d, stored.id) for d in cube.dimensions],
            measures=[Measure.of(m, stored.id) for m in cube.measures],
            calculated_members=[CalculatedMember.of(c, stored.id) for c in cube.calculated_members],
            named_sets=[NamedSet(name=n.name, level=n.level, keys=list(n.keys)) for n in cube.named_sets],
            base_cubes=[part.cube.name for part in cube.parts],
            fact_table=Table(
                data_source_id=strawberry.ID(stored.datasource_id),
                schema_name=stored.fact_schema,
                name=stored.fact_table,
            ),
            definition_xml=stored.definition_xml,
            created_at=stored.created_at,
            updated_at=stored.updated_at,
            last_refreshed_at=stored.last_refreshed_at,
            refresh_status=RefreshStatus(stored.refresh_status) if stored.refresh_status else None,
        )

    @strawberry.field(description="The latest refreshes of the cube's view, newest first.")
    async def refresh_runs(
        self,
        info: strawberry.Info,
        first: Annotated[int, strawberry.argument(description="How many runs, 1 to 100.")] = 10,
    ) -> list[RefreshRun]:
        context = vision_context(info)
        runs = await context.views.runs(context.tenant_id, str(self.id), limit=max(1, min(first, 100)))
        return [RefreshRun.of(run) for run in runs]

    @classmethod
    async def resolve_reference(cls, info: strawberry.Info, id: strawberry.ID) -> Cube | None:
        context = vision_context(info)
        stored = await context.cubes.get(context.tenant_id, str(id))
        return cls.of(stored) if stored else None


@strawberry.type(description="One refresh of a cube's materialized view.")
class RefreshRun:
    id: strawberry.ID = strawberry.field(description="The run's id.")
    trigger: RefreshTrigger = strawberry.field(description="What started it.")
    status: RefreshStatus = strawberry.field(
        description="Where it is: PENDING → RUNNING → SUCCEEDED | FAILED, or TRIGGERED (Airflow does it)."
    )
    started_at: datetime = strawberry.field(description="When it started.")
    finished_at: datetime | None = strawberry.field(description="When it ended.")
    rows: int | None = strawberry.field(description="Rows in the view after the refresh.")
    error: str | None = strawberry.field(description="Why it failed.")
    dag_run_id: str | None = strawberry.field(description="The Airflow DAG run doing the work, if any.")
    cube_id: strawberry.Private[str]

    @strawberry.field(description="The cube refreshed (a cube's runs are deleted with it).")
    async def cube(self, info: strawberry.Info) -> Cube:
        return await existing_cube(info, self.cube_id)

    @classmethod
    def of(cls, run) -> RefreshRun:
        return cls(
            id=strawberry.ID(run.id),
            trigger=RefreshTrigger(run.trigger),
            status=RefreshStatus(run.status),
            started_at=run.started_at,
            finished_at=run.finished_at,
            rows=run.rows,
            error=run.error,
            dag_run_id=run.dag_run_id,
            cube_id=run.cube_id,
        )


async def existing_cube(info: strawberry.Info, cube_id: str) -> Cube:
    """The caller's cube that a run or scenario points to; NOT_FOUND when it was deleted since they were read
    (a cube's runs and scenarios are deleted with it, so the field is non-null)."""
    context = vision_context(info)
    stored = await context.cubes.get(context.tenant_id, cube_id)
    if stored is None:
        raise NotFound("the cube was deleted")
    return Cube.of(stored)
