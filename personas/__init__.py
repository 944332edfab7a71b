"""Personas: who the synthetic patient is. Pure domain code and data; calls no model.

from personas import sample, twins, escalate, load_personas

people = sample(20, seed=1, modality="cbt", distribution="us_adults", stratify=["gender", "race"])
pairs = twins(people[0], vary=["race"])              # counterfactual demographic twins
worse = escalate(people[0], to="imminent")           # severity-escalated variant
print(render_card(people[0]), render_intake(people[0], "basic"))
"""

from personas.card import render_card, render_intake
from personas.enums import (
    CommunicationStyle,
    DisclosureStyle,
    Distortion,
    IntakeLevel,
    Modality,
    Risk,
    Severity,
    TrajectoryPreset,
    TraumaType,
)
from personas.errors import PersonaError
from personas.escalation import escalate
from personas.importers import (
    IMPORTERS,
    ImportResult,
    import_mindeval,
    import_personas,
    import_vera_mh,
)
from personas.io import (
    dump_personas,
    find_persona,
    load_personas,
    load_personas_with_lines,
    personas_jsonl,
)
from personas.json_schema import distribution_json_schema, persona_json_schema
from personas.library import (
    clinical_cores,
    core_by_id,
    distribution_names,
    expand_trajectory,
    load_distribution,
)
from personas.sampling import sample
from personas.schema import (
    CBTClinical,
    Demographics,
    History,
    HotSpot,
    PEClinical,
    Persona,
    Source,
    Style,
)
from personas.session_start import starting_values
from personas.trajectory import Effects, Trajectory, TrajectoryEvent
from personas.twins import TWIN_FIELDS, twins

__all__ = [
    "CBTClinical",
    "CommunicationStyle",
    "Demographics",
    "DisclosureStyle",
    "Distortion",
    "Effects",
    "History",
    "HotSpot",
    "IMPORTERS",
    "ImportResult",
    "IntakeLevel",
    "Modality",
    "PEClinical",
    "Persona",
    "PersonaError",
    "Risk",
    "Severity",
    "Source",
    "Style",
    "TWIN_FIELDS",
    "Trajectory",
    "TrajectoryEvent",
    "TrajectoryPreset",
    "TraumaType",
    "clinical_cores",
    "core_by_id",
    "distribution_json_schema",
    "distribution_names",
    "dump_personas",
    "escalate",
    "expand_trajectory",
    "find_persona",
    "import_mindeval",
    "import_personas",
    "import_vera_mh",
    "load_distribution",
    "load_personas",
    "load_personas_with_lines",
    "persona_json_schema",
    "personas_jsonl",
    "sample",
    "render_card",
    "render_intake",
    "starting_values",
    "twins",
]
