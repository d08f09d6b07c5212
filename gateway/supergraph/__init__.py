"""The supergraph model: subgraphs, and which of them resolves which field."""

from gateway.supergraph.load import load_supergraph
from gateway.supergraph.model import EntityKey, FieldInGraph, Subgraph, Supergraph, TypeInGraph

__all__ = ["EntityKey", "FieldInGraph", "Subgraph", "Supergraph", "TypeInGraph", "load_supergraph"]
