"""The bar of screens along the top: number keys (or a click) switch between them."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

SCREENS = (
    ("runs", "1", "Runs"),
    ("live", "2", "Live"),
    ("replay", "3", "Replay"),
    ("sweep", "4", "Sweep"),
    ("protocol", "5", "Protocol"),
)


class NavBar(Static):
    def __init__(self, current: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.current = current
        self.detail = ""

    def on_mount(self) -> None:
        self.redraw()

    def set_detail(self, detail: str) -> None:
        self.detail = detail
        self.redraw()

    def redraw(self) -> None:
        parts = []
        for mode, key, title in SCREENS:
            style = "bold reverse $text-primary" if mode == self.current else "$text-muted"
            link = f"[@click=app.switch_mode('{mode}')]"
            parts.append(Content.from_markup(f"{link}[{style}] {key} {title} [/][/]"))
        line = Content(" ").join(parts)
        if self.detail:
            line = line + Content.styled(f"  {self.detail}", "$text-muted")
        self.update(line)
