"""Long fuzz run of the validator property (tests/test_validator_property.py).

The test suite runs 200 generated statements; this script runs as many as
asked against a fresh embedded PostgreSQL and prints hypothesis' statistics
(accepted vs refused by code). A script, not a test: it prints, it does not time.

    python -m benchmarks.fuzz_validator [--examples 20000]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--examples", type=int, default=20_000)
    args = parser.parse_args()
    env = {**os.environ, "DECIDE_SQL_FUZZ_EXAMPLES": str(args.examples)}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--hypothesis-show-statistics", "tests/test_validator_property.py"]
    started = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, env=env, check=False)
    print(f"examples asked: {args.examples}; exit code {result.returncode}; {time.perf_counter() - started:.0f} s", file=sys.stderr)
    sys.exit(result.returncode)


if __name__ == "__main__":
    main()
