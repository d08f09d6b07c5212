// Composes Federation v2 subgraphs into a supergraph SDL.
// stdin: JSON array of {"name", "url", "sdl"}; stdout: the supergraph SDL.
// Composition errors are printed to stderr and the exit code is 1.
import { parse } from "graphql";
import { composeServices } from "@theguild/federation-composition";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const subgraphs = JSON.parse(Buffer.concat(chunks).toString("utf8"));

const result = composeServices(
  subgraphs.map(({ name, url, sdl }) => ({ name, url, typeDefs: parse(sdl) })),
);
if (result.errors) {
  for (const error of result.errors) console.error(error.message);
  process.exit(1);
}
process.stdout.write(result.supergraphSdl);
