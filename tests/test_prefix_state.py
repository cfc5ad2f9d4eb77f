"""Saved schema-prefix KV states (engine/models/prefix_state.py, engine/models/llama_engine.py).

The store tests need no model: round trip, every kind of damaged file, a file
of another key, LRU eviction, the model-hash stamp, and processes writing one
key at once. The ``model`` tests run the real 0.5B model on a small real
database (a prefix of a few hundred tokens keeps them fast): a restored state
answers token for token like a fresh prefill, an added column or another
model file misses, a damaged file is ignored with one line on stderr.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.models.prefix_state import MAGIC, PrefixStateStore, StateKey, model_digest, tokens_digest
from tests.local_models import MECHANICS_MODEL

TOKENS = list(range(1000, 1300))


def key_for(tokens: list[int] = TOKENS, *, model: str = "a" * 64, n_ctx: int = 8192) -> StateKey:
    return StateKey(
        model_sha256=model, model_name="m.gguf", prefix_sha256=tokens_digest(tokens), n_tokens=len(tokens), n_ctx=n_ctx,
        n_batch=512, n_ubatch=512, type_k=1, type_v=1, flash_attn=0, repacked=False, llama_cpp="0.3.36",
    )  # fmt: skip


def test_round_trip(tmp_path: Path) -> None:
    store = PrefixStateStore(tmp_path, 10**9)
    payload = os.urandom(100_000)
    path = store.save(key_for(), TOKENS, payload)
    assert path is not None and path.read_bytes().startswith(MAGIC)
    tokens, data = store.load(key_for())
    assert tokens == TOKENS and bytes(data) == payload
    assert [e.valid for e in store.entries()] == [True]


@pytest.mark.parametrize(
    "damage, reason",
    [
        (lambda raw: raw[: len(raw) // 2], "truncated"),
        (lambda raw: raw[:-1], "truncated"),
        (lambda raw: raw[: len(MAGIC) + 3], "truncated"),
        (lambda raw: os.urandom(len(raw)), "not a state file"),
        (lambda raw: raw[:-10] + b"0123456789", "checksum mismatch"),
        (lambda raw: raw + b"x", "trailing bytes"),
        (lambda raw: MAGIC + (5).to_bytes(8, "little") + b"{not}" + raw[-50:], "unreadable header"),
        (lambda raw: b"", "not a state file"),
    ],
)
def test_damaged_file_is_ignored_with_one_line(tmp_path: Path, capfd: pytest.CaptureFixture[str], damage, reason: str) -> None:
    store = PrefixStateStore(tmp_path, 10**9)
    path = store.save(key_for(), TOKENS, os.urandom(50_000))
    path.write_bytes(damage(path.read_bytes()))
    assert store.load(key_for()) is None
    out, err = capfd.readouterr()
    assert out == "" and err.count("\n") == 1 and reason in err and path.name in err
    store.save(key_for(), TOKENS, b"fresh" * 100)  # rewritten, then trusted again
    assert bytes(store.load(key_for())[1]) == b"fresh" * 100


def test_a_file_of_another_key_is_not_trusted(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    store = PrefixStateStore(tmp_path, 10**9)
    other = key_for(model="b" * 64)
    assert store.path_of(other) != store.path_of(key_for())
    store.save(other, TOKENS, b"state of another model")
    store.path_of(other).rename(store.path_of(key_for()))  # e.g. a hash collision or a copied file
    assert store.load(key_for()) is None
    assert "key does not match" in capfd.readouterr().err


@pytest.mark.parametrize("change", [{"model": "c" * 64}, {"n_ctx": 4096}, {"tokens": TOKENS[:-1] + [7]}])
def test_any_key_part_changes_the_file(change: dict) -> None:
    assert key_for(**change).digest() != key_for().digest()


def test_least_recently_used_go_first(tmp_path: Path) -> None:
    store = PrefixStateStore(tmp_path, 2 * 10_000 + 3 * 4096)
    keys = [key_for(TOKENS + [i]) for i in range(3)]
    for i, key in enumerate(keys[:2]):
        store.save(key, TOKENS + [i], os.urandom(10_000))
        os.utime(store.path_of(key), (1000 + i, 1000 + i))
    assert store.load(keys[0]) is not None  # a hit: keys[0] is now the most recently used
    store.save(keys[2], TOKENS + [2], os.urandom(10_000))
    assert [store.path_of(k).exists() for k in keys] == [True, False, True]
    assert sum(p.stat().st_size for p in store.files()) <= store.max_bytes


def test_too_big_or_disabled_saves_nothing(tmp_path: Path) -> None:
    assert PrefixStateStore(tmp_path, 0).save(key_for(), TOKENS, b"x") is None
    assert PrefixStateStore(tmp_path, 1000).save(key_for(), TOKENS, os.urandom(5000)) is None
    assert list(tmp_path.iterdir()) == []


def test_model_hash_only_when_size_or_mtime_changed(tmp_path: Path) -> None:
    model = tmp_path / "m.gguf"
    model.write_bytes(b"weights" * 1000)
    first = model_digest(model, tmp_path / "store")
    assert first == hashlib.sha256(model.read_bytes()).hexdigest()
    st = model.stat()
    model.write_bytes(b"WEIGHTS" * 1000)  # same size; the mtime put back: the stamp says unchanged
    os.utime(model, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert model_digest(model, tmp_path / "store") == first  # not re-hashed
    os.utime(model, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    assert model_digest(model, tmp_path / "store") == hashlib.sha256(b"WEIGHTS" * 1000).hexdigest()


def _writer(root: str, seed: int, rounds: int) -> None:
    store = PrefixStateStore(Path(root), 10**9)
    for i in range(rounds):
        store.save(key_for(), TOKENS, bytes([seed]) * 4_000_000 + i.to_bytes(4, "little"))


def test_concurrent_writers_of_one_key_never_leave_a_torn_file(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    writers = [ctx.Process(target=_writer, args=(str(tmp_path), seed, 15)) for seed in (1, 2, 3)]
    for w in writers:
        w.start()
    store = PrefixStateStore(tmp_path, 10**9)
    seen = 0
    while any(w.is_alive() for w in writers):
        got = store.load(key_for())  # a torn file would fail its checksum and print a note
        if got is not None:
            data = bytes(got[1])
            assert data[:-4] == data[:1] * 4_000_000
            seen += 1
    for w in writers:
        w.join()
        assert w.exitcode == 0
    assert store.load(key_for()) is not None and len(store.files()) == 1
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


# --- the real 0.5B model ---------------------------------------------------------------------------

LIBRARY = """
CREATE TABLE authors (author_id integer PRIMARY KEY, name text NOT NULL, country text, born integer);
COMMENT ON TABLE authors IS 'People who wrote the books in the catalogue';
CREATE TABLE books (book_id integer PRIMARY KEY, author_id integer REFERENCES authors, title text NOT NULL,
                    genre text, published integer, pages integer);
COMMENT ON TABLE books IS 'Every title the library holds';
CREATE TABLE members (member_id integer PRIMARY KEY, name text NOT NULL, city text, joined date);
CREATE TABLE loans (loan_id integer PRIMARY KEY, book_id integer REFERENCES books, member_id integer REFERENCES members,
                    borrowed date NOT NULL, returned date);
COMMENT ON TABLE loans IS 'One row per time a member borrowed a book';
INSERT INTO authors VALUES (1, 'Ada Byrne', 'Ireland', 1950), (2, 'Tomas Lind', 'Sweden', 1971), (3, 'Mei Chen', 'Canada', 1984);
INSERT INTO books VALUES (1, 1, 'Salt Roads', 'travel', 1990, 320), (2, 1, 'Harbour Lights', 'fiction', 1995, 280),
                         (3, 2, 'Cold Orbit', 'science fiction', 2004, 410), (4, 3, 'Paper Cranes', 'poetry', 2015, 96);
INSERT INTO members VALUES (1, 'Rui Alves', 'Porto', '2020-01-05'), (2, 'Lena Berg', 'Oslo', '2021-06-10');
INSERT INTO loans VALUES (1, 1, 1, '2023-02-01', '2023-02-20'), (2, 3, 1, '2023-03-01', NULL), (3, 3, 2, '2023-04-11', '2023-05-01');
"""
QUESTION = "How many books did each author write?"


@pytest.fixture(scope="module")
def local_model():
    from engine.models.backends import load_model
    from engine.settings import Settings

    return load_model(MECHANICS_MODEL, Settings())  # default cache dir: the assembled model file is reused


@pytest.fixture
def engine_store(local_model, tmp_path: Path) -> Iterator[tuple[object, PrefixStateStore]]:
    engine = local_model.lm._interpreter.engine
    store = PrefixStateStore(tmp_path / "states", 10**10)
    saved = engine.prefix_store, engine._model_sha
    engine.prefix_store = store
    engine.forget()
    yield engine, store
    engine.prefix_store, engine._model_sha = saved
    engine.prefill_progress = None
    engine.forget()


def ask_fresh(model, url: str, tmp_path: Path, engine) -> object:
    """Ask as a new process would: an empty KV cache, a new Session (introspection, values)."""
    from engine.session import Session
    from engine.settings import Settings

    engine.forget()
    engine.last_prefix = None
    settings = Settings(database_url=url, cache_dir=tmp_path / "cache", data_dir=tmp_path / "data")
    with Session(settings=settings, model=model) as session:
        answer = session.ask(QUESTION)
    assert answer.status == "ok", (answer.error, answer.attempts)
    return answer


def model_calls(answer) -> list[tuple[str, object]]:
    return [(d.program, d.output) for d in answer.decisions if d.llm_call]


@pytest.mark.model
def test_restored_state_answers_token_for_token_like_a_fresh_prefill(local_model, engine_store, make_db, tmp_path: Path) -> None:
    engine, store = engine_store
    url = make_db(LIBRARY)
    reads: list[tuple[int, int]] = []
    engine.prefill_progress = lambda done, total: reads.append((done, total))
    fresh = ask_fresh(local_model, url, tmp_path, engine)
    assert engine.last_prefix["event"] == "saved" and len(store.files()) == 1
    n_prefix = engine.last_prefix["n_tokens"]
    first = next(d for d in fresh.decisions if d.llm_call)
    assert first.cached_input_tokens == 0  # prefilled
    # the prefill reported its progress, batch by batch, from 0 to the whole prefix
    assert reads[0] == (0, n_prefix) and reads[-1] == (n_prefix, n_prefix) and reads == sorted(reads)
    reads.clear()
    restored = ask_fresh(local_model, url, tmp_path, engine)
    assert not reads  # restored: nothing long to read
    assert engine.last_prefix["event"] == "restored"
    assert next(d for d in restored.decisions if d.llm_call).cached_input_tokens == n_prefix
    assert model_calls(restored) == model_calls(fresh) and restored.sql == fresh.sql and restored.rows == fresh.rows
    assert len(fresh.rows) == 3  # one row per author


@pytest.mark.model
def test_added_column_or_other_model_misses(local_model, engine_store, make_db, admin_url: str, tmp_path: Path) -> None:
    import psycopg2

    engine, store = engine_store
    url = make_db(LIBRARY)
    ask_fresh(local_model, url, tmp_path, engine)
    assert engine.last_prefix["event"] == "saved"
    conn = psycopg2.connect(url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("ALTER TABLE books ADD COLUMN isbn text")
    conn.close()
    ask_fresh(local_model, url, tmp_path, engine)
    assert engine.last_prefix["event"] == "saved" and len(store.files()) == 2  # a new key, not the old state
    engine._model_sha = "0" * 64  # another model file
    ask_fresh(local_model, url, tmp_path, engine)
    assert engine.last_prefix["event"] == "saved" and len(store.files()) == 3


@pytest.mark.model
@pytest.mark.parametrize("damage", ["truncate", "garbage"])
def test_damaged_state_is_ignored_and_the_answer_is_still_right(
    local_model, engine_store, make_db, tmp_path: Path, capfd: pytest.CaptureFixture[str], damage: str
) -> None:
    engine, store = engine_store
    url = make_db(LIBRARY)
    fresh = ask_fresh(local_model, url, tmp_path, engine)
    (path,) = store.files()
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) * 2 // 3] if damage == "truncate" else os.urandom(len(raw)))
    capfd.readouterr()
    again = ask_fresh(local_model, url, tmp_path, engine)
    err = capfd.readouterr().err
    notes = [line for line in err.splitlines() if line.startswith("prefix state:")]
    assert len(notes) == 1 and path.name in notes[0], err
    assert engine.last_prefix["event"] == "saved"  # prefilled and rewritten
    assert model_calls(again) == model_calls(fresh) and again.rows == fresh.rows
    assert store.load(_key_of(path)) is not None  # the rewritten file is whole again


def _key_of(path: Path) -> StateKey:
    from engine.models.prefix_state import _header_only

    header = _header_only(path.read_bytes()[:1_000_000])
    assert header is not None
    return header.key


# --- the commands ------------------------------------------------------------------------------------


def cli(args: list[str], cache: Path, **env: str) -> tuple[int, dict]:
    import json
    import subprocess
    import sys

    full_env = {**os.environ, "DECIDE_SQL_CACHE_DIR": str(cache), **env}
    proc = subprocess.run([sys.executable, "-m", "engine.cli.app", *args], env=full_env, capture_output=True, text=True, timeout=120)
    assert proc.stdout.count("\n") == 1, (proc.stdout, proc.stderr)
    return proc.returncode, json.loads(proc.stdout)


def test_cache_info_and_clear(tmp_path: Path) -> None:
    store = PrefixStateStore(tmp_path / "prefix-state", 10**9)
    store.save(key_for(), TOKENS, os.urandom(20_000))
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "m.gguf").write_bytes(b"weights")
    code, info = cli(["cache", "info"], tmp_path)
    assert code == 0 and info["prefix_states"]["files"] == 1 and info["prefix_states"]["entries"][0]["n_tokens"] == len(TOKENS)
    assert info["prefix_states"]["entries"][0]["valid"] is True and info["prefix_states"]["bytes"] > 20_000
    code, cleared = cli(["cache", "clear"], tmp_path)
    assert code == 0 and cleared["prefix_states_removed"] == 1
    assert cli(["cache", "info"], tmp_path)[1]["prefix_states"]["files"] == 0
    assert (tmp_path / "models" / "m.gguf").exists()  # model files stay


def test_db_warm_needs_a_local_model(tmp_path: Path, make_db) -> None:
    url = make_db("CREATE TABLE t (id integer PRIMARY KEY)")
    code, out = cli(["db", "warm", "--database-url", url, "--model", "openai:gpt-4o-mini"], tmp_path, OPENAI_API_KEY="sk-test-not-used")
    assert code == 2 and out["status"] == "error" and "local model" in out["error"]["message"]
    assert "sk-test" not in json_text(out)


def json_text(obj: dict) -> str:
    import json

    return json.dumps(obj)
