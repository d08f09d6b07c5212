"""Query, mutation and subscription resolvers of the Vision subgraph."""
