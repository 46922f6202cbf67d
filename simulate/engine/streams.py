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
from functools import lru_cache

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
POOL_WORDS = 4  # a SeedSequence's pool (numpy's default): a short seed is padded to it


def stream(seed: int, replication: int, source: str, *identity: int | str) -> np.random.Generator:
    """The generator `default_rng(SeedSequence(seed, spawn_key=key))` would build, built directly.

    A SeedSequence reads its seed and key as 32-bit words, the seed padded to its pool when a
    key follows. Handed those words as one array it hashes the same numbers, without converting
    each number on its own: a run builds a few streams per adult, and this halves their cost."""
    words = list(_seed_words(seed))
    words += _words(replication)
    words += _words(source_key(source))
    for part in identity:
        words += _words(_as_int(part))
    entropy = np.array(words, dtype=np.uint32)
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(entropy)))


def source_key(source: str) -> int:
    """The number of a source in every stream key."""
    return NUMBERED.get(source) or _as_int(source)


def _as_int(part: int | str) -> int:
    return part if isinstance(part, int) else zlib.crc32(part.encode("utf-8"))


@lru_cache(maxsize=64)
def _seed_words(seed: int) -> tuple[int, ...]:
    words = _words(seed)
    return tuple(words + [0] * (POOL_WORDS - len(words)))


def _words(number: int) -> list[int]:
    """A number's 32-bit words, least significant first, as a SeedSequence reads it."""
    if number < 0:
        raise ValueError(f"a stream's seed and key are non-negative integers, not {number}")
    words = [number & 0xFFFFFFFF]
    number >>= 32
    while number:
        words.append(number & 0xFFFFFFFF)
        number >>= 32
    return words
