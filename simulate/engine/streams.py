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
from typing import Any

import numpy as np
from numba import njit
from numpy.random.bit_generator import ISeedSequence

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
# the constants of numpy's SeedSequence (numpy/random/bit_generator.pyx, after O'Neill's
# seed_seq_fe)
INIT_A, MULT_A = 0x43B0D7E5, 0x931E8875
INIT_B, MULT_B = 0x8B51F9DD, 0x58F38DED
MIX_MULT_L, MIX_MULT_R = 0xCA01F9DD, 0x4973F715


def stream(seed: int, replication: int, source: str, *identity: int | str) -> np.random.Generator:
    """The generator `default_rng(SeedSequence(seed, spawn_key=key))` would build, built directly.

    A SeedSequence reads its seed and key as 32-bit words, the seed padded to its pool when a
    key follows, and hashes them into the state PCG64 starts from. Here the words are put
    together at once and hashed by `_pcg64_seed`, compiled: a run builds a few streams per
    adult, and numpy's SeedSequence spends most of a stream's cost on Python-level steps.
    tests/test_engine.py checks the two agree."""
    words = [*_seed_words(seed), *_words(replication), *_key_words(source, identity)]
    state = _pcg64_seed(np.array(words, dtype=np.uint64))
    # numpy's stubs list SeedSequence only; PCG64 takes any ISeedSequence, as numpy documents
    return np.random.Generator(np.random.PCG64(_Hashed(state)))  # type: ignore[arg-type]


class _Hashed(ISeedSequence):
    """A seed sequence whose state is already hashed: what PCG64 asks of one."""

    def __init__(self, state: np.ndarray) -> None:
        self.state = state

    def generate_state(self, n_words: int, dtype: Any = np.uint32) -> np.ndarray:
        if n_words != POOL_WORDS or dtype is not np.uint64:
            raise ValueError("a hashed seed holds PCG64's four 64-bit words only")
        return self.state


@njit(cache=True)
def _hashmix(value, const, mult):
    """One 32-bit word hashed with the running constant, which moves on by `mult`: MULT_A
    while entropy is mixed into the pool, MULT_B while the state is drawn from it."""
    mask = np.uint64(0xFFFFFFFF)
    value = (value ^ const) & mask
    const = (const * np.uint64(mult)) & mask
    value = (value * const) & mask
    return value ^ (value >> np.uint64(16)), const


@njit(cache=True)
def _mix(x, y):
    mixed = (np.uint64(MIX_MULT_L) * x - np.uint64(MIX_MULT_R) * y) & np.uint64(0xFFFFFFFF)
    return mixed ^ (mixed >> np.uint64(16))


@njit(cache=True)
def _pcg64_seed(entropy):
    """SeedSequence(entropy).generate_state(4, np.uint64), for 32-bit words held as uint64:
    the entropy mixed into a pool of four words, then drawn from the pool as eight words."""
    pool = np.zeros(POOL_WORDS, dtype=np.uint64)
    const = np.uint64(INIT_A)
    for i in range(POOL_WORDS):
        word = entropy[i] if i < entropy.size else np.uint64(0)
        pool[i], const = _hashmix(word, const, MULT_A)
    for src in range(POOL_WORDS):
        for dst in range(POOL_WORDS):
            if src != dst:
                hashed, const = _hashmix(pool[src], const, MULT_A)
                pool[dst] = _mix(pool[dst], hashed)
    for src in range(POOL_WORDS, entropy.size):
        for dst in range(POOL_WORDS):
            hashed, const = _hashmix(entropy[src], const, MULT_A)
            pool[dst] = _mix(pool[dst], hashed)
    state = np.zeros(POOL_WORDS, dtype=np.uint64)
    const = np.uint64(INIT_B)
    for i in range(2 * POOL_WORDS):  # eight 32-bit words, two to each 64-bit word, low first
        word, const = _hashmix(pool[i % POOL_WORDS], const, MULT_B)
        state[i // 2] |= word << np.uint64(32 * (i % 2))
    return state


def source_key(source: str) -> int:
    """The number of a source in every stream key."""
    return NUMBERED.get(source) or _as_int(source)


def _as_int(part: int | str) -> int:
    return part if isinstance(part, int) else zlib.crc32(part.encode("utf-8"))


@lru_cache(maxsize=16384)
def _key_words(source: str, identity: tuple[int | str, ...]) -> tuple[int, ...]:
    """The words of a stream's source and identity (the same in every replication: a run
    asks the same few hundred again)."""
    words = _words(source_key(source))
    for part in identity:
        words += _words(_as_int(part))
    return tuple(words)


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
