"""Names that fit a persona's language, race/ethnicity and gender (library/names.yaml).

Each draw is seeded on its own (faker's `seed_instance` or a `random.Random`), so a name
depends only on its seed, never on what was drawn before or in which process.
"""

from __future__ import annotations

import random
from functools import cache

from personas.library import genders, names_table


def name_sources(race_ethnicity: str, language: str) -> list[str]:
    """Name sources that fit: the language's own for non-English speakers, else race/ethnicity's."""
    table = names_table()
    entry = table.languages.get(language)
    if entry is not None and entry.names:
        return list(entry.names)
    return list(table.race_ethnicity.get(race_ethnicity, table.default))


def name_kind(gender_identity: str) -> str:
    """female, male or nonbinary: which first-name set fits the gender identity."""
    entry = genders().get(gender_identity)
    return entry.names if entry is not None else "nonbinary"


@cache
def _faker(locale: str):  # -> faker.Faker (imported lazily: faker is slow to import)
    from faker import Faker

    return Faker(locale)


def first_name(source: str, kind: str, seed: int) -> str:
    custom = names_table().custom.get(source)
    if custom is not None:
        rng = random.Random(seed)
        if kind == "nonbinary":
            kind = rng.choice(["female", "male"])
        return rng.choice(custom.female if kind == "female" else custom.male)
    methods = names_table().faker_methods.get(source, {})
    fake = _faker(source)
    fake.seed_instance(seed)
    return str(getattr(fake, methods.get(kind, f"first_name_{kind}"))())


def last_name(source: str, seed: int) -> str:
    custom = names_table().custom.get(source)
    if custom is not None:
        return random.Random(seed).choice(custom.last)
    methods = names_table().faker_methods.get(source, {})
    fake = _faker(source)
    fake.seed_instance(seed)
    return str(getattr(fake, methods.get("last", "last_name"))())


def locale_tag(language: str, country: str) -> str:
    """`en-US` style tag for a primary language and country (unknown languages: und)."""
    entry = names_table().languages.get(language)
    return f"{entry.code if entry else 'und'}-{country}"
