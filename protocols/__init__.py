"""Therapy protocols as graphs: the YAML format, validation, the walk, and exporters.

Pure domain code and data: no model calls, no import of `simulator`.
"""

from protocols.conditions import Condition, describe, evaluate, parse_condition
from protocols.errors import ProtocolError
from protocols.export import FORMATS, export, to_dot, to_mermaid, to_node_link
from protocols.graph import build_graph
from protocols.json_schema import protocol_json_schema
from protocols.loading import (
    BUILTIN_DIR,
    PROTOCOLS_ENV,
    ProtocolEntry,
    list_protocols,
    load_protocol,
    protocol_from_text,
    resolve_protocol,
)
from protocols.model import Measure, Phase, Protocol, Step, Transition
from protocols.node_link import from_node_link
from protocols.render import overview
from protocols.skeleton import skeleton_yaml
from protocols.validation import check_file, check_text, protocol_from_data, validate_file
from vocabulary.variables import RISK_LEVELS, VariableSpec, session_variables


def next_step(protocol: Protocol, step_id: str, variables: dict) -> str:
    """The step after `step_id` given the session variables (first matching transition, else stay)."""
    return protocol.next_step(step_id, variables)


__all__ = [
    "BUILTIN_DIR",
    "FORMATS",
    "PROTOCOLS_ENV",
    "RISK_LEVELS",
    "Condition",
    "Measure",
    "Phase",
    "Protocol",
    "ProtocolEntry",
    "ProtocolError",
    "Step",
    "Transition",
    "VariableSpec",
    "build_graph",
    "check_file",
    "check_text",
    "describe",
    "evaluate",
    "export",
    "from_node_link",
    "list_protocols",
    "load_protocol",
    "next_step",
    "overview",
    "parse_condition",
    "protocol_from_data",
    "protocol_from_text",
    "protocol_json_schema",
    "resolve_protocol",
    "session_variables",
    "skeleton_yaml",
    "to_dot",
    "to_mermaid",
    "to_node_link",
    "validate_file",
]
