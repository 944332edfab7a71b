"""Refill a DataTable with column widths measured here, before anything is drawn.

DataTable measures auto-width columns on its next idle tick, but a frame painted
between `add_row` and that tick is cached with the old widths and can stay on
screen (ids cut to their header's width). Fixed widths leave nothing to race.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import DataTable

Cell = str | Text
MAX_COLUMN_WIDTH = 40  # a long model name or label is cut here, not the whole table widened


def _plain(cell: Cell) -> str:
    return cell.plain if isinstance(cell, Text) else cell


def column_widths(
    titles: Sequence[str], rows: Sequence[Sequence[Cell]], limit: int = MAX_COLUMN_WIDTH
) -> list[int]:
    """The width each column needs: its widest cell or title, at most `limit`."""
    widths = [cell_len(title) for title in titles]
    for cells in rows:
        for index, cell in enumerate(cells):
            widths[index] = max(widths[index], cell_len(_plain(cell)))
    return [min(width, limit) for width in widths]


def refill(
    table: DataTable,
    columns: Sequence[tuple[str, str]],
    rows: Sequence[tuple[str | None, Sequence[Cell]]],
) -> None:
    """Replace the table's columns `(key, title)` and rows `(row key, cells)`."""
    widths = column_widths([title for _, title in columns], [cells for _, cells in rows])
    table.clear(columns=True)
    for (key, title), width in zip(columns, widths, strict=True):
        table.add_column(title, key=key, width=width)
    for key, cells in rows:
        table.add_row(*cells, key=key)
