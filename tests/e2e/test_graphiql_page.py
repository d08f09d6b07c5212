"""The GraphiQL page a browser gets from the gateway, and its fetcher run for real (in Node) against the gateway:
queries through GraphiQL's fetcher, subscriptions over SSE with the Headers tab's token."""

from __future__ import annotations

import json
import shutil
import subprocess

from axiom.demo import DEMO_TENANT
from gateway.main import _GRAPHIQL_HTML

# GraphiQL itself comes from a CDN this machine cannot reach; its createFetcher is stood in for by a plain
# POST, which is what it does for queries.
HARNESS = """
const GraphiQL = { createFetcher: ({ url }) => async (params, options) => (await fetch(url, {
  method: "POST", headers: { "content-type": "application/json", ...options.headers }, body: JSON.stringify(params),
})).json() };
%(fetcher)s
const [url, token] = process.argv.slice(2);
const fetcher = createAxiomFetcher(url);
const headers = { Authorization: token };
const watch = 'subscription Watch { cubeRefreshes(cube: "Sales") { status cube { factTable { name } } } }';
(async () => {
  const out = { query: await fetcher({ query: "{ cubes { name } }" }, { headers }) };
  const documentAST = { definitions: [{ kind: "OperationDefinition", operation: "subscription",
                                        name: { value: "Watch" } }] };
  out.events = [];
  for await (const result of fetcher({ query: watch, operationName: "Watch" }, { headers, documentAST })) {
    out.events.push(result);
    break;  // as GraphiQL does when the user stops the subscription
  }
  out.unknown = [];
  for await (const result of fetcher({ query: watch.replace("Sales", "Nope") }, { headers })) out.unknown.push(result);
  console.log(JSON.stringify(out));
})().catch((error) => { console.error(error); process.exit(1); });
"""


async def test_a_browser_gets_graphiql(gateway):
    response = await gateway.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200 and "createAxiomFetcher" in response.text


def test_the_pages_fetcher_runs_queries_and_sse_subscriptions(system, make_token, tmp_path):
    node = shutil.which("node")
    assert node, "Node is needed to run the GraphiQL page's fetcher"
    fetcher = _GRAPHIQL_HTML.split("// axiom-fetcher-start")[1].split("// axiom-fetcher-end")[0]
    script = tmp_path / "harness.mjs"
    script.write_text(HARNESS % {"fetcher": fetcher})
    done = subprocess.run([node, str(script), system["gateway"] + "/graphql", f"Bearer {make_token(DEMO_TENANT)}"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert "Sales" in {c["name"] for c in out["query"]["data"]["cubes"]}
    [first] = out["events"]
    assert first["data"]["cubeRefreshes"]["cube"]["factTable"]["name"] == "order_lines"
    [refused] = out["unknown"]
    assert refused["errors"][0]["extensions"]["code"] == "NOT_FOUND"
