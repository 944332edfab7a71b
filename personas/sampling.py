"""Seeded sampling of personas from the library: the same arguments give byte-identical output.

Every persona draws from its own `random.Random`, seeded from (seed, index) through sha256, and
faker is re-seeded for each name, so output never depends on process, hash salt or set order.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from personas.canonical import stable_seed
from personas.distribution import SAMPLING_ORDER, Distribution, canonical_field, weighted_choice
from personas.enums import CommunicationStyle, DisclosureStyle, Modality, Severity, TrajectoryPreset
from personas.errors import PersonaError
from personas.escalation import escalated_clinical
from personas.library import (
    CoreFit,
    clinical_cores,
    core_fit,
    expand_trajectory,
    genders,
    load_distribution,
    occupations,
    styles,
)
from personas.naming import first_name, last_name, locale_tag, name_kind, name_sources
from personas.schema import Demographics, Persona, Style

# Fields `stratify` accepts besides the demographic ones.
PERSONA_STRATA = ("modality", "severity")


def strata_values(field: str, dist: Distribution) -> list[str]:
    if field == "modality":
        return [m.value for m in Modality]
    if field == "severity":
        return [s.value for s in Severity]
    return dist.categories(field)


def stratum_plan(
    n: int, seed: int, fields: Sequence[str], dist: Distribution
) -> list[dict[str, str]]:
    """Assign each of n personas a stratum so that counts per stratum differ by at most 1.

    Strata (the product of the fields' categories) are shuffled once, seeded, then dealt round-robin.
    """
    if not fields:
        return [{} for _ in range(n)]
    combos = [
        dict(zip(fields, values, strict=True))
        for values in itertools.product(*(strata_values(f, dist) for f in fields))
    ]
    random.Random(stable_seed("strata", seed, list(fields))).shuffle(combos)
    return [combos[i % len(combos)] for i in range(n)]


def _education_for(age: int, dist: Distribution, chosen: dict[str, Any], rng: random.Random) -> str:
    table = occupations().education
    weights = {
        c: w for c, w in dist.weights("education", chosen).items() if table[c].min_age <= age
    }
    return weighted_choice(weights or dist.weights("education", chosen), rng)


def _pick_age(dist: Distribution, rng: random.Random, fixed: dict[str, str], fit: CoreFit) -> int:
    """An age from the (fixed or weighted) band, kept inside the ages the core fits where possible."""
    if "age" in fixed:
        band = dist.band(fixed["age"])
    else:
        fitting = {
            b.label: b.weight for b in dist.age if b.max >= fit.min_age and b.min <= fit.max_age
        }
        band = dist.band(weighted_choice(fitting or {b.label: b.weight for b in dist.age}, rng))
    low, high = max(band.min, fit.min_age), min(band.max, fit.max_age)
    return rng.randint(low, high) if low <= high else rng.randint(band.min, band.max)


def sample_demographics(
    dist: Distribution,
    rng: random.Random,
    fixed: dict[str, str],
    name_seed: int,
    fit: CoreFit | None = None,
) -> Demographics:
    """Draw every demographic field (those in `fixed` are given), then what follows from them."""
    fit = fit or CoreFit()
    chosen: dict[str, Any] = {}
    for field in SAMPLING_ORDER:
        if field == "age":
            chosen["age"] = _pick_age(dist, rng, fixed, fit)
        elif field in fixed:
            chosen[field] = fixed[field]
        elif field == "education":
            chosen[field] = _education_for(chosen["age"], dist, chosen, rng)
        else:
            chosen[field] = weighted_choice(dist.weights(field, chosen), rng)
    education = occupations().education[chosen["education"]]
    chosen["age"] = max(chosen["age"], education.min_age)  # a stratified education wins over age
    occupation = rng.choice(education.occupations)
    if fit.occupation:
        occupation = fit.occupation
    elif chosen["age"] >= occupations().retired_from_age:
        occupation = f"retired {occupation}"
    sources = name_sources(chosen["race_ethnicity"], chosen["language"])
    source = sources[rng.randrange(len(sources))]
    kind = name_kind(chosen["gender_identity"])
    name = f"{first_name(source, kind, name_seed)} {last_name(source, name_seed + 1)}"
    return Demographics(
        name=name,
        pronouns=genders()[chosen["gender_identity"]].pronouns,
        locale=locale_tag(chosen["language"], dist.country),
        occupation=occupation,
        name_origin=source,
        **chosen,
    )


def sample_style(rng: random.Random) -> Style:
    table = styles()
    communication = rng.choice(list(CommunicationStyle))
    return Style(
        communication=communication,
        disclosure=rng.choice(list(DisclosureStyle)),
        reactions=rng.sample(table.reactions, 2),
        engagement=table.engagement[communication],
    )


def _cores_fitting(
    modality: Modality, fixed: dict[str, str], dist: Distribution
) -> tuple[Any, ...]:
    """Cores whose ages overlap a stratified age band (all cores when none does)."""
    cores = clinical_cores(modality)
    if "age" not in fixed:
        return cores
    band = dist.band(fixed["age"])
    fitting = tuple(
        c
        for c in cores
        if core_fit(c.core_id).min_age <= band.max and core_fit(c.core_id).max_age >= band.min
    )
    return fitting or cores


def _argument_problems(
    n: int, modality: object, severity: object, fields: list[str], dist: Distribution
) -> list[str]:
    problems: list[str] = []
    if n < 0:
        problems.append(f"n: must be 0 or more, not {n}")
    allowed = [*SAMPLING_ORDER, *PERSONA_STRATA]
    for field in fields:
        if field not in allowed:
            problems.append(f"stratify: unknown field {field!r} (known: {', '.join(allowed)})")
        elif field != "age" and field in SAMPLING_ORDER and not strata_values(field, dist):
            problems.append(
                f"stratify: {field} has no category with positive weight in {dist.name}"
            )
    if modality is not None and "modality" in fields:
        problems.append("stratify: modality is fixed by --modality; drop one of them")
    if severity is not None and "severity" in fields:
        problems.append("stratify: severity is fixed by --severity; drop one of them")
    if len(set(fields)) != len(fields):
        problems.append("stratify: a field is listed twice")
    return problems


def sample(
    n: int,
    seed: int,
    modality: Modality | str | None = None,
    severity: Severity | str | None = None,
    distribution: str | Path = "uniform",
    stratify: Sequence[str] = (),
    trajectory: TrajectoryPreset | str = TrajectoryPreset.stable,
) -> list[Persona]:
    """n personas drawn from the library; deterministic in all arguments.

    modality: pe or cbt (default: each persona picks one, evenly). severity: stratum for all
    (default routine: the cores as written); above routine, a self-harm cognition is woven in
    as `escalate` does, without `escalated_from` since the routine base is never emitted.
    distribution: a shipped name or a YAML file. stratify: fields (demographic, modality,
    severity) whose strata are balanced to within one persona.
    """
    problems: list[str] = []
    if modality is not None and modality not in set(Modality):
        problems.append(f"modality: {modality!r} is not one of {', '.join(Modality)}")
    if severity is not None and severity not in set(Severity):
        problems.append(f"severity: {severity!r} is not one of {', '.join(Severity)}")
    if trajectory not in set(TrajectoryPreset):
        problems.append(f"trajectory: {trajectory!r} is not one of {', '.join(TrajectoryPreset)}")
    dist = load_distribution(distribution)
    fields = [canonical_field(f) for f in stratify]
    problems += _argument_problems(n, modality, severity, fields, dist)
    if problems:
        raise PersonaError(problems)
    modality = Modality(modality) if modality is not None else None
    severity = Severity(severity) if severity is not None else None
    plan = stratum_plan(n, seed, fields, dist)
    events = expand_trajectory(trajectory)
    personas: list[Persona] = []
    for index, fixed in enumerate(plan):
        rng = random.Random(stable_seed("persona", seed, index))
        chosen_modality = Modality(fixed.get("modality") or modality or rng.choice(list(Modality)))
        cores = _cores_fitting(chosen_modality, fixed, dist)
        core = cores[rng.randrange(len(cores))]
        demographics = sample_demographics(
            dist, rng, fixed, stable_seed("name", seed, index), core_fit(core.core_id)
        )
        style = sample_style(rng)
        chosen_severity = Severity(fixed.get("severity") or severity or Severity.routine)
        clinical = (
            core
            if chosen_severity is Severity.routine
            else escalated_clinical(core, chosen_severity)
        )
        personas.append(
            Persona(
                demographics=demographics,
                clinical=clinical,
                style=style,
                severity=chosen_severity,
                trajectory=events,
            )
        )
    return personas
