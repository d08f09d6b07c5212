"""GraphQL types of the Weaver subgraph."""
