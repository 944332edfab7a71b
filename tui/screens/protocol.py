"""Protocol: a protocol graph as a tree of phases and steps, each with goal, rules and transitions."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Select, Static, Tree

from tui.widgets.nav import NavBar


def available_protocols() -> dict[str, object]:
    """Name -> Protocol for every valid protocol on the search path (built-ins included)."""
    from protocols import list_protocols

    return {
        entry.name: entry.protocol
        for entry in list_protocols()
        if entry.protocol is not None and not entry.shadowed
    }


def transition_text(transition) -> str:
    from protocols import describe

    when = describe(transition.condition) if transition.when is not None else "always"
    label = f" [{transition.label}]" if transition.label else ""
    return f"→ {transition.to} when {when}{label}"


def step_details(protocol, step) -> Content:
    """Everything about one step, for the panel beside the tree."""
    parts: list[Content] = [
        Content.styled(f"{step.id}: {step.title}", "bold $text-primary"),
        Content.styled(
            f"phase {step.phase}" + (" · terminal" if step.terminal else ""), "$text-muted"
        ),
        Content.styled("Goal", "bold"),
        Content(step.therapist_goal),
        Content.styled("Patient", "bold"),
        Content(step.patient_context),
    ]
    if step.required:
        parts.append(Content.styled("Required", "bold $text-success"))
        parts += [Content(f"+ {item}") for item in step.required]
    if step.forbidden:
        parts.append(Content.styled("Forbidden", "bold $text-error"))
        parts += [Content(f"- {item}") for item in step.forbidden]
    if step.measures:
        parts.append(Content.styled("Measures", "bold"))
        parts += [
            Content(f"{m.what}: {m.cadence}" + (f" (every {m.n})" if m.n else ""))
            for m in step.measures
        ]
    if step.transitions:
        parts.append(Content.styled("Transitions (first match wins)", "bold"))
        parts += [Content(transition_text(t)) for t in step.transitions]
    return Content("\n").join(parts)


class ProtocolScreen(Screen):
    def __init__(self) -> None:
        super().__init__()
        self.protocols: dict[str, object] = {}
        self.shown: str | None = None

    def compose(self) -> ComposeResult:
        self.protocols = available_protocols()
        names = list(self.protocols)
        first = "pe" if "pe" in names else (names[0] if names else Select.BLANK)
        yield NavBar("protocol", id="nav")
        yield Select(
            [(name, name) for name in names],
            prompt="protocol",
            id="protocol-pick",
            allow_blank=not names,
            value=first,
            compact=True,
        )
        with Horizontal(id="protocol-body"):
            yield Tree("protocol", id="protocol-tree")
            with VerticalScroll(id="protocol-detail-box"):
                yield Static("no valid protocol found", id="protocol-detail")
        yield Footer()

    def on_mount(self) -> None:
        value = self.query_one("#protocol-pick", Select).value
        if isinstance(value, str):
            self.show(value)

    def on_select_changed(self, event: Select.Changed) -> None:
        if isinstance(event.value, str) and event.value in self.protocols:
            if event.value != self.shown:
                self.show(event.value)

    def show(self, name: str) -> None:
        protocol = self.protocols[name]
        self.shown = name
        tree = self.query_one("#protocol-tree", Tree)
        tree.clear()
        tree.root.set_label(Text(f"{protocol.name} v{protocol.version} ({protocol.modality})"))
        tree.root.data = None
        phases = {phase.id: phase.title for phase in protocol.phases}
        phase_nodes = {}
        for step in protocol.steps:
            phase = phase_nodes.get(step.phase)
            if phase is None:
                phase = tree.root.add(Text(phases.get(step.phase, step.phase)), expand=True)
                phase_nodes[step.phase] = phase
            start = " (start)" if step.id == protocol.start else ""
            node = phase.add(Text(f"{step.id}{start}"), data=step.id, expand=False)
            node.add_leaf(Text(f"goal: {step.therapist_goal}"), data=step.id)
            for item in step.required:
                node.add_leaf(Text(f"+ {item}"), data=step.id)
            for item in step.forbidden:
                node.add_leaf(Text(f"- {item}"), data=step.id)
            for transition in step.transitions:
                node.add_leaf(Text(transition_text(transition)), data=step.id)
        tree.root.expand()
        tree.cursor_line = 0
        self.query_one("#nav", NavBar).set_detail(f"{protocol.id}: {len(protocol.steps)} steps")
        self._detail(protocol, protocol.start)

    def _detail(self, protocol, step_id: str | None) -> None:
        box = self.query_one("#protocol-detail", Static)
        if step_id is None:
            box.update(Content(protocol.description))
            return
        box.update(step_details(protocol, protocol.step(step_id)))

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted) -> None:
        select = self.query_one("#protocol-pick", Select)
        protocol = self.protocols.get(str(select.value))
        if protocol is not None:
            self._detail(protocol, event.node.data)
