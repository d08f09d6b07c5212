"""A toy third subgraph: proves that adding a subgraph takes one registry entry and its own folder."""
