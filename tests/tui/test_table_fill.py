"""Table columns are as wide as their widest cell, so ids are never cut to their header."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import DataTable

from tui.widgets.table_fill import MAX_COLUMN_WIDTH, column_widths, refill


def test_each_column_takes_its_widest_cell_or_title_capped():
    rows = [["ses_000000000002", Text("done")], ["s", Text("x" * 100)]]
    assert column_widths(["session", "status"], rows) == [16, MAX_COLUMN_WIDTH]
    assert column_widths(["a long title", "b"], []) == [12, 1]


async def test_refill_replaces_columns_and_rows_with_fixed_widths():
    class One(App):
        def compose(self) -> ComposeResult:
            yield DataTable()

    async with One().run_test() as pilot:
        table = pilot.app.query_one(DataTable)
        refill(table, [("k", "key"), ("v", "value")], [("a", ["alpha", "1"])])
        refill(table, [("k", "key"), ("v", "value")], [("b", ["ses_000000000002", "2"])])
        await pilot.pause()
        assert table.row_count == 1 and table.get_row_index("b") == 0
        widths = [
            column.get_render_width(table) - 2 * table.cell_padding
            for column in table.ordered_columns
        ]
        assert widths == [16, 5]
