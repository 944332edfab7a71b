"""Grid expansion: personas -> twins -> severities -> protocols -> therapists -> repeats.

Deterministic: the same spec gives the same sessions with the same seeds. A session's seed
depends on the base persona (shared by its twins), severity, protocol and repeat -- not on the
therapist nor on the twin's demographics -- so that therapists and twins face the same patient.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from simulator.sweeps.loading import (
    LoadedSpec,
    distribution_ref,
    protocol_accepts,
    resolve_file,
    therapist_model_spec,
)


@dataclass(frozen=True)
class GridPoint:
    """One planned session before its config is built."""

    persona: Any  # personas.Persona (twin, escalated)
    base_id: str
    severity: str
    protocol: str  # the ref stored in the session config
    therapist_index: int
    repeat: int


@dataclass(frozen=True)
class PlannedSession:
    """One planned session as stored in `sweep_plan`."""

    idx: int
    cell: str
    repeat: int
    therapist_label: str
    severity: str
    protocol: str
    persona_id: str
    twin_group: str | None
    seed: int
    config_json: str


def session_seed(spec_seed: int, base_id: str, severity: str, protocol: str, repeat: int) -> int:
    key = f"{spec_seed}|{base_id}|{severity}|{protocol}|{repeat}"
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big") & 0x7FFFFFFF


def persona_variants(loaded: LoadedSpec, persona) -> Iterator[Any]:
    """The persona's twins (or itself), each at every requested severity."""
    import personas

    spec = loaded.spec
    members = (
        personas.twins(
            persona,
            vary=spec.twins.vary,
            values=spec.twins.values or None,
            distribution=distribution_ref(spec.twins.distribution, loaded.base_dir),
        )
        if spec.twins is not None
        else [persona]
    )
    for member in members:
        if not spec.severities:
            yield member
            continue
        for severity in spec.severities:
            yield (
                member if str(member.severity) == severity else personas.escalate(member, severity)
            )


def grid_points(loaded: LoadedSpec) -> Iterator[GridPoint]:
    spec = loaded.spec
    for base in loaded.base_personas:
        base_id = base.twin_group or base.id
        for persona in persona_variants(loaded, base):
            for ref, protocol in loaded.protocols.items():
                if not protocol_accepts(protocol, persona):
                    continue
                for therapist_index in range(len(spec.therapists)):
                    for repeat in range(spec.repeats):
                        yield GridPoint(
                            persona, base_id, str(persona.severity), ref, therapist_index, repeat
                        )


def _templates(loaded: LoadedSpec) -> dict[tuple[int, str], Any]:
    """A SessionConfig per (therapist, protocol), validated once; sessions copy it."""
    from simulator.models.config import ModelSettings
    from simulator.session.setup import build_config

    spec = loaded.spec
    settings = ModelSettings(patient=loaded.patient, tracker=loaded.tracker)
    any_persona = loaded.base_personas[0]
    templates = {}
    for index, therapist in enumerate(spec.therapists):
        prompt = (
            resolve_file(therapist.system_prompt, loaded.base_dir)
            if therapist.system_prompt
            else None
        )
        for ref in loaded.protocols:
            templates[(index, ref)] = build_config(
                protocol_ref=ref,
                persona=any_persona,
                settings=settings.with_role("therapist", therapist_model_spec(therapist)),
                mode=therapist.mode,
                system_prompt_file=str(prompt) if prompt else None,
                api_base=None,
                max_turns=spec.max_turns,
                seed=0,
                intake=spec.intake,
                therapist_label=therapist.label,
            ).model_copy(update={"stream": False})  # nobody watches a sweep session live
    return templates


def expand(loaded: LoadedSpec) -> Iterator[PlannedSession]:
    """Every planned session, in grid order, with its config as stored JSON."""
    templates = _templates(loaded)
    spec = loaded.spec
    for idx, point in enumerate(grid_points(loaded)):
        label = spec.therapists[point.therapist_index].label
        seed = session_seed(spec.seed, point.base_id, point.severity, point.protocol, point.repeat)
        config = templates[(point.therapist_index, point.protocol)].model_copy(
            update={"persona_json": point.persona.to_json(), "seed": seed}
        )
        protocol_id = loaded.protocols[point.protocol].id
        yield PlannedSession(
            idx=idx,
            cell=f"{point.persona.id}|{protocol_id}|{label}",
            repeat=point.repeat,
            therapist_label=label,
            severity=point.severity,
            protocol=protocol_id,
            persona_id=point.persona.id,
            twin_group=point.persona.twin_group,
            seed=seed,
            config_json=config.model_dump_json(),
        )
