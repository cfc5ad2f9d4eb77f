"""llama.cpp KV state of the shared schema prefix, saved on disk for the next process.

Every decision of every question on one database starts with the same system
message (rules + schema) and the start of the user turn: ~3,200 tokens on the
demo schema. A fresh ``decide-sql ask`` used to prefill them again (20-50 s on
2 cores); with the state on disk it reads ~40 MB (0.5B) instead.

What a state file may be used for is decided by its key, every part of which
is checked again after reading:

- ``model_sha256``: the model file's hash, recomputed only when the file's size
  or mtime changed (``model_digest`` keeps a stamp per path);
- ``prefix_sha256`` and ``n_tokens``: the prefix's token ids. They are the
  schema as rendered (any schema change, e.g. an added column, changes the
  schema fingerprint and the text) with the rules and the chat template, so
  they stand for the schema fingerprint and the prompt template together,
  and a state is only restored for a prompt that starts with exactly those tokens;
- ``prompt_version``: bumped when the prefix boundary rule changes;
- context settings (``n_ctx``, ``n_batch``, ``n_ubatch``, KV types, flash attention,
  repacked weights) and the llama-cpp-python version (its state format).

Files are ``<digest of key>.kvstate``: a magic line, a JSON header (key, token
ids, payload size and sha256), the payload. They are written to a temp file
and ``os.replace``d (atomic: concurrent writers of one key each replace the
whole file, readers never see a torn one). A file that is truncated, garbage,
or whose header does not match is ignored with one line on stderr and
rewritten. Total size is bounded (``DECIDE_SQL_PREFIX_CACHE_MB``; 0 turns
this off): the least recently used files go first (a hit touches the mtime).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
import time
from array import array
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

MAGIC = b"decide-sql kv state 1\n"
PROMPT_VERSION = "1"  # the prefix ends after the system turn and the user turn's start (llama_engine.prefix_boundary)
SUFFIX = ".kvstate"
STALE_TEMP_S = 3600  # temp files older than this are a crashed writer's: removed on eviction
_HASH_BLOCK = 8 * 1024 * 1024


class StateKey(BaseModel):
    """Everything a saved state depends on; two keys are equal only when the state is valid for both."""

    model_config = ConfigDict(frozen=True)

    model_sha256: str
    model_name: str  # for `decide-sql cache info` (not part of the identity beyond the hash)
    prefix_sha256: str
    n_tokens: int
    prompt_version: str = PROMPT_VERSION
    n_ctx: int
    n_batch: int
    n_ubatch: int
    type_k: int
    type_v: int
    flash_attn: int
    repacked: bool
    llama_cpp: str

    def digest(self) -> str:
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()[:32]


class StateHeader(BaseModel):
    key: StateKey
    tokens: list[int]
    payload_bytes: int
    payload_sha256: str
    created: float


class StateEntry(BaseModel):
    """One state file as ``decide-sql cache info`` shows it."""

    file: str
    bytes: int
    last_used: float
    model: str | None = None
    n_tokens: int | None = None
    valid: bool


def store_for(settings: Any) -> "PrefixStateStore":
    """The store of an ``engine.settings.Settings``: ``<cache_dir>/prefix-state``, bounded by ``prefix_cache_mb``."""
    return PrefixStateStore(Path(settings.cache_dir).expanduser() / "prefix-state", settings.prefix_cache_mb * 1024 * 1024)


def tokens_digest(tokens: list[int]) -> str:
    return hashlib.sha256(array("i", tokens).tobytes()).hexdigest()


def note(message: str) -> None:
    """One progress/diagnostic line on stderr (stdout carries only results)."""
    sys.stderr.write(f"prefix state: {message}\n")
    sys.stderr.flush()


class PrefixStateStore:
    """A directory of state files with a total-size bound (LRU by mtime)."""

    def __init__(self, root: Path, max_bytes: int) -> None:
        self.root = Path(root)
        self.max_bytes = max_bytes

    @property
    def enabled(self) -> bool:
        return self.max_bytes > 0

    def path_of(self, key: StateKey) -> Path:
        return self.root / f"{key.digest()}{SUFFIX}"

    def load(self, key: StateKey) -> tuple[list[int], memoryview] | None:
        """(token ids, payload) of ``key``'s state, or None when missing or not trustworthy.

        The payload is a writable view of one buffer the file was read into (llama.cpp reads
        it in place: a 40-90 MB state is not copied again).
        """
        path = self.path_of(key)
        try:
            with open(path, "rb") as f:
                raw = bytearray(os.fstat(f.fileno()).st_size)
                got = f.readinto(raw)
            raw = raw if got == len(raw) else raw[:got]
        except FileNotFoundError:
            return None
        except OSError as exc:
            note(f"cannot read {path.name} ({type(exc).__name__}); prefilling instead")
            return None
        problem, header, payload = _parse(raw)
        if problem is None and header is not None and header.key != key:
            problem = "its key does not match"
        if problem is not None or header is None:
            note(f"ignored {path.name} ({problem}); prefilling and rewriting it")
            return None
        try:
            os.utime(path)  # LRU: a hit is a use
        except OSError:
            pass
        return header.tokens, payload

    def save(self, key: StateKey, tokens: list[int], payload: bytes | memoryview) -> Path | None:
        """Write atomically, then evict the least recently used files beyond the size bound."""
        if not self.enabled or len(payload) + 4096 > self.max_bytes:
            return None
        header = StateHeader(key=key, tokens=tokens, payload_bytes=len(payload), payload_sha256=hashlib.sha256(payload).hexdigest(), created=time.time())
        head = header.model_dump_json().encode()
        path = self.path_of(key)
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".state-", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(MAGIC)
                    f.write(len(head).to_bytes(8, "little"))
                    f.write(head)
                    f.write(payload)  # no fsync: a file torn by a power cut fails its checksum and is rewritten
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            note(f"cannot write {path.name} ({type(exc).__name__}: {exc.strerror or exc}); the next process prefills again")
            return None
        self.evict(keep=path)
        return path

    def files(self) -> list[Path]:
        try:
            return sorted(p for p in self.root.iterdir() if p.name.endswith(SUFFIX))
        except OSError:
            return []

    def evict(self, *, keep: Path | None = None) -> list[Path]:
        """Remove least recently used state files until the total fits; also stale temp files."""
        now = time.time()
        sized: list[tuple[float, int, Path]] = []
        try:
            entries = list(self.root.iterdir())
        except OSError:
            return []
        for p in entries:
            try:
                st = p.stat()
            except OSError:
                continue  # removed meanwhile by another process
            if p.name.endswith(".tmp") and now - st.st_mtime > STALE_TEMP_S:
                p.unlink(missing_ok=True)
            elif p.name.endswith(SUFFIX):
                sized.append((st.st_mtime, st.st_size, p))
        total = sum(size for _, size, _ in sized)
        removed = []
        for _, size, p in sorted(sized, key=lambda t: t[0]):
            if total <= self.max_bytes:
                break
            if p == keep:
                continue
            p.unlink(missing_ok=True)
            total -= size
            removed.append(p)
        return removed

    def entries(self) -> list[StateEntry]:
        out = []
        for p in self.files():
            try:
                st = p.stat()
                with open(p, "rb") as f:
                    head = f.read(len(MAGIC) + 8 + 1_000_000)
            except OSError:
                continue
            header = _header_only(head)
            out.append(
                StateEntry(
                    file=p.name,
                    bytes=st.st_size,
                    last_used=round(st.st_mtime, 1),
                    model=header.key.model_name if header else None,
                    n_tokens=header.key.n_tokens if header else None,
                    valid=header is not None and st.st_size == len(MAGIC) + 8 + len(header.model_dump_json().encode()) + header.payload_bytes,
                )
            )
        return out

    def clear(self) -> tuple[int, int]:
        """Remove every state file (and temp files); (files, bytes) removed."""
        count = size = 0
        try:
            entries = list(self.root.iterdir())
        except OSError:
            return 0, 0
        for p in entries:
            if p.name.endswith(SUFFIX) or p.name.endswith(".tmp") or p.name == STAMPS:
                try:
                    size += p.stat().st_size
                    p.unlink()
                    count += p.name != STAMPS
                except OSError:
                    pass
        return count, size


def _parse(raw: bytearray) -> tuple[str | None, StateHeader | None, memoryview]:
    """(problem, header, payload): problem is None only for a whole, self-consistent file."""
    if not raw.startswith(MAGIC):
        return "not a state file", None, memoryview(b"")
    at = len(MAGIC)
    if len(raw) < at + 8:
        return "truncated", None, memoryview(b"")
    n = int.from_bytes(raw[at : at + 8], "little")
    at += 8
    if n > len(raw) - at:
        return "truncated", None, memoryview(b"")
    try:
        header = StateHeader.model_validate_json(raw[at : at + n])
    except (ValidationError, ValueError):
        return "unreadable header", None, memoryview(b"")
    payload = memoryview(raw)[at + n :]
    if len(payload) != header.payload_bytes:
        return "truncated" if len(payload) < header.payload_bytes else "trailing bytes", None, memoryview(b"")
    if hashlib.sha256(payload).hexdigest() != header.payload_sha256:
        return "checksum mismatch", None, memoryview(b"")
    if len(header.tokens) != header.key.n_tokens or tokens_digest(header.tokens) != header.key.prefix_sha256:
        return "token ids do not match its key", None, memoryview(b"")
    return None, header, payload


def _header_only(head: bytes) -> StateHeader | None:
    if not head.startswith(MAGIC) or len(head) < len(MAGIC) + 8:
        return None
    n = int.from_bytes(head[len(MAGIC) : len(MAGIC) + 8], "little")
    try:
        return StateHeader.model_validate_json(head[len(MAGIC) + 8 : len(MAGIC) + 8 + n])
    except (ValidationError, ValueError):
        return None


STAMPS = "model-hashes.json"


def model_digest(path: Path, root: Path) -> str:
    """sha256 of the model file, hashed only when its size or mtime changed since the last time."""
    path = Path(path).resolve()
    st = path.stat()
    stamp = {"size": st.st_size, "mtime_ns": st.st_mtime_ns}
    stamps_path = Path(root) / STAMPS
    stamps: dict[str, Any] = {}
    try:
        stamps = json.loads(stamps_path.read_text())
        known = stamps.get(str(path))
        if isinstance(known, dict) and {k: known.get(k) for k in stamp} == stamp and isinstance(known.get("sha256"), str):
            return known["sha256"]
    except (OSError, ValueError, AttributeError):
        stamps = {}
    if not isinstance(stamps, dict):
        stamps = {}
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(_HASH_BLOCK):
            digest.update(block)
    stamps[str(path)] = {**stamp, "sha256": digest.hexdigest()}
    try:
        Path(root).mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=root, prefix=".stamps-", suffix=".tmp")
        with os.fdopen(fd, "w") as f:
            json.dump(stamps, f)
        os.replace(tmp, stamps_path)
    except OSError:
        pass  # the hash is still right; the next process hashes again
    return digest.hexdigest()
