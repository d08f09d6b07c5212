"""Cube definitions: the plain model and its Mondrian-style XML parser (no I/O, no drivers)."""

from subgraphs.vision.cube.model import (
    Aggregator,
    CalculatedMember,
    CubeModel,
    Dimension,
    Join,
    Level,
    Measure,
    TableRef,
)
from subgraphs.vision.cube.parser import CubeXmlError, parse_cube_file, parse_cube_xml

__all__ = [
    "Aggregator",
    "CalculatedMember",
    "CubeModel",
    "CubeXmlError",
    "Dimension",
    "Join",
    "Level",
    "Measure",
    "TableRef",
    "parse_cube_file",
    "parse_cube_xml",
]
