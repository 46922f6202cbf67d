"""Independent random streams (common random numbers).

Every source of randomness draws from its own stream, keyed by what it is rather than by the
order of draws: `SeedSequence(seed, spawn_key=(replication, source, *identity))`. Two
arrangements run with one seed therefore see the same students, the same closures and the
same absences for the same staff slot, and any single run can be rebuilt on its own.
"""

from __future__ import annotations

import zlib

import numpy as np

SOURCES = {
    "students": 1,
    "absence": 2,
    "episode": 3,
    "attrition": 4,
    "closures": 5,
    "order": 6,
    "student_absence": 7,
    "absence_propensity": 8,
    "learning_evidence": 9,  # effect sizes drawn for the learning estimate (no replication)
}


def stream(seed: int, replication: int, source: str, *identity: int | str) -> np.random.Generator:
    key = (replication, SOURCES[source], *(_as_int(part) for part in identity))
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))


def _as_int(part: int | str) -> int:
    return part if isinstance(part, int) else zlib.crc32(part.encode("utf-8"))
