"""Cube definitions: the plain model and its Mondrian-style XML parser (no I/O, no drivers)."""

from subgraphs.vision.cube.model import (
    Aggregator,
    CalculatedMember,
    CubeModel,
    Dimension,
    Hierarchy,
    Join,
    Level,
    Measure,
    TableRef,
)
from subgraphs.vision.cube.parser import ParsedDocument, parse_cube_document, parse_cube_file, parse_cube_xml
from subgraphs.vision.cube.problems import CubeWarning, CubeXmlError, Problem

__all__ = [
    "Aggregator",
    "CalculatedMember",
    "CubeModel",
    "CubeWarning",
    "CubeXmlError",
    "Dimension",
    "Hierarchy",
    "Join",
    "Level",
    "Measure",
    "ParsedDocument",
    "Problem",
    "TableRef",
    "parse_cube_document",
    "parse_cube_file",
    "parse_cube_xml",
]
