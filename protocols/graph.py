"""A protocol as a networkx DiGraph: step data on nodes, transitions on edges."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import networkx as nx

    from protocols.model import Protocol

# Protocol fields kept as graph attributes (everything but the steps).
GRAPH_FIELDS = ("id", "name", "version", "modality", "description", "start", "variables", "phases")


def build_graph(protocol: Protocol) -> nx.DiGraph:
    """A frozen DiGraph. Edges carry `order` (position in the step's transitions), `when`, `label`."""
    import networkx as nx  # on first use: a session never needs the graph object

    data = protocol.model_dump(mode="json")
    graph = nx.DiGraph(**{key: data[key] for key in GRAPH_FIELDS})
    for step in data["steps"]:
        attributes = {key: value for key, value in step.items() if key not in ("id", "transitions")}
        graph.add_node(step["id"], **attributes)
    for step in data["steps"]:
        for order, transition in enumerate(step["transitions"]):
            graph.add_edge(
                step["id"],
                transition["to"],
                order=order,
                when=transition["when"],
                label=transition["label"],
            )
    return nx.freeze(graph)
