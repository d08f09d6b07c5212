"""The tenant matrix through the gateway: tenant B, holding tenant A's ids and names, must be answered exactly as
for ids that exist nowhere, at every entry point of both subgraphs; A's objects are unchanged afterwards."""

from __future__ import annotations

import json
import secrets
import sys
import time
import uuid
from pathlib import Path

import httpx
from abuse_report import Row, anonymized, error_codes
from abuse_stack import UpStack
from graphql import build_schema, parse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the scenario inputs are shared with the tests

from tests.vision.scenario_inputs import CREATE, RUN, pricing_input  # noqa: E402

TENANT_B = "abuse-intruder"
PAYLOAD = "userErrors { field code }"

# name → operation. Variables: ds, dsname, snapshot, term, termname, table, column, cube, name, scenario, case, run,
# xml, csv, own_term (B's own term). Destructive ones come last, so a leak there shows in the "intact" check.
MATRIX: dict[str, str] = {
    "dataSource": "query($ds: ID!) { dataSource(id: $ds) { id name } }",
    "table": 'query($ds: ID!) { table(dataSourceId: $ds, schemaName: "sales", name: "order_lines") '
    "{ id cubes { id } } }",
    "searchTables in A's datasource": 'query($ds: ID!) { searchTables(query: "order", dataSourceId: $ds) '
    "{ totalCount } }",
    "snapshot": "query($snapshot: ID!) { snapshot(id: $snapshot) { id } }",
    "snapshotDiff": "query($snapshot: ID!) { snapshotDiff(from: $snapshot, to: $snapshot) { tablesAdded { name } } }",
    "glossaryTerm": "query($term: ID!) { glossaryTerm(id: $term) { id name } }",
    "glossaryTerms by A's name": "query($termname: String!) { glossaryTerms(query: $termname) { totalCount } }",
    "cube by id": "query($cube: ID!) { cube(id: $cube) { id name } }",
    "cube by name": "query($name: String!) { cube(name: $name) { id name } }",
    "pivot": 'query($name: String!) { pivot(input: {cube: $name, measures: ["Amount"], rows: '
    '["Region.Region"]}) { values { values } } }',
    "pivot by id": 'query($cube: String!) { pivot(input: {cube: $cube, measures: ["Amount"]}) { values { values } } }',
    "askPivot": 'query($name: String!) { askPivot(cube: $name, question: "sales by region") { explanation } }',
    "scenario": "query($scenario: ID!) { scenario(id: $scenario) { id name runs { id } } }",
    "scenarioCase": "query($case: ID!) { scenarioCase(id: $case) { id name scenarios { id } } }",
    "scenarioRun": "query($run: ID!) { scenarioRun(id: $run) { id status objective } }",
    "causalLinks by name": "query($name: String!) { causalLinks(cube: $name, includeUnused: true) { driver } }",
    "causalLinks by id": "query($cube: String!) { causalLinks(cube: $cube, includeUnused: true) { driver } }",
    "runQuery": 'mutation($ds: ID!) { runQuery(dataSourceId: $ds, sql: "SELECT 1") { rowCount } }',
    "testConnection": f"mutation($ds: ID!) {{ testConnection(id: $ds) {{ {PAYLOAD} }} }}",
    "syncMetadata": f"mutation($ds: ID!) {{ syncMetadata(id: $ds) {{ {PAYLOAD} }} }}",
    "updateDataSource": f'mutation($ds: ID!) {{ updateDataSource(input: {{id: $ds, name: "x"}}) {{ {PAYLOAD} }} }}',
    "createDataSource with A's name": "mutation($dsname: String!) { createDataSource(input: {name: $dsname, "
    'engine: POSTGRESQL, host: "127.0.0.1", port: 1, database: "d", '
    'username: "u", password: "p"}) { dataSource { name } '
    f"{PAYLOAD} }} }}",
    "createGlossaryTerm under A's term": 'mutation($term: ID!) { createGlossaryTerm(input: {name: "Child", '
    f"parentId: $term}}) {{ {PAYLOAD} }} }}",
    "importGlossary with A's term as parent": f"mutation($csv: String!) {{ importGlossary(csv: $csv, dryRun: true) "
    f"{{ created updated {PAYLOAD} }} }}",
    "updateGlossaryTerm": 'mutation($term: ID!) { updateGlossaryTerm(input: {id: $term, name: "x"}) '
    f"{{ {PAYLOAD} }} }}",
    "linkTerm A's term": f"mutation($term: ID!, $table: ID!) {{ linkTerm(termId: $term, targetId: $table) "
    f"{{ {PAYLOAD} }} }}",
    "linkTerm own term to A's column": "mutation($own_term: ID!, $column: ID!) { linkTerm(termId: $own_term, "
    f"targetId: $column) {{ {PAYLOAD} }} }}",
    "unlinkTerm": f"mutation($term: ID!, $table: ID!) {{ unlinkTerm(termId: $term, targetId: $table) "
    f"{{ {PAYLOAD} }} }}",
    "relateTerms own → A's": "mutation($own_term: ID!, $term: ID!) { relateTerms(termId: $own_term, "
    f"relatedTermId: $term) {{ {PAYLOAD} }} }}",
    "unrelateTerms": "mutation($own_term: ID!, $term: ID!) { unrelateTerms(termId: $own_term, "
    f"relatedTermId: $term) {{ {PAYLOAD} }} }}",
    "loadCubes over A's datasource": "mutation($ds: ID!, $xml: String!) { loadCubes(input: {dataSourceId: $ds, "
    'documents: [{fileName: "s.xml", xml: $xml}]}) { cubes { id } '
    "userErrors { field code } } }",
    "refreshCube": "mutation($cube: ID!) { refreshCube(id: $cube) { run { id } userErrors { code } } }",
    "refreshCube by name": "mutation($name: ID!) { refreshCube(id: $name) { run { id } userErrors { code } } }",
    "createScenario on A's cube": "mutation($scenario_input: CreateScenarioInput!) { createScenario(input: "
    f"$scenario_input) {{ scenario {{ id caseId }} {PAYLOAD} }} }}",
    "runScenario": f"mutation($scenario: ID!) {{ runScenario(id: $scenario) {{ run {{ id }} {PAYLOAD} }} }}",
    "cancelScenario": f"mutation($run: ID!) {{ cancelScenario(runId: $run) {{ run {{ id status }} {PAYLOAD} }} }}",
    "discoverCausalLinks": f"mutation($name: String!) {{ discoverCausalLinks(cube: $name) {{ queued {PAYLOAD} }} }}",
    "decideCausalLink": 'mutation($name: String!) { decideCausalLink(input: {cube: $name, driver: "Quantity", '
    'outcome: "Amount", verdict: REJECTED}) { link { verdict } '
    f"{PAYLOAD} }} }}",
    "linkCubeTerm": "mutation($name: String!, $term: ID!) { linkCubeTerm(input: {cube: $name, member: "
    f'"Amount", termId: $term}}) {{ {PAYLOAD} }} }}',
    "unlinkCubeTerm": f'mutation($name: String!) {{ unlinkCubeTerm(cube: $name, member: "Amount") {{ {PAYLOAD} }} }}',
    "deleteGlossaryTerm": f"mutation($term: ID!) {{ deleteGlossaryTerm(id: $term) {{ {PAYLOAD} }} }}",
    "deleteCube": f"mutation($cube: ID!) {{ deleteCube(id: $cube) {{ deletedId {PAYLOAD} }} }}",
    "deleteCube by name": f"mutation($name: ID!) {{ deleteCube(id: $name) {{ deletedId {PAYLOAD} }} }}",
    "deleteDataSource": f"mutation($ds: ID!) {{ deleteDataSource(id: $ds) {{ {PAYLOAD} }} }}",
}
LISTS = (
    '{ dataSources { totalCount } glossaryTerms { totalCount } searchTables(query: "") { totalCount } '
    "glossaryCsv cubes { id name } }"
)
WATCH = "subscription($cube: String) { cubeRefreshes(cube: $cube) { id status } }"
# subscription → the variable holding the id it follows
PROGRESS = {
    "subscription($scenario: ID!) { scenarioProgress(scenarioId: $scenario) { runId status } }": "scenario",
    "subscription($case: ID!) { caseProgress(caseId: $case) { runId status } }": "case",
}
# What tenant A has of scenarios and causal links; compared before and after B's attempts.
A_SCENARIO_STATE = """query($scenario: ID!, $case: ID!, $run: ID!) { scenario(id: $scenario) { name runs { id } }
    scenarioCase(id: $case) { name scenarios { id } } scenarioRun(id: $run) { status objective }
    causalLinks(cube: "Sales", includeUnused: true) { driver outcome verdict confidence coefficient } }"""
ASSERTED_LINK = {"cube": "Sales", "driver": "Quantity", "outcome": "Amount", "verdict": "ASSERTED"}


class Caller:
    def __init__(self, client: httpx.Client, token: str):
        self.client, self.token = client, token

    def __call__(self, query: str, variables: dict | None = None) -> dict:
        response = self.client.post(
            "/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"authorization": f"Bearer {self.token}"},
        )
        return response.json()

    def first_event(self, query: str, variables: dict) -> dict:
        """The first payload of a subscription over SSE (then the stream is closed)."""
        with self.client.stream(
            "POST",
            "/graphql",
            json={"query": query, "variables": variables},
            headers={"authorization": f"Bearer {self.token}", "accept": "text/event-stream"},
            timeout=15,
        ) as response:
            for line in response.iter_lines():
                if line.startswith("data:") and line[5:].strip():
                    return json.loads(line[5:])
        return {"no event": response.status_code}


def _used_variables(query: str) -> set[str]:
    return {definition.variable.name.value for definition in parse(query).definitions[0].variable_definitions}


def _root_fields(query: str) -> set[str]:
    return {selection.name.value for selection in parse(query).definitions[0].selection_set.selections}


def tenant_a_objects(a: Caller) -> dict[str, str]:
    """The demo tenant's datasource, snapshot, table, column, cube, and a term of its own linked to a table."""
    ds = a("{ dataSources { edges { node { id name snapshots { id } } } } }")["data"]["dataSources"]["edges"][0]
    node = ds["node"]
    table = a(
        'query($ds: ID!) { table(dataSourceId: $ds, schemaName: "sales", name: "order_lines") '
        "{ id columns { id name } } }",
        {"ds": node["id"]},
    )["data"]["table"]
    term_name = f"A's secret term {secrets.token_hex(4)}"
    created = a(
        'mutation($n: String!) { createGlossaryTerm(input: {name: $n, definition: "revenue"}) '
        "{ term { id } userErrors { code } } }",
        {"n": term_name},
    )["data"]["createGlossaryTerm"]
    linked = a(
        "mutation($t: ID!, $x: ID!) { linkTerm(termId: $t, targetId: $x) { userErrors { code } } }",
        {"t": created["term"]["id"], "x": table["id"]},
    )
    assert linked["data"]["linkTerm"]["userErrors"] == [], linked
    cube = a('{ cube(name: "Sales") { id } }')["data"]["cube"]
    return {
        **_a_scenario(a, term_name),
        "ds": node["id"],
        "dsname": node["name"],
        "snapshot": node["snapshots"][0]["id"],
        "table": table["id"],
        "column": next(c["id"] for c in table["columns"] if c["name"] == "amount"),
        "term": created["term"]["id"],
        "termname": term_name,
        "cube": cube["id"],
        "name": "Sales",
    }


def _a_scenario(a: Caller, tag: str) -> dict[str, str]:
    """A scenario of tenant A on its cube with one finished run, and a causal link A asserted."""
    decided = a(
        "mutation($input: CausalVerdictInput!) { decideCausalLink(input: $input) { userErrors { code message } } }",
        {"input": {**ASSERTED_LINK, "confidence": 0.9, "coefficient": 2.0, "outcomeBase": 1000.0}},
    )
    assert decided["data"]["decideCausalLink"]["userErrors"] == [], decided
    created = a(CREATE, {"input": pricing_input(case=f"A's case {tag}")})["data"]["createScenario"]
    assert created["userErrors"] == [], created
    scenario = created["scenario"]
    run = a(RUN, {"id": scenario["id"]})["data"]["runScenario"]["run"]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # a finished run, so that B's attempts cannot be confused with its course
        status = a("query($id: ID!) { scenarioRun(id: $id) { status } }", {"id": run["id"]})["data"]["scenarioRun"]
        if status["status"] not in ("PENDING", "RUNNING"):
            break
        time.sleep(0.2)
    return {"scenario": scenario["id"], "case": scenario["caseId"], "run": run["id"]}


def nowhere_objects() -> dict[str, str]:
    ds = str(uuid.uuid4())
    return {
        "scenario": str(uuid.uuid4()),
        "case": str(uuid.uuid4()),
        "run": str(uuid.uuid4()),
        "ds": ds,
        "dsname": f"Nowhere {uuid.uuid4().hex[:6]}",
        "snapshot": str(uuid.uuid4()),
        "table": f"{ds}/sales/order_lines",
        "column": f"{ds}/sales/order_lines/amount",
        "term": str(uuid.uuid4()),
        "termname": f"Nowhere term {uuid.uuid4().hex[:6]}",
        "cube": str(uuid.uuid4()),
        "name": "Nowhere",
    }


def _variables(query: str, ids: dict[str, str], extra: dict[str, str]) -> dict:
    values = {
        **ids,
        **extra,
        "csv": f"name,definition,synonyms,parent\nChild of it,x,,{ids['termname']}\n",
        "scenario_input": pricing_input(cube=ids["name"], case="B's case"),
    }
    return {name: values[name] for name in _used_variables(query)}


def _scenario_state(a: Caller, ids: dict[str, str]) -> dict:
    return a(A_SCENARIO_STATE, {key: ids[key] for key in ("scenario", "case", "run")})


def _intact(a: Caller, ids: dict[str, str], scenarios_before: dict) -> list[str]:
    """What of tenant A's objects changed (empty when nothing did)."""
    body = a(
        "query($ds: ID!, $term: ID!) { dataSource(id: $ds) { id name } glossaryTerm(id: $term) { name "
        'parent { id } tables { id } } cube(name: "Sales") { id measures { name glossaryTerm { id } } } }',
        {"ds": ids["ds"], "term": ids["term"]},
    )
    data = body.get("data") or {}
    problems = []
    if (data.get("dataSource") or {}).get("name") != ids["dsname"]:
        problems.append("datasource")
    term = data.get("glossaryTerm") or {}
    if term.get("name") != ids["termname"] or [t["id"] for t in term.get("tables") or []] != [ids["table"]]:
        problems.append("glossary term")
    if (data.get("cube") or {}).get("id") != ids["cube"]:
        problems.append("cube")
    if _scenario_state(a, ids) != scenarios_before:
        problems.append("scenarios or causal links")
    return problems


def tenant_rows(stack: UpStack) -> tuple[list[Row], list[str]]:
    """The matrix's rows and the details of each leak found."""
    with httpx.Client(base_url=stack.gateway, timeout=60) as client:
        a = Caller(client, stack.token("demo"))
        b = Caller(client, stack.token(TENANT_B))
        ids, nowhere = tenant_a_objects(a), nowhere_objects()
        own = b('mutation { createGlossaryTerm(input: {name: "B\'s own term"}) { term { id } } }')
        extra = {
            "own_term": own["data"]["createGlossaryTerm"]["term"]["id"],
            "xml": (ROOT / "subgraphs/vision/cubes/sales.xml").read_text(),
        }
        leaks, covered = [], set()
        scenarios_before = _scenario_state(a, ids)
        for name, query in MATRIX.items():
            covered |= _root_fields(query)
            leaked = b(query, _variables(query, ids, extra))
            unknown = b(query, _variables(query, nowhere, extra))
            if anonymized(leaked, ids) != anonymized(unknown, nowhere) or "INTERNAL_SERVER_ERROR" in error_codes(
                leaked
            ):
                leaks.append(f"{name}: A's ids → {json.dumps(leaked)[:300]}; unknown ids → {json.dumps(unknown)[:300]}")
        for key in ("cube", "name"):
            leaked = b.first_event(WATCH, {"cube": ids[key]})
            unknown = b.first_event(WATCH, {"cube": nowhere[key]})
            if anonymized(leaked, ids) != anonymized(unknown, nowhere):
                leaks.append(f"cubeRefreshes by {key}: {json.dumps(leaked)[:300]} vs {json.dumps(unknown)[:300]}")
        for query, key in PROGRESS.items():
            covered |= _root_fields(query)
            leaked = b.first_event(query, {key: ids[key]})
            unknown = b.first_event(query, {key: nowhere[key]})
            if anonymized(leaked, ids) != anonymized(unknown, nowhere):
                leaks.append(f"{query[:40]}: {json.dumps(leaked)[:300]} vs {json.dumps(unknown)[:300]}")
        covered |= {"cubeRefreshes", *_root_fields(LISTS)}
        lists = json.dumps(b(LISTS))
        seen = [key for key in ("ds", "table", "term", "termname", "cube", "snapshot") if ids[key] in lists]
        if seen or '"Sales"' in lists or "order_lines" in lists:
            leaks.append(f"lists of B show A's {seen or 'cube or tables'}: {lists[:300]}")
        changed = _intact(a, ids, scenarios_before)
    api = build_schema((ROOT / "schema" / "api.graphql").read_text())
    entry_points = {f for t in (api.query_type, api.mutation_type, api.subscription_type) for f in t.fields}
    missing = sorted(entry_points - covered)
    section = "tenant matrix (B with A's ids)"
    rows = [
        Row(
            section,
            "entry points covered",
            f"{len(entry_points & covered)} of {len(entry_points)}"
            + (f" (missing {', '.join(missing)})" if missing else ""),
            "all",
            not missing,
        ),
        Row(
            section,
            f"{len(MATRIX) + 3 + len(PROGRESS)} operations: answers differing from unknown ids",
            str(len(leaks)),
            "0",
            not leaks,
        ),
        Row(section, "A's objects changed afterwards", ", ".join(changed) or "none", "none", not changed),
    ]
    return rows, leaks
