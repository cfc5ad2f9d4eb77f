"""Assembling the local model file from chunk packages: order, hash, errors, fast path, concurrency."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
from pathlib import Path

import pytest

from engine.errors import ModelError
from engine.models.files import MODEL_FILES, ModelFileSpec, chunk_paths, ensure_model_file, model_path


def _parts(tmp_path: Path, sizes: list[int]) -> list[Path]:
    paths = []
    for i, size in enumerate(sizes, 1):
        path = tmp_path / "chunks" / f"part{i:02d}.bin"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(os.urandom(size))
        paths.append(path)
    return paths


def _spec_for(parts: list[Path], *, sha256: str | None = None, dist_prefix: str = "decide-sql-test-chunk-part") -> ModelFileSpec:
    data = b"".join(p.read_bytes() for p in parts)
    return ModelFileSpec(
        name="fake",
        title="Fake model",
        dist_prefix=dist_prefix,
        parts=len(parts),
        version="0.1.0",
        size=len(data),
        sha256=sha256 or hashlib.sha256(data).hexdigest(),
        install='pip install "decide-sql[fake]"',
    )


def test_assembles_parts_in_order_and_reports_progress(tmp_path: Path) -> None:
    parts = _parts(tmp_path, [3_000_000, 9_000_000, 5])  # crosses the 8 MB read size
    spec = _spec_for(parts)
    seen: list[tuple[int, int]] = []
    path = ensure_model_file(spec, tmp_path / "cache", parts=parts, progress=lambda done, total: seen.append((done, total)))
    assert path == tmp_path / "cache" / "models" / "fake.gguf"
    assert path.read_bytes() == b"".join(p.read_bytes() for p in parts)
    assert seen[-1] == (spec.size, spec.size)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    assert sorted(p.name for p in path.parent.iterdir()) == ["fake.gguf"]  # no temp file left


def test_hash_mismatch_deletes_the_temp_file_and_names_the_fix(tmp_path: Path) -> None:
    parts = _parts(tmp_path, [1000, 1000])
    spec = _spec_for(parts, sha256="0" * 64)
    with pytest.raises(ModelError) as err:
        ensure_model_file(spec, tmp_path / "cache", parts=parts)
    assert err.value.code == "model_hash_mismatch"
    assert 'pip install --force-reinstall "decide-sql[fake]"' in err.value.message
    assert list((tmp_path / "cache" / "models").iterdir()) == []


def test_missing_part_is_a_short_file_not_a_silent_success(tmp_path: Path) -> None:
    parts = _parts(tmp_path, [1000, 1000])
    spec = _spec_for(parts)
    with pytest.raises(ModelError) as err:
        ensure_model_file(spec, tmp_path / "cache", parts=parts[:1])
    assert err.value.code == "model_hash_mismatch" and "1,000 bytes" in err.value.message


def test_uninstalled_chunk_package_names_the_pip_command(tmp_path: Path) -> None:
    parts = _parts(tmp_path, [10])
    spec = _spec_for(parts, dist_prefix="decide-sql-test-not-installed-part")
    with pytest.raises(ModelError) as err:
        ensure_model_file(spec, tmp_path / "cache")
    assert err.value.code == "model_missing"
    assert "decide-sql-test-not-installed-part1" in err.value.message and 'pip install "decide-sql[fake]"' in err.value.message


def test_fast_path_only_stats_and_verify_rehashes(tmp_path: Path) -> None:
    parts = _parts(tmp_path, [4000, 4000])
    spec = _spec_for(parts)
    path = ensure_model_file(spec, tmp_path / "cache", parts=parts)
    for p in parts:
        p.unlink()  # a re-read would fail now
    assert ensure_model_file(spec, tmp_path / "cache", parts=parts) == path
    assert ensure_model_file(spec, tmp_path / "cache", parts=parts, verify=True) == path  # re-hash of the intact file
    data = bytearray(path.read_bytes())
    data[0] ^= 0xFF
    path.write_bytes(bytes(data))  # same size, wrong content: only verify notices
    assert ensure_model_file(spec, tmp_path / "cache", parts=parts) == path
    with pytest.raises(FileNotFoundError):  # verify re-assembles, and the parts are gone
        ensure_model_file(spec, tmp_path / "cache", parts=parts, verify=True)


def test_wrong_size_file_is_reassembled(tmp_path: Path) -> None:
    parts = _parts(tmp_path, [500, 700])
    spec = _spec_for(parts)
    target = model_path(spec, tmp_path / "cache")
    target.parent.mkdir(parents=True)
    target.write_bytes(b"half a download")
    ensure_model_file(spec, tmp_path / "cache", parts=parts)
    assert hashlib.sha256(target.read_bytes()).hexdigest() == spec.sha256


def _assemble(spec: ModelFileSpec, cache: Path, parts: list[Path]) -> None:
    ensure_model_file(spec, cache, parts=parts)


def test_two_processes_assembling_at_once_leave_one_good_file(tmp_path: Path) -> None:
    parts = _parts(tmp_path, [20_000_000, 20_000_000])
    spec = _spec_for(parts)
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_assemble, args=(spec, tmp_path / "cache", parts)) for _ in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0]
    target = model_path(spec, tmp_path / "cache")
    assert hashlib.sha256(target.read_bytes()).hexdigest() == spec.sha256
    assert sorted(p.name for p in target.parent.iterdir()) == ["fake.gguf"]


def _fake_distribution(site: Path, name: str, record_path: str, data: bytes) -> None:
    """A minimal installed distribution whose RECORD lists one data file, like pip writes it."""
    info = site / f"{name.replace('-', '_')}-0.1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1.0\n")
    (info / "RECORD").write_text(f"{record_path},,\n{info.name}/METADATA,,\n")
    target = (site / record_path).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)


def test_chunks_are_found_inside_the_package_or_in_the_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = tmp_path / "venv" / "lib" / "python3.11" / "site-packages"
    _fake_distribution(site, "decide-sql-fake-part1", "decide_sql_fake_part1/data/part01.bin", b"first-")
    _fake_distribution(site, "decide-sql-fake-part2", "../../../data/part02.bin", b"second")  # pip's data scheme: <venv>/data
    monkeypatch.syspath_prepend(str(site))
    spec = ModelFileSpec(
        name="fake", title="Fake", dist_prefix="decide-sql-fake-part", parts=2, version="0.1.0", size=12,
        sha256=hashlib.sha256(b"first-second").hexdigest(), install="pip install fake",
    )
    found = chunk_paths(spec)
    assert [p.resolve() for p in found] == [(site / "decide_sql_fake_part1/data/part01.bin").resolve(), (tmp_path / "venv/data/part02.bin").resolve()]
    assert ensure_model_file(spec, tmp_path / "cache").read_bytes() == b"first-second"


def test_wrong_version_of_a_chunk_package_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = tmp_path / "site"
    _fake_distribution(site, "decide-sql-old-part1", "decide_sql_old_part1/data/part01.bin", b"x")
    monkeypatch.syspath_prepend(str(site))
    spec = ModelFileSpec(name="old", title="Old", dist_prefix="decide-sql-old-part", parts=1, version="9.9.9", size=1, sha256="0" * 64, install="pip install old==9.9.9")
    with pytest.raises(ModelError, match="version 9.9.9 expected") as err:
        chunk_paths(spec)
    assert err.value.code == "model_missing"


@pytest.mark.parametrize("key", ["0.5b", "1.5b"])
def test_installed_chunk_packages_add_up_to_the_model_size(key: str) -> None:
    spec = MODEL_FILES[key]  # [local] installs the 1.5B parts, [test] the 0.5B ones
    paths = chunk_paths(spec)
    assert len(paths) == spec.parts
    assert [p.name for p in paths] == [f"part{i:02d}.bin" for i in range(1, spec.parts + 1)]
    assert sum(p.stat().st_size for p in paths) == spec.size
