"""Mutations of valid input files: the edits a hurried user (or a broken tool) makes.

A mutation is a list of edits; each edit is data (op, position, other position, value), so
hypothesis can draw and shrink them and a seeded `random.Random` can draw them too.
"""

from __future__ import annotations

import random
from typing import Any

from hypothesis import strategies as st

OPS = ("delete", "duplicate", "swap", "truncate", "insert", "replace_value", "indent", "line")
# characters with meaning in YAML or JSON, a NUL, a tab, non-ASCII; no digits, so that a
# count like `n: 8` never grows into a grid that takes minutes to build
INSERTS = [":", "-", "[", "]", "{", "}", ",", "'", '"', "#", "&", "*", "!", "|", ">", "%", "@",
           "\t", "\x00", "é", "\u202e", "\n", " ", "\\", "?"]  # fmt: skip
VALUES = [
    "", "null", "~", "-1", "0", "1e999", ".nan", "[]", "{}", "'", '"unterminated', "&anchor",
    "*nowhere", "!!python/object/apply:os.system ['true']", "yes", "0x1F", "2026-01-01",
    "99999999999999999999999", "[1, [2, [3]]]", "{a: {b: {c: d}}}", "- item", "é \u202e", "nan",
    "true", "routine", "pe", "scripted/nope", "openai/gpt-4o-mini", "../../etc/passwd",
]  # fmt: skip

Edit = tuple[str, int, int, str]


def apply(text: str, edits: list[Edit]) -> str:
    for op, a, b, value in edits:
        lines = text.splitlines(keepends=True) or [""]
        i, j = a % len(lines), b % len(lines)
        if op == "delete":
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "swap":
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "truncate":
            text = text[: a % (len(text) + 1)]
            continue
        elif op == "insert":
            at = a % (len(text) + 1)
            text = text[:at] + value + text[at:]
            continue
        elif op == "replace_value":
            key, colon, _ = lines[i].partition(":")
            if colon:
                lines[i] = f"{key}: {value}\n"
        elif op == "indent":
            lines[i] = ("  " + lines[i]) if b % 2 else lines[i].removeprefix("  ")
        elif op == "line":
            lines.insert(i, value + "\n")
        text = "".join(lines)
    return text


def edit_strategy() -> st.SearchStrategy[Edit]:
    return st.tuples(
        st.sampled_from(OPS),
        st.integers(0, 10_000),
        st.integers(0, 10_000),
        st.one_of(st.sampled_from(INSERTS), st.sampled_from(VALUES), st.text(max_size=12)),
    )


def mutations() -> st.SearchStrategy[list[Edit]]:
    return st.lists(edit_strategy(), min_size=1, max_size=4)


def random_edits(rng: random.Random) -> list[Edit]:
    """The same kind of edits, drawn from a seeded generator (for the CLI cases)."""
    return [
        (
            rng.choice(OPS),
            rng.randrange(10_000),
            rng.randrange(10_000),
            rng.choice(INSERTS + VALUES),
        )
        for _ in range(rng.randint(1, 4))
    ]


def documents() -> st.SearchStrategy[Any]:
    """Arbitrary YAML-able data: the right file read by the wrong loader, or nonsense."""
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-5, 50),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=16),
    )
    return st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
        ),
        max_leaves=16,
    )
