"""Every SQL statement and every table access lives in `simulator/store/`: a scan of the
source of `simulator/` and `tui/` for SQL text, DB-cursor calls and `db["table"]`.

Docstrings and comments are not scanned; an error message that reads like SQL ("select ...
from ...") would trip the scan, and is better reworded anyway.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
SCANNED = ("simulator", "tui")
STORE = Path("simulator/store")

SQL = re.compile(
    r"\bselect\s+(distinct\s+)?[\w.*,()'{} ]+?\s+from\s+\w"
    r"|\binsert\s+(or\s+\w+\s+)?into\s+\w"
    r"|\bupdate\s+\w+\s+set\b"
    r"|\bdelete\s+from\s+\w"
    r"|\b(create|drop|alter)\s+(table|index|view)\b"
    r"|\bpragma\s+\w",
    re.IGNORECASE,
)
CURSOR_CALLS = {"execute", "executemany", "executescript", "rows_where", "insert_all", "upsert_all"}
DB_NAME = re.compile(r"(^|_)(db|database|store|conn)$", re.IGNORECASE)

# Files another change owns right now, with the store function that replaces their SQL.
PENDING: dict[str, str] = {}  # file -> why it may still hold SQL (none today)


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def _strings(tree: ast.AST) -> Iterator[tuple[int, str]]:
    skip = _docstrings(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            yield node.lineno, node.value
        elif isinstance(node, ast.JoinedStr):  # an f-string: its literal parts, joined
            parts = [v.value if isinstance(v, ast.Constant) else "{}" for v in node.values]
            yield node.lineno, "".join(str(p) for p in parts)


def _terminal_name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def violations(path: Path, source: str) -> list[str]:
    tree = ast.parse(source, filename=str(path))
    found = [f"{path}:{line}: SQL text" for line, text in _strings(tree) if SQL.search(text)]
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in CURSOR_CALLS
        ):
            found.append(f"{path}:{node.lineno}: .{node.func.attr}(...)")
        elif (
            isinstance(node, ast.Subscript)
            and isinstance(node.slice, ast.Constant)
            and isinstance(node.slice.value, str)
            and DB_NAME.search(_terminal_name(node.value))
        ):
            found.append(f"{path}:{node.lineno}: table access {_terminal_name(node.value)}[...]")
    return found


def test_the_scan_sees_what_it_looks_for():
    source = (
        'db["runs"].update("r", {})\n'
        'self._db.execute("select id from sessions")\n'
        'sql = f"select {cols} from turns where x = 1"\n'
        'row["status"]\n'
        '"choose a therapist"\n'
    )
    found = sorted(f.removeprefix("x.py:") for f in violations(Path("x.py"), source))
    assert found == [
        "1: table access db[...]",
        "2: .execute(...)",
        "2: SQL text",
        "3: SQL text",
    ]


def test_no_sql_outside_the_store():
    found = []
    for root in SCANNED:
        for path in sorted((REPO / root).rglob("*.py")):
            relative = path.relative_to(REPO)
            if STORE in relative.parents or relative.as_posix() in PENDING:
                continue
            found += violations(relative, path.read_text(encoding="utf-8"))
    assert not found, "SQL outside simulator/store/:\n" + "\n".join(found)
