"""Network analysis of an investigation: the multi-layer graph and its exports."""

from crible.analysis.graph import LAYERS, build_graph

__all__ = ["LAYERS", "build_graph"]
