"""Split a turn into sentences, keeping each one's offsets in the turn."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

# A sentence ends at . ! ? (or a run of them, or an ellipsis) followed by space, or at a
# line break. Abbreviations such as "Dr." split wrongly; the cost is a shorter scope.
_BOUNDARY = re.compile(r"(?<=[.!?…])[\"')\]]*\s+|\n+|(?<=[;:])\s+(?=[-–—])")
_QUESTION_START = re.compile(
    r"^\s*(?:and |but |so |ok(?:ay)?,? |hey,? )?"
    r"(?:are|is|am|do|does|did|have|has|had|can|could|would|will|should|shall|may|might|"
    r"was|were|what|how|why|when|where|who|which|r u|ru|u ok|you ok|any(?:one|thing)? )\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Sentence:
    text: str
    start: int  # offset of the first character in the turn
    end: int

    @property
    def is_question(self) -> bool:
        """Ends with a question mark, or opens like a question and has no end mark (chat)."""
        stripped = self.text.rstrip(" \"')]")
        if stripped.endswith("?"):
            return True
        return not stripped.endswith((".", "!")) and bool(_QUESTION_START.match(self.text))


@lru_cache(maxsize=4096)
def sentences(text: str) -> tuple[Sentence, ...]:
    """The sentences of `text`, in order, without surrounding space."""
    found: list[Sentence] = []
    start = 0
    for boundary in [*_BOUNDARY.finditer(text), None]:
        end = boundary.start() if boundary else len(text)
        if boundary is not None and boundary.group().startswith(("'", '"', ")", "]")):
            end += len(boundary.group()) - len(boundary.group().lstrip("\"')]"))
        piece = text[start:end]
        stripped = piece.strip()
        if stripped:
            offset = start + piece.index(stripped)
            found.append(Sentence(stripped, offset, offset + len(stripped)))
        if boundary is not None:
            start = boundary.end()
    return tuple(found)
