"""engine/models/seeded.py: a sampled decision draws the same samples for the same key, and leaves the global state alone."""

from __future__ import annotations

import numpy as np

from engine.models.seeded import seeded


def draws(key: str) -> list[float]:
    with seeded(key):
        return list(np.random.random(3))


def test_the_same_key_draws_the_same_samples_and_another_key_others() -> None:
    assert draws("how many orders?") == draws("how many orders?") != draws("how many customers?")


def test_the_global_random_state_is_restored_after_the_block() -> None:
    np.random.seed(11)
    expected = np.random.random(2)
    np.random.seed(11)
    draws("any question")
    assert list(np.random.random(2)) == list(expected)
