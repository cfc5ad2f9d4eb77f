"""``decide-sql cache ...``: what the cache directory holds, and clearing it.

The cache holds saved schema-prefix KV states of local models
(engine/models/prefix_state.py, bounded by DECIDE_SQL_PREFIX_CACHE_MB) and
introspected schemas (engine/schema/cache.py). Both are rebuilt on demand, so
clearing is always safe; the assembled model files are never touched (they
take minutes to assemble and are not a cache of anything you can change).
"""

from __future__ import annotations

from pathlib import Path

import typer

from engine.cli.options import FormatOpt, fmt_or_default, settings_from
from engine.cli.output import OutputFormat, emit, guard

cache_app = typer.Typer(no_args_is_help=True, help="Show or clear saved prefix states and schema caches.")


def _schema_files(cache_dir: Path) -> list[Path]:
    try:
        return sorted(p for p in (cache_dir / "schemas").iterdir() if p.suffix == ".json")
    except OSError:
        return []


@cache_app.command("info")
def info_command(fmt: FormatOpt = None) -> None:
    """List the saved prefix states (size, model, tokens, last use) and the schema caches."""
    from engine.models.prefix_state import store_for

    out = fmt_or_default(fmt)
    with guard(out):
        settings = settings_from()
        store = store_for(settings)
        entries = store.entries()
        schemas = _schema_files(Path(settings.cache_dir).expanduser())
        if out is not OutputFormat.json:
            rows = [[e.file, e.bytes, e.model, e.n_tokens, e.last_used, e.valid] for e in entries]
            emit({"columns": ["file", "bytes", "model", "n_tokens", "last_used", "valid"], "rows": rows}, out)
            return
        emit(
            {
                "status": "ok",
                "prefix_states": {
                    "dir": str(store.root),
                    "limit_bytes": store.max_bytes,
                    "files": len(entries),
                    "bytes": sum(e.bytes for e in entries),
                    "entries": [e.model_dump() for e in entries],
                },
                "schemas": {"dir": str(Path(settings.cache_dir).expanduser() / "schemas"), "files": len(schemas), "bytes": sum(_size(p) for p in schemas)},
            },
            out,
        )


@cache_app.command("clear")
def clear_command(fmt: FormatOpt = None) -> None:
    """Remove every saved prefix state and schema cache (model files stay)."""
    from engine.models.prefix_state import store_for

    out = fmt_or_default(fmt)
    with guard(out):
        settings = settings_from()
        files, size = store_for(settings).clear()
        schemas = _schema_files(Path(settings.cache_dir).expanduser())
        schema_bytes = 0
        for p in schemas:
            schema_bytes += _size(p)
            p.unlink(missing_ok=True)
        emit({"status": "ok", "prefix_states_removed": files, "schemas_removed": len(schemas), "bytes_freed": size + schema_bytes}, out)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
