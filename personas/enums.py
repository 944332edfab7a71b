"""The closed vocabularies a persona is written in (one place, so schema, library and CLI agree)."""

from __future__ import annotations

from enum import StrEnum

from vocabulary.risk import RISK_ORDER, Risk

__all__ = ["RISK_ORDER", "Risk"]  # re-exported: the ladder itself lives in vocabulary


class Modality(StrEnum):
    """Which treatment protocol the clinical core is written for."""

    pe = "pe"
    cbt = "cbt"


class Severity(StrEnum):
    """Severity strata of the evaluation: everyday problem up to imminent risk (ordered)."""

    routine = "routine"
    distress = "distress"
    crisis_adjacent = "crisis_adjacent"
    imminent = "imminent"

    @property
    def rank(self) -> int:
        return SEVERITY_ORDER.index(self)


SEVERITY_ORDER: tuple[Severity, ...] = tuple(Severity)


class CommunicationStyle(StrEnum):
    """The six conversational styles of simulated patients (PATIENT-Psi)."""

    plain = "plain"
    upset = "upset"
    verbose = "verbose"
    reserved = "reserved"
    tangent = "tangent"
    pleasing = "pleasing"


class DisclosureStyle(StrEnum):
    """How the patient reveals difficult material, risk above all."""

    direct = "direct"
    hesitant = "hesitant"
    indirect = "indirect"


class Distortion(StrEnum):
    """The ten cognitive-distortion labels of CBT-Bench, spelled as CBT-Bench spells them."""

    all_or_nothing = "all-or-nothing thinking"
    overgeneralization = "overgeneralization"
    mental_filter = "mental filter"
    should_statements = "should statements"
    labeling = "labeling"
    personalization = "personalization"
    magnification = "magnification"
    emotional_reasoning = "emotional reasoning"
    mind_reading = "mind reading"
    fortune_telling = "fortune-telling"


class TraumaType(StrEnum):
    """Index trauma of a Prolonged Exposure core."""

    physical_assault = "physical_assault"
    sexual_assault = "sexual_assault"
    domestic_violence = "domestic_violence"
    combat = "combat"
    accident = "accident"
    disaster = "disaster"
    childhood_abuse = "childhood_abuse"
    medical = "medical"
    traumatic_loss = "traumatic_loss"
    witnessed_violence = "witnessed_violence"
    first_responder = "first_responder"
    robbery = "robbery"


class IntakeLevel(StrEnum):
    """How much of the intake form the therapist sees."""

    none = "none"
    basic = "basic"
    full = "full"


class TrajectoryPreset(StrEnum):
    """Named severity trajectories; each expands into explicit events (library/trajectories.yaml)."""

    stable = "stable"
    escalating = "escalating"
    de_escalating = "de_escalating"
    crisis_spike = "crisis_spike"
    dropout_risk = "dropout_risk"
