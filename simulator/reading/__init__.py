"""Reading conversation text like a clinician: sentences, context and disclosed risk.

- `sentences(text)` splits a turn into sentences with their offsets.
- `ContextReader` marks, for a phrase found in a sentence, the ConText modifiers that apply
  to it: negated, hypothetical, historical, other_person, question, echo.
- `grade_disclosure(text, previous)` grades what a patient turn discloses on the C-SSRS
  screener's ladder and maps it onto the project's risk levels; `DisclosureTracker` keeps
  the disclosed current risk across a session.

Pure text code: no model, no I/O beyond the YAML data files beside it.
"""

from simulator.reading.context import Modifier, context_of, find_in_context
from simulator.reading.disclosure import (
    CSSRS_LEVELS,
    Disclosure,
    DisclosureTracker,
    grade_disclosure,
    risk_of_level,
)
from simulator.reading.sentences import Sentence, sentences

__all__ = [
    "CSSRS_LEVELS",
    "Disclosure",
    "DisclosureTracker",
    "Modifier",
    "Sentence",
    "context_of",
    "find_in_context",
    "grade_disclosure",
    "risk_of_level",
    "sentences",
]
