"""GraphQL types of the Vision subgraph."""
