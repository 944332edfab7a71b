"""The protocol's steps, the current one highlighted and its phase named."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static


class StepList(Static):
    """Steps in protocol order: ▶ current, ✓ visited, · not yet."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.steps: list[tuple[str, str]] = []  # (id, phase)
        self.current: str | None = None
        self.start: str | None = None
        self.visited: set[str] = set()
        self.border_title = "Steps"

    def set_protocol(self, protocol) -> None:
        self.steps = [(step.id, step.phase) for step in protocol.steps] if protocol else []
        self.start = protocol.start if protocol else None
        self.current = self.start
        self.visited = set()
        self.redraw()

    def set_current(self, step: str | None, visited: set[str] | None = None) -> None:
        if visited is not None:
            self.visited = set(visited)
        if self.current and self.current != step:
            self.visited.add(self.current)
        self.current = step
        self.redraw()

    @property
    def phase(self) -> str | None:
        return next((phase for step, phase in self.steps if step == self.current), None)

    def redraw(self) -> None:
        self.border_subtitle = f"phase: {self.phase}" if self.phase else ""
        lines = []
        for step, _phase in self.steps:
            if step == self.current:
                lines.append(Content.styled(f"▶ {step}", "bold reverse $text-primary"))
            elif step in self.visited:
                lines.append(Content.assemble(("✓ ", "$text-success"), step))
            else:
                lines.append(Content.styled(f"· {step}", "$text-muted"))
        self.update(Content("\n").join(lines) if lines else Content("no protocol"))
