// Apollo Client with BatchHttpLink against the gateway: three queries issued together travel as one batched
// HTTP request. Prints the batch sizes sent and the results as JSON.
import { ApolloClient, InMemoryCache, gql } from "@apollo/client";
import { BatchHttpLink } from "@apollo/client/link/batch-http";

const [url, authorization] = process.argv.slice(2);
const batches = [];
const link = new BatchHttpLink({
  uri: url,
  headers: { Authorization: authorization },
  batchMax: 10,
  batchInterval: 20,
  fetch: (input, init) => {
    const body = JSON.parse(init.body);
    batches.push(Array.isArray(body) ? body.length : 1);
    return fetch(input, init);
  },
});
const client = new ApolloClient({ link, cache: new InMemoryCache() });

const [cubes, dataSources, missing] = await Promise.all([
  client.query({ query: gql`query Cubes { cubes { name } }` }),
  client.query({ query: gql`query DataSources { dataSources { totalCount } }` }),
  client.query({ query: gql`query Missing { cube(name: "Nope") { name } }`, errorPolicy: "all" }),
]);
console.log(JSON.stringify({
  batches,
  cubes: cubes.data,
  dataSources: dataSources.data,
  missing: { data: missing.data, error: missing.error ? missing.error.message : null },
}));
