// graphql-sse in single connection mode against the gateway: one stream carries a query, a subscription and the
// mutation that makes the subscription fire. Prints what it saw as JSON.
import { createClient } from "graphql-sse";

const [url, authorization] = process.argv.slice(2);
const methods = [];
const client = createClient({
  url,
  singleConnection: true,
  lazy: false,  // hold the one connection between operations (lazy mode reconnects when none is running)
  onNonLazyError: (error) => {
    console.error(error);
    process.exit(1);
  },
  headers: { Authorization: authorization },
  retryAttempts: 0,
  fetchFn: (input, init) => {
    methods.push(init.method);
    return fetch(input, init);
  },
});

async function one(request) {
  for await (const result of client.iterate(request)) return result;
  throw new Error("no result");
}

const WATCH = 'subscription { cubeRefreshes(cube: "Sales") { id status rows } }';
const REFRESH = "mutation($id: ID!) { refreshCube(id: $id) { run { id } userErrors { code } } }";

const cube = await one({ query: '{ cube(name: "Sales") { id name } }' });
const events = [];
let runId = null;
for await (const result of client.iterate({ query: WATCH })) {
  events.push(result);
  if (events.length === 1) {
    const started = await one({ query: REFRESH, variables: { id: cube.data.cube.id } });
    runId = started.data.refreshCube.run.id;
  }
  const run = result.data && result.data.cubeRefreshes;
  if (result.errors || (run && run.id === runId && run.status === "SUCCEEDED")) break;
}
client.dispose();
console.log(JSON.stringify({ methods, cube, events, runId }));
