"""Persistence: PostgreSQL tables of the `weaver` schema and the Neo4j schema graph."""
