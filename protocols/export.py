"""Protocol exporters (Mermaid, Graphviz DOT, networkx node-link JSON) and the JSON importer."""

from __future__ import annotations

import json
import re
from typing import Any

from protocols.graph import build_graph
from protocols.model import Protocol, Step, Transition
from vocabulary.conditions import describe

FORMATS = ("mermaid", "dot", "json")
_MERMAID_RESERVED = {
    "end",
    "graph",
    "flowchart",
    "subgraph",
    "style",
    "class",
    "classdef",
    "click",
    "linkstyle",
    "direction",
    "default",
}


def export(protocol: Protocol, fmt: str) -> str:
    """The protocol in `fmt` (mermaid, dot or json)."""
    if fmt == "mermaid":
        return to_mermaid(protocol)
    if fmt == "dot":
        return to_dot(protocol)
    if fmt == "json":
        return json.dumps(to_node_link(protocol), indent=2, ensure_ascii=False) + "\n"
    raise ValueError(f"unknown export format {fmt!r} (use one of {', '.join(FORMATS)})")


def edge_text(order: int, transition: Transition) -> str:
    """`1. habituation: suds <= suds_peak - 20` — numbered because the first match wins."""
    condition = describe(transition.condition)
    text = f"{transition.label}: {condition}" if transition.label else condition
    return f"{order + 1}. {text}"


# ---------------------------------------------------------------- mermaid


def to_mermaid(protocol: Protocol) -> str:
    ids = _mermaid_ids(protocol)
    lines = ["flowchart TD", f"    %% {protocol.id} v{protocol.version}: {protocol.name}"]
    lines.append(f"    start_marker((start)) --> {ids[protocol.start]}")
    phase_titles = {phase.id: phase.title for phase in protocol.phases}
    for phase, steps in _by_phase(protocol).items():
        lines.append(
            f'    subgraph phase_{_safe(phase)} ["{_mermaid_text(phase_titles.get(phase, phase))}"]'
        )
        for step in steps:
            label = (
                _mermaid_text(f"{step.title}")
                + "<br/><small>"
                + _mermaid_text(step.id)
                + "</small>"
            )
            shape = f'(["{label}"])' if step.terminal else f'["{label}"]'
            lines.append(f"        {ids[step.id]}{shape}")
        lines.append("    end")
    for step in protocol.steps:
        for order, transition in enumerate(step.transitions):
            text = _mermaid_text(edge_text(order, transition))
            lines.append(f'    {ids[step.id]} -->|"{text}"| {ids[transition.to]}')
    terminals = [ids[step_id] for step_id in protocol.terminal_steps]
    lines.append("    classDef terminal stroke-width:3px")
    if terminals:
        lines.append(f"    class {','.join(terminals)} terminal")
    return "\n".join(lines) + "\n"


def _mermaid_ids(protocol: Protocol) -> dict[str, str]:
    ids: dict[str, str] = {}
    used: set[str] = {"start_marker"}
    for step in protocol.steps:
        candidate = _safe(step.id)
        if candidate.lower() in _MERMAID_RESERVED or candidate in used:
            candidate = f"step_{candidate}"
        while candidate in used:
            candidate += "_"
        used.add(candidate)
        ids[step.id] = candidate
    return ids


def _mermaid_text(text: str) -> str:
    """Mermaid label text: entity codes for characters its parser or HTML would take."""
    replacements = {"&": "#38;", '"': "#quot;", "<": "#60;", ">": "#62;", "|": "#124;", "\n": " "}
    return "".join(replacements.get(char, char) for char in text)


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", text)


def _by_phase(protocol: Protocol) -> dict[str, list[Step]]:
    groups: dict[str, list[Step]] = {phase.id: [] for phase in protocol.phases}
    for step in protocol.steps:
        groups.setdefault(step.phase, []).append(step)
    return {phase: steps for phase, steps in groups.items() if steps}


# ---------------------------------------------------------------- graphviz


def to_dot(protocol: Protocol) -> str:
    lines = [f"digraph {_dot(protocol.id)} {{"]
    lines.append(
        f"    graph [label={_dot(f'{protocol.name} (v{protocol.version})')}, labelloc=t, rankdir=TB];"
    )
    lines.append('    node [shape=box, style=rounded, fontname="Helvetica"];')
    lines.append('    edge [fontname="Helvetica", fontsize=10];')
    lines.append('    "__start__" [shape=point, label=""];')
    phase_titles = {phase.id: phase.title for phase in protocol.phases}
    for phase, steps in _by_phase(protocol).items():
        lines.append(f"    subgraph {_dot('cluster_' + phase)} {{")
        lines.append(f"        label={_dot(phase_titles.get(phase, phase))};")
        for step in steps:
            extra = ", peripheries=2" if step.terminal else ""
            lines.append(
                f"        {_dot(step.id)} [label={_dot(step.title + chr(10) + '(' + step.id + ')')}{extra}];"
            )
        lines.append("    }")
    lines.append(f'    "__start__" -> {_dot(protocol.start)};')
    for step in protocol.steps:
        for order, transition in enumerate(step.transitions):
            lines.append(
                f"    {_dot(step.id)} -> {_dot(transition.to)} [label={_dot(edge_text(order, transition))}];"
            )
    lines.append("}")
    return "\n".join(lines) + "\n"


def _dot(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


# ---------------------------------------------------------------- node-link JSON


def to_node_link(protocol: Protocol) -> dict[str, Any]:
    """networkx node-link data (`nx.node_link_graph(data, edges="edges")` reads it back)."""
    graph = build_graph(protocol)
    return {
        "directed": True,
        "multigraph": False,
        "graph": dict(graph.graph),
        "nodes": [{"id": node, **graph.nodes[node]} for node in graph.nodes],
        "edges": [
            {"source": step.id, "target": transition.to, **graph.edges[step.id, transition.to]}
            for step in protocol.steps
            for transition in step.transitions
        ],
    }
