"""Query and mutation resolvers of the Weaver subgraph."""
