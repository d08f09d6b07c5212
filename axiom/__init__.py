"""Shared pieces of Axiom used by the gateway and both subgraphs.

Settings, JWT auth, logging, health, metrics, embedded servers and the CLI live here once.
"""
