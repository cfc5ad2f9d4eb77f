"""Validator throughput over the corpus: statements per second, accepted and refused apart.

Run: python -m benchmarks.bench_validator [--rounds N]
"""

from __future__ import annotations

import argparse
import time

from engine.errors import SqlRefused
from engine.policy.validator import validate
from tests.validator_corpus import ALLOW, CASES, retail_schema


def rate(statements: list[str], rounds: int) -> float:
    """Statements per second for ``rounds`` passes over ``statements``."""
    schema = retail_schema()
    start = time.perf_counter()
    for _ in range(rounds):
        for sql in statements:
            try:
                validate(sql, schema)
            except SqlRefused:
                pass
    return rounds * len(statements) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=20)
    rounds = parser.parse_args().rounds
    accepted = [c.sql for c in CASES if c.expect == ALLOW]
    refused = [c.sql for c in CASES if c.expect != ALLOW]
    print(f"accepted: {len(accepted)} statements, {rate(accepted, rounds):,.0f} statements/s")
    print(f"refused:  {len(refused)} statements, {rate(refused, rounds):,.0f} statements/s")


if __name__ == "__main__":
    main()
