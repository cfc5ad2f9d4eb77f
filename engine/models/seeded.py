"""Sampled decisions that are reproducible: the same question draws the same samples (the voting candidates).

Guidance samples tokens at a temperature with numpy's global random state
(guidance/models/_engine/_engine.py), so an unseeded sampled decision gives
another SQL on every run of the same question. Seeding that state from the
question for the length of one decision makes the answer repeatable (a user
asking twice, a benchmark run again) and leaves the state as it was after.
Remote backends sample on their server; there the seed has no effect.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np


@contextmanager
def seeded(key: str) -> Iterator[None]:
    """numpy's global random state seeded from ``key`` inside the block, restored after it."""
    state = np.random.get_state()
    np.random.seed(zlib.crc32(key.encode("utf-8")))
    try:
        yield
    finally:
        np.random.set_state(state)
