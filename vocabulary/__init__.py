"""The shared words of patientsim, on the ground floor: personas, protocols and the simulator
all read them, and this package imports none of them.

- `errors.InputProblem`: the base of every "your input is wrong" error (exit 2, no traceback).
- `issues.Issue`: one problem located by its path in a document, formatted `FILE:LINE: ...`.
- `yaml_source`: the one line-aware YAML loader and its limits; `yaml_model`: YAML into
  a pydantic model with `FILE:LINE: field: message` problems.
- `risk`: the one risk ladder, none < low < moderate < high < imminent.
"""

from vocabulary.errors import InputProblem
from vocabulary.issues import Issue, format_issues
from vocabulary.risk import RISK_LEVELS, RISK_ORDER, Risk, risk_rank
from vocabulary.yaml_model import model_from_text, read_document, read_model, validation_problems
from vocabulary.yaml_source import MAX_DEPTH, MAX_FILE_BYTES, MAX_NODES, YamlDocument, parse_yaml

__all__ = [
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_NODES",
    "RISK_LEVELS",
    "RISK_ORDER",
    "InputProblem",
    "Issue",
    "Risk",
    "YamlDocument",
    "format_issues",
    "model_from_text",
    "parse_yaml",
    "read_document",
    "read_model",
    "risk_rank",
    "validation_problems",
]
