"""Independent random streams (common random numbers).

Every source of randomness draws from its own stream, keyed by what it is rather than by the
order of draws: `SeedSequence(seed, spawn_key=(replication, source, *identity))`. Two
arrangements run with one seed therefore see the same students, the same closures and the
same absences for the same staff slot, and any single run can be rebuilt on its own.

A source is named by the module that draws from it (its `streams`). The first sources keep the
numbers they were given; any other name is keyed by its CRC-32, so a new module brings its own
streams without touching this file (and without moving anyone else's draws).
"""

from __future__ import annotations

import zlib

import numpy as np

NUMBERED = {
    "students": 1,
    "absence": 2,
    "episode": 3,
    "attrition": 4,
    "closures": 5,
    "student_absence": 7,
    "absence_propensity": 8,
    "learning_evidence": 9,  # effect sizes drawn for the learning estimate (no replication)
}


def stream(seed: int, replication: int, source: str, *identity: int | str) -> np.random.Generator:
    key = (replication, source_key(source), *(_as_int(part) for part in identity))
    # the generator default_rng would build, built directly (it is much cheaper)
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=key)))


def source_key(source: str) -> int:
    """The number of a source in every stream key."""
    return NUMBERED.get(source) or _as_int(source)


def _as_int(part: int | str) -> int:
    return part if isinstance(part, int) else zlib.crc32(part.encode("utf-8"))
