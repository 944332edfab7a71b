"""The session as a LangGraph state machine: therapist -> patient -> assess -> (therapist | end).

Compiling costs ~15 ms, so the graph is compiled once per checkpointer and shared by every
session that uses it. Each run passes its own `SessionNodes` as LangGraph's run context (which
is never checkpointed); the nodes here only delegate to it.
"""

from __future__ import annotations

from weakref import WeakKeyDictionary

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime

from simulator.session.nodes import SessionNodes
from simulator.session.state import GraphState

_compiled: WeakKeyDictionary = WeakKeyDictionary()  # checkpointer -> its compiled graph


async def _therapist(state: GraphState, runtime: Runtime[SessionNodes]) -> GraphState:
    return await runtime.context.therapist(state)


async def _patient(state: GraphState, runtime: Runtime[SessionNodes]) -> GraphState:
    return await runtime.context.patient(state)


async def _assess(state: GraphState, runtime: Runtime[SessionNodes]) -> GraphState:
    return await runtime.context.assess(state)


def _route(state: GraphState) -> str:
    return "end" if state.get("end_reason") else "therapist"


def _compile(checkpointer):
    graph = StateGraph(GraphState, context_schema=SessionNodes)
    graph.add_node("therapist", _therapist)
    graph.add_node("patient", _patient)
    graph.add_node("assess", _assess)
    graph.add_edge(START, "therapist")
    graph.add_edge("therapist", "patient")
    graph.add_edge("patient", "assess")
    graph.add_conditional_edges("assess", _route, {"therapist": "therapist", "end": END})
    return graph.compile(checkpointer=checkpointer)


def session_graph(checkpointer):
    """The compiled session graph; run it with `context=SessionNodes(...)`."""
    graph = _compiled.get(checkpointer)
    if graph is None:
        graph = _compiled[checkpointer] = _compile(checkpointer)
    return graph
