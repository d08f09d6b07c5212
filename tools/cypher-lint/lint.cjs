// Reads [{cypher, parameters: [name, ...]}] as JSON on stdin; writes [{cypher, problems: [{severity, message}]}].
// The analysis is Neo4j's own (its Cypher grammar and semantic checks, compiled to JavaScript by the
// Neo4j tools team), run as Cypher 5 against the built-in functions of a Neo4j 5 server. Plugin functions
// (APOC, GDS) are left out: production runs plain Neo4j 5.
const { lintCypherQuery, testData } = require("@neo4j-cypher/language-support");

const SEVERITY = { 1: "error", 2: "warning", 3: "information", 4: "hint" };
const builtIn = {};
for (const [name, signature] of Object.entries(testData.mockSchema.functions["CYPHER 5"])) {
  if (!name.startsWith("apoc.") && !name.startsWith("gds.")) builtIn[name] = signature;
}

let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const results = JSON.parse(input).map(({ cypher, parameters }) => {
    const schema = {
      functions: { "CYPHER 5": builtIn },
      procedures: { "CYPHER 5": {} },
      parameters: Object.fromEntries(parameters.map((name) => [name, null])),
      defaultLanguage: "CYPHER 5",
    };
    const { diagnostics } = lintCypherQuery(cypher, schema);
    return { cypher, problems: diagnostics.map((d) => ({ severity: SEVERITY[d.severity], message: d.message })) };
  });
  process.stdout.write(JSON.stringify(results));
});
