"""The session as a LangGraph state machine: therapist -> patient -> assess -> (therapist | end)."""

from __future__ import annotations

from langgraph.graph import END, START, StateGraph

from simulator.session.nodes import SessionNodes
from simulator.session.state import GraphState


def build_graph(nodes: SessionNodes, checkpointer=None):
    graph = StateGraph(GraphState)
    graph.add_node("therapist", nodes.therapist)
    graph.add_node("patient", nodes.patient)
    graph.add_node("assess", nodes.assess)
    graph.add_edge(START, "therapist")
    graph.add_edge("therapist", "patient")
    graph.add_edge("patient", "assess")
    graph.add_conditional_edges("assess", nodes.route, {"therapist": "therapist", "end": END})
    return graph.compile(checkpointer=checkpointer)
