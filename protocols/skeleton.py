"""The commented starting point `patientsim protocols new NAME` writes."""

from __future__ import annotations

import re
from importlib import resources

from protocols.errors import ProtocolError
from protocols.model import IDENTIFIER_PATTERN


def skeleton_yaml(name: str) -> str:
    """A valid, commented protocol skeleton whose id is `name`."""
    if not re.fullmatch(IDENTIFIER_PATTERN, name):
        raise ProtocolError(
            f"'{name}' cannot be a protocol name: start with a letter and use only letters, digits, _ and -"
        )
    template = (
        resources.files("protocols")
        .joinpath("templates", "skeleton.yaml")
        .read_text(encoding="utf-8")
    )
    title = name.replace("_", " ").replace("-", " ").capitalize()
    return template.replace("__ID__", name).replace("__NAME__", title)
