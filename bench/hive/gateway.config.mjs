// Hive Gateway's configuration in the benchmarks: like ours, it forwards the client's Authorization header to
// the subgraphs (Weaver and Vision verify it; the bench subgraphs ignore it).
export const gatewayConfig = {
  propagateHeaders: {
    fromClientToSubgraphs({ request }) {
      const authorization = request.headers.get("authorization");
      return authorization ? { authorization } : {};
    },
  },
};
