"""Helpers shared by the gateway tests: test subgraphs, servers, composed fixtures."""
