"""Loading the shipped library (personas/library/): clinical cores, distributions and the small
tables that keep names, pronouns, occupations, styles and severity consistent."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from personas.distribution import CATEGORICAL_FIELDS, Conditional, Distribution
from personas.enums import CommunicationStyle, Modality, Risk, Severity, TrajectoryPreset
from personas.errors import PersonaError
from personas.positions import Located, load_located, validation_problems
from personas.schema import CBTClinical, Clinical, PEClinical
from personas.trajectory import Trajectory, TrajectoryEvent

LIBRARY_DIR = Path(__file__).parent / "library"
DISTRIBUTIONS_DIR = LIBRARY_DIR / "distributions"
_STRICT = ConfigDict(extra="forbid", frozen=True)


def _validated(path: Path, model: Any, located: Located | None = None) -> Any:
    located = located or load_located(path)
    try:
        return TypeAdapter(model).validate_python(located.data)
    except ValidationError as exc:
        raise PersonaError(validation_problems(exc, path, located)) from None


# --- small tables -----------------------------------------------------------------------------


class GenderEntry(BaseModel):
    model_config = _STRICT
    pronouns: str = Field(description="Pronouns that follow this gender identity.")
    names: str = Field(
        pattern="^(female|male|nonbinary)$", description="First-name set to draw from."
    )


class LanguageEntry(BaseModel):
    model_config = _STRICT
    code: str = Field(pattern=r"^[a-z]{2,3}$", description="ISO 639 code used in locale tags.")
    names: list[str] = Field(
        default_factory=list, description="Name sources for speakers of this language."
    )


class CustomNames(BaseModel):
    model_config = _STRICT
    female: list[str] = Field(min_length=1, description="Female first names.")
    male: list[str] = Field(min_length=1, description="Male first names.")
    last: list[str] = Field(min_length=1, description="Family names.")


class NamesTable(BaseModel):
    model_config = _STRICT
    default: list[str] = Field(min_length=1, description="Name sources when nothing else applies.")
    languages: dict[str, LanguageEntry] = Field(
        description="Primary language -> code and name sources."
    )
    race_ethnicity: dict[str, list[str]] = Field(description="Race/ethnicity -> name sources.")
    faker_methods: dict[str, dict[str, str]] = Field(
        default_factory=dict, description="Faker method names per locale."
    )
    custom: dict[str, CustomNames] = Field(
        default_factory=dict, description="Name lists not taken from faker."
    )


class EducationEntry(BaseModel):
    model_config = _STRICT
    min_age: int = Field(ge=13, description="Youngest plausible age with this education.")
    occupations: list[str] = Field(min_length=1, description="Occupations to draw from.")


class OccupationsTable(BaseModel):
    model_config = _STRICT
    retired_from_age: int = Field(
        description="From this age a sampled occupation reads 'retired ...'."
    )
    education: dict[str, EducationEntry] = Field(
        description="Education level -> min age and occupations."
    )


class StylesTable(BaseModel):
    model_config = _STRICT
    engagement: dict[CommunicationStyle, int] = Field(
        description="Starting engagement per communication style."
    )
    reactions: list[str] = Field(min_length=2, description="Reaction tendencies to draw from.")


class Stratum(BaseModel):
    model_config = _STRICT
    risk: Risk = Field(description="Risk of a persona sampled or escalated to this stratum.")


class SeverityTable(BaseModel):
    model_config = _STRICT
    strata: dict[Severity, Stratum] = Field(description="Per severity stratum.")
    from_risk: dict[Risk, Severity] = Field(
        description="Stratum of an imported persona with this risk."
    )


class EscalationEntry(BaseModel):
    model_config = _STRICT
    suicidal_thoughts: str = Field(description="Description of the risk at this stratum.")
    cbt: list[str] = Field(
        min_length=1, description="Cognitions appended to a CBT automatic thought."
    )
    pe: list[str] = Field(
        min_length=1, description="Cognitions appended to a PE hot-spot cognition."
    )


class PresetEntry(BaseModel):
    model_config = _STRICT
    description: str = Field(description="What the preset models.")
    events: list[TrajectoryEvent] = Field(description="Its events.")


@cache
def genders() -> dict[str, GenderEntry]:
    return _validated(LIBRARY_DIR / "genders.yaml", dict[str, GenderEntry])


@cache
def names_table() -> NamesTable:
    return _validated(LIBRARY_DIR / "names.yaml", NamesTable)


@cache
def occupations() -> OccupationsTable:
    return _validated(LIBRARY_DIR / "occupations.yaml", OccupationsTable)


@cache
def styles() -> StylesTable:
    return _validated(LIBRARY_DIR / "styles.yaml", StylesTable)


@cache
def severity_table() -> SeverityTable:
    return _validated(LIBRARY_DIR / "severity.yaml", SeverityTable)


@cache
def escalation_table() -> dict[Severity, EscalationEntry]:
    return _validated(LIBRARY_DIR / "escalation.yaml", dict[Severity, EscalationEntry])


@cache
def trajectory_presets() -> dict[TrajectoryPreset, PresetEntry]:
    return _validated(LIBRARY_DIR / "trajectories.yaml", dict[TrajectoryPreset, PresetEntry])


def expand_trajectory(preset: TrajectoryPreset | str) -> Trajectory:
    """The explicit events of a named preset."""
    try:
        name = TrajectoryPreset(preset)
    except ValueError:
        known = ", ".join(TrajectoryPreset)
        raise PersonaError(f"trajectory: unknown preset {preset!r} (known: {known})") from None
    return Trajectory(preset=name, events=list(trajectory_presets()[name].events))


# --- clinical cores ---------------------------------------------------------------------------


class CoreFit(BaseModel):
    """Who a library core fits: sampling keeps age (and occupation) consistent with the story."""

    model_config = _STRICT
    min_age: int = Field(18, ge=13, le=110, description="Youngest age the story fits.")
    max_age: int = Field(110, ge=13, le=110, description="Oldest age the story fits.")
    occupation: str | None = Field(None, description="Occupation the story implies, if any.")


_FIT_KEYS = ("min_age", "max_age", "occupation")


def _load_cores(
    path: Path, modality: Modality
) -> tuple[tuple[PEClinical | CBTClinical, CoreFit], ...]:
    located = load_located(path)
    if not isinstance(located.data, list):
        raise PersonaError(f"{path}:1: expected a list of clinical cores")
    cores: list[tuple[PEClinical | CBTClinical, CoreFit]] = []
    problems: list[str] = []
    adapter = TypeAdapter(Clinical)
    for index, raw in enumerate(located.data):
        if not isinstance(raw, dict) or "id" not in raw:
            problems.append(f"{path}:{located.line_of((index,))}: a core needs an id")
            continue
        data = {k: v for k, v in raw.items() if k != "id" and k not in _FIT_KEYS}
        data.update(core_id=raw["id"], modality=modality.value, risk=Risk.none.value)
        try:
            fit = CoreFit.model_validate({k: raw[k] for k in _FIT_KEYS if k in raw})
            cores.append((adapter.validate_python(data), fit))
        except ValidationError as exc:
            problems += validation_problems(exc, path, located, prefix=(index,))
    ids = [core.core_id for core, _ in cores]
    problems += [
        f"{path}:1: duplicate core id {i}" for i in sorted({i for i in ids if ids.count(i) > 1})
    ]
    if problems:
        raise PersonaError(problems)
    return tuple(cores)


@cache
def _cores_with_fit(modality: Modality) -> tuple[tuple[PEClinical | CBTClinical, CoreFit], ...]:
    return _load_cores(LIBRARY_DIR / f"{modality.value}_cores.yaml", modality)


def clinical_cores(modality: Modality | str) -> tuple[PEClinical | CBTClinical, ...]:
    """The shipped cores of one modality, in file order (all at routine severity, risk none)."""
    return tuple(core for core, _ in _cores_with_fit(Modality(modality)))


def core_fit(core_id: str | None) -> CoreFit:
    """Ages and occupation a library core fits (no constraint for cores not in the library)."""
    for modality in Modality:
        for core, fit in _cores_with_fit(modality):
            if core.core_id == core_id:
                return fit
    return CoreFit()


def core_by_id(core_id: str) -> PEClinical | CBTClinical:
    for modality in Modality:
        for core in clinical_cores(modality):
            if core.core_id == core_id:
                return core
    raise PersonaError(f"clinical core {core_id!r} is not in the library")


# --- distributions ----------------------------------------------------------------------------


def distribution_names() -> list[str]:
    return sorted(p.stem for p in DISTRIBUTIONS_DIR.glob("*.yaml"))


def _cross_check(dist: Distribution, path: Path, located: Located) -> list[str]:
    """Categories the name/pronoun/occupation tables must know, checked against the library."""
    known = {
        "gender_identity": set(genders()),
        "education": set(occupations().education),
        "language": set(names_table().languages),
        "region": {"urban", "suburban", "rural"},
    }
    problems: list[str] = []
    for field, allowed in known.items():
        table = getattr(dist, field)
        for category in dist.categories(field):
            if category not in allowed:
                loc: tuple[Any, ...] = (field, category)
                if isinstance(table, Conditional):
                    loc = (field,)
                problems.append(
                    f"{path}:{located.line_of(loc)}: {field}: unknown category {category!r} "
                    f"(known: {', '.join(sorted(allowed))})"
                )
    return problems


def load_distribution(name_or_path: str | Path) -> Distribution:
    """A shipped distribution by name (uniform, us_adults) or a YAML file of the same shape."""
    text = str(name_or_path)
    candidate = DISTRIBUTIONS_DIR / f"{text}.yaml"
    if "/" not in text and not text.endswith((".yaml", ".yml")) and candidate.exists():
        path = candidate
    else:
        path = Path(text)
        if not path.exists():
            known = ", ".join(distribution_names())
            raise PersonaError(f"{text}:1: no such distribution file or name (names: {known})")
    located = load_located(path)
    if not isinstance(located.data, dict):
        raise PersonaError(
            f"{path}:1: a distribution is a mapping (see {DISTRIBUTIONS_DIR / 'uniform.yaml'})"
        )
    dist = _validated(path, Distribution, located)
    problems = _cross_check(dist, path, located)
    if problems:
        raise PersonaError(problems)
    return dist


__all__ = [
    "CATEGORICAL_FIELDS",
    "clinical_cores",
    "core_by_id",
    "core_fit",
    "distribution_names",
    "expand_trajectory",
    "load_distribution",
]
