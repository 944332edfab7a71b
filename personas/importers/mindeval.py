"""Importer for mind-eval profiles: JSONL, one object per line with `member_attributes`
(name, sex, gender_identity, race, symptoms, ...) and `member_narrative`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from personas.errors import PersonaError
from personas.importers.common import ImportResult, mapping, pick_by_keyword, read_text
from personas.library import expand_trajectory, genders, styles
from personas.positions import validation_problems
from personas.schema import CBTClinical, Demographics, History, Persona, Source, Style

FORMAT = "mindeval"
_HISTORY_FIELDS = (
    ("relationship_status", "relationship"),
    ("living_situation", "lives"),
    ("siblings", "siblings"),
    ("employment_status", "employment"),
    ("sleep_quality", "sleep"),
    ("exercise", "exercise"),
    ("attitude_towards_mindfulness", "attitude to mindfulness"),
    ("anxious_symptoms", "anxiety"),
    ("depressive_symptoms", "depression"),
)


def _text(attrs: dict[str, Any], key: str) -> str | None:
    value = attrs.get(key)
    return str(value).strip() if value not in (None, "") else None


def _level(attrs: dict[str, Any], key: str) -> str:
    value = str(attrs[key]).strip().lower()
    for level in mapping("mindeval")["levels"]:
        if value.startswith(level):
            return level
    raise ValueError(
        f"member_attributes.{key}: {attrs[key]!r} does not start with minimal, mild, moderate or severe"
    )


def _gender(attrs: dict[str, Any]) -> str:
    table = mapping("mindeval")
    identity = str(attrs["gender_identity"]).strip().lower()
    sex = str(attrs.get("sex", "")).strip().lower()
    if sex and identity in table["transgender"] and sex != identity and sex in table["transgender"]:
        return table["transgender"][identity]
    return table["gender_identity"].get(identity, identity)


def _row_persona(attrs: dict[str, Any], narrative: str | None, record: str) -> Persona:
    table = mapping("mindeval")
    missing = [k for k in table["required"] if _text(attrs, k) is None]
    if missing:
        raise ValueError(f"member_attributes: missing {', '.join(missing)}")
    try:
        age = int(attrs["age"])
    except (TypeError, ValueError):
        raise ValueError(f"member_attributes.age: {attrs['age']!r} is not a whole number") from None
    depression, anxiety = _level(attrs, "depressive_symptoms"), _level(attrs, "anxious_symptoms")
    worse = max(depression, anxiety, key=table["levels"].index)
    gender = _gender(attrs)
    race = str(attrs["race"]).strip()
    orientation = _text(attrs, "sexual_orientation")
    profession = _text(attrs, "profession")
    region = _text(attrs, "region")
    communication = pick_by_keyword(
        _text(attrs, "thought_process") or "",
        table["communication_keywords"],
        table["communication_default"],
    )
    notes = "; ".join(
        f"{label}: {attrs[key]}" for key, label in _HISTORY_FIELDS if _text(attrs, key)
    )
    style_notes = " ".join(
        f"{label}: {attrs[key]}."
        for key, label in (
            ("conversation_style", "Conversation style"),
            ("thought_process", "Thought process"),
            ("general_outlook", "Outlook"),
        )
        if _text(attrs, key)
    )
    goal = _text(attrs, "program_goal")
    return Persona(
        demographics=Demographics(
            name=str(attrs["name"]).strip(),
            age=age,
            gender_identity=gender,
            pronouns=genders()[gender].pronouns if gender in genders() else "they/them",
            race_ethnicity=table["race"].get(race.lower(), race),
            sexual_orientation=table["sexual_orientation"].get(
                orientation.lower(), orientation.lower()
            )
            if orientation
            else None,
            language=table["language"],
            locale=table["locale"],
            education=_text(attrs, "education"),
            occupation=profession
            if profession and profession.lower() != "none"
            else _text(attrs, "employment_status"),
            income_band=_text(attrs, "financial_situation"),
            region=region.lower()
            if region and region.lower() in ("urban", "suburban", "rural")
            else None,
        ),
        clinical=CBTClinical(
            modality="cbt",
            core_id=f"{FORMAT}:{record}",
            situation=f"Joined the program to: {goal[0].lower()}{goal[1:]}" if goal else None,
            belief=table["belief"],
            emotion=_text(attrs, "recent_mood"),
            emotion_intensity=table["emotion_intensity"][worse],
            baseline_phq9=table["phq9"][depression],
            baseline_suds=table["suds"][worse],
            risk="none",
            history=History(
                supports=[s for s in [_text(attrs, "support_system")] if s],
                notes=notes or None,
            ),
        ),
        style=Style(
            communication=communication,
            disclosure=table["disclosure"],
            engagement=styles().engagement[communication],
            notes=style_notes or None,
        ),
        severity="routine",
        trajectory=expand_trajectory("stable"),
        narrative=narrative,
        source=Source(format=FORMAT, record=record),
    )


def import_mindeval(path: str | Path) -> ImportResult:
    """Personas from a mind-eval profiles JSONL file; bad lines are reported and skipped."""
    path = Path(path)
    result = ImportResult()
    shaped = False
    for number, line in enumerate(read_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            result.problems.append(
                f"{path}:{number}: not valid JSON ({exc.msg} at column {exc.colno})"
            )
            result.skipped += 1
            continue
        attrs = row.get("member_attributes") if isinstance(row, dict) else None
        if not isinstance(attrs, dict):
            result.problems.append(f"{path}:{number}: member_attributes: missing or not an object")
            result.skipped += 1
            continue
        shaped = True
        narrative = row.get("member_narrative")
        try:
            if narrative is not None and not isinstance(narrative, str):
                raise ValueError("member_narrative: not text")
            name = str(attrs.get("name", "")).strip() or "?"
            result.personas.append(
                _row_persona(attrs, (narrative or "").strip() or None, f"line {number}: {name}")
            )
        except ValidationError as exc:
            result.problems += validation_problems(exc, path, line=number)
            result.skipped += 1
        except ValueError as exc:
            result.problems.append(f"{path}:{number}: {exc}")
            result.skipped += 1
    if not shaped:
        raise PersonaError(
            f"{path}:1: not a mind-eval profiles file: expected JSON lines with member_attributes and member_narrative"
        )
    return result.require_some(path)
