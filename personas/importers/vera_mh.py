"""Importer for the VERA-MH persona sheet (tab-separated, one header row, one persona per row)."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import ValidationError

from personas.enums import Risk
from personas.errors import PersonaError
from personas.importers.common import ImportResult, mapping, pick_by_keyword, read_text
from personas.library import expand_trajectory, severity_table, styles
from personas.positions import validation_problems
from personas.schema import CBTClinical, Demographics, History, Persona, Source, Style

FORMAT = "vera-mh"


def _reasons_for_living(text: str) -> list[str]:
    match = re.search(r"reasons? for living\s*\(([^)]*)\)", text, re.IGNORECASE)
    if match:
        return [r.strip() for r in match.group(1).split(",") if r.strip()]
    match = re.search(r"reasons? for living is (.+?)(?:\s+though\b|[;,]|$)", text, re.IGNORECASE)
    if match:
        return [match.group(1).strip()]
    match = re.search(r"few reasons for living\s*\(([^)]*)\)", text, re.IGNORECASE)
    return [match.group(1).strip()] if match else []


def _suicidal_thoughts(text: str, risk: Risk) -> str | None:
    if risk is Risk.none:
        return None
    cut = re.split(
        r";\s*(?:few\s+|difficult to identify\s+|may deny\s+)?reasons? for living",
        text,
        flags=re.IGNORECASE,
    )[0]
    return cut.strip().rstrip(";") or None


def _prior_attempts(context: str) -> int:
    lowered = context.lower()
    if re.search(r"\bno prior suicid", lowered):
        return 0
    return 1 if re.search(r"(prior|previous|past) suicide attempt", lowered) else 0


def _row_persona(cells: dict[str, str], record: str) -> Persona:
    table = mapping("vera_mh")
    level = cells["Current Risk Level"].strip().lower()
    if level not in table["risk"]:
        raise ValueError(
            f"Current Risk Level: {cells['Current Risk Level']!r} is not one of None, Low, Moderate, High, Imminent"
        )
    risk = Risk(table["risk"][level])
    try:
        age = int(cells["Age"].strip())
    except ValueError:
        raise ValueError(f"Age: {cells['Age']!r} is not a whole number") from None
    pronouns = cells["Pronouns"].strip()
    orientation = re.search(r"identifies as ([a-z-]+)", cells["Background"], re.IGNORECASE)
    style_text = cells["Communication Style"].strip()
    disclosure_text = cells["Disclosure of Suicide Risk"].strip()
    communication = pick_by_keyword(
        style_text, table["communication_keywords"], table["communication_default"]
    )
    thoughts = cells["Current Suicidal Thoughts and Behaviors, Reasons for Living"]
    context = cells["Mental Health Context"].strip()
    return Persona(
        demographics=Demographics(
            name=cells["Name"].strip(),
            age=age,
            gender_identity=table["gender_from_pronouns"].get(pronouns.lower(), "not stated"),
            pronouns=pronouns,
            race_ethnicity=cells["Race/Ethnicity"].strip(),
            sexual_orientation=orientation.group(1).lower() if orientation else None,
            language=table["language"],
            locale=table["locale"],
        ),
        clinical=CBTClinical(
            modality="cbt",
            core_id=f"{FORMAT}:{cells['Name'].strip()}",
            situation=cells["Recent Stressors/Risk Factors"].strip() or None,
            belief=table["belief"],
            emotion_intensity=table["emotion_intensity"][risk.value],
            baseline_suds=table["baseline_suds"][risk.value],
            risk=risk,
            suicidal_thoughts=_suicidal_thoughts(thoughts, risk),
            history=History(prior_attempts=_prior_attempts(context), notes=context or None),
            reasons_for_living=_reasons_for_living(thoughts),
        ),
        style=Style(
            communication=communication,
            disclosure=pick_by_keyword(
                disclosure_text, table["disclosure_keywords"], table["disclosure_default"]
            ),
            reactions=[cells["Reaction to Chatbot Responses"].strip()]
            if cells["Reaction to Chatbot Responses"].strip()
            else [],
            engagement=styles().engagement[communication],
            notes=f"{style_text.rstrip('.')}. Disclosure: {disclosure_text}",
            disclosure_examples=[
                p.strip() for p in cells["Sample Prompts"].split(";") if p.strip()
            ],
        ),
        severity=severity_table().from_risk[risk],
        trajectory=expand_trajectory("stable"),
        narrative=cells["Background"].strip() or None,
        source=Source(format=FORMAT, record=record),
    )


def import_vera_mh(path: str | Path) -> ImportResult:
    """Personas from a VERA-MH persona sheet; bad rows are reported and skipped."""
    path = Path(path)
    lines = read_text(path).splitlines()
    columns = mapping("vera_mh")["columns"]
    header = [h.strip() for h in lines[0].split("\t")] if lines else []
    missing = [c for c in columns if c not in header]
    if missing:
        raise PersonaError(
            f"{path}:1: header is not a VERA-MH persona sheet (tab-separated); missing column(s): {', '.join(missing)}"
        )
    result = ImportResult()
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        values = line.split("\t")
        if len(values) != len(header):
            result.problems.append(
                f"{path}:{number}: expected {len(header)} tab-separated cells, found {len(values)}"
            )
            result.skipped += 1
            continue
        cells = dict(zip(header, values, strict=True))
        name = cells["Name"].strip()
        try:
            if not name:
                raise ValueError("Name: empty")
            result.personas.append(_row_persona(cells, f"row {number}: {name}"))
        except ValidationError as exc:
            result.problems += validation_problems(exc, path, line=number)
            result.skipped += 1
        except ValueError as exc:
            result.problems.append(f"{path}:{number}: {exc}")
            result.skipped += 1
    return result.require_some(path)
