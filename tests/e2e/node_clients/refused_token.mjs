// A subscription with a refused token, through graphql-ws and graphql-sse with their default retry settings: how
// many connection attempts each made, how long until the subscription ended, and what it was told. Prints JSON.
import { createClient as createSseClient } from "graphql-sse";
import { createClient as createWsClient } from "graphql-ws";
import WebSocket from "ws";

const [url, authorization] = process.argv.slice(2);
const WATCH = 'subscription { cubeRefreshes(cube: "Sales") { id status } }';

function overWebSocket() {
  let attempts = 0;
  const started = performance.now();
  const client = createWsClient({
    url: url.replace(/^http/, "ws"),
    webSocketImpl: WebSocket,
    connectionParams: { Authorization: authorization },
    on: { connecting: () => attempts++ },
  });
  return new Promise((resolve) => {
    client.subscribe(
      { query: WATCH },
      {
        next: (result) => resolve({ attempts, next: result }),
        error: (error) => {
          resolve({ attempts, seconds: (performance.now() - started) / 1000, code: error.code, reason: error.reason });
          client.dispose();
        },
        complete: () => resolve({ attempts, complete: true }),
      },
    );
  });
}

function overSse() {
  let requests = 0;
  const started = performance.now();
  const client = createSseClient({
    url,
    headers: { Authorization: authorization },
    fetchFn: (input, init) => {
      requests++;
      return fetch(input, init);
    },
  });
  const results = [];
  return new Promise((resolve) => {
    client.subscribe(
      { query: WATCH },
      {
        next: (result) => results.push(result),
        error: (error) => resolve({ requests, seconds: (performance.now() - started) / 1000, error: String(error) }),
        complete: () => resolve({ requests, seconds: (performance.now() - started) / 1000, results }),
      },
    );
  });
}

const ws = await overWebSocket();
const sse = await overSse();
console.log(JSON.stringify({ ws, sse }));
process.exit(0);
