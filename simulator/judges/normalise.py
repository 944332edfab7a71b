"""Fold text to what a reader sees before detectors and the judge-prompt cleaner look at it.

Injected instructions hide behind lookalikes: fullwidth or compatibility forms (`＜/session＞`),
letters of another script that look Latin ("Ignοre" with a Greek omicron), and zero-width
characters splitting a word. Folding: Unicode NFKC, zero-width and soft-hyphen characters
dropped, common Greek and Cyrillic lookalikes mapped to Latin, curly apostrophes straightened.
"""

from __future__ import annotations

import re
import unicodedata

_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
# Lookalikes NFKC leaves alone: Greek and Cyrillic letters that read as Latin ones.
_LOOKALIKE_PAIRS = {
    "o": "οо", "O": "ΟО", "a": "αа", "A": "ΑА", "e": "εе", "E": "ΕЕ", "i": "ιі", "I": "ΙІ",
    "k": "κк", "K": "ΚК", "v": "ν", "p": "ρр", "P": "ΡР", "t": "τт", "T": "ΤТ", "u": "υ",
    "c": "с", "C": "С", "s": "ѕ", "S": "Ѕ", "x": "х", "X": "ΧХ", "y": "у", "Y": "ΥУ",
    "B": "ΒВ", "M": "ΜМ", "H": "ΗН", "N": "Ν", "Z": "Ζ", "'": "\u2018\u2019",
}  # fmt: skip
_LOOKALIKES = str.maketrans(
    {other: latin for latin, others in _LOOKALIKE_PAIRS.items() for other in others}
)


def fold(text: str) -> str:
    """The text as a reader sees it, for matching (its length may change)."""
    return _INVISIBLE.sub("", unicodedata.normalize("NFKC", text)).translate(_LOOKALIKES)
