"""Model specs: parsing, one-line errors with the fix, remote handles built without network, the real local model."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from engine.models import backends
from engine.models.backends import load_model, price_of
from engine.errors import ConfigError, ExitCode, ModelError
from engine.models.files import ModelFileSpec
from engine.settings import Settings


def _settings(tmp_path: Path, **overrides: object) -> Settings:
    return Settings(cache_dir=tmp_path / "cache", data_dir=tmp_path / "data", **overrides)


@pytest.mark.parametrize("spec", ["gpt-4o", "openai:", "vllm:model", "vllm:@http://h/v1", "scripted:", "llama:x", "hf:Qwen/Qwen2.5"])
def test_unknown_spec_lists_the_valid_forms(tmp_path: Path, spec: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_model(spec, _settings(tmp_path))
    assert err.value.code == "bad_model_spec" and err.value.exit_code == ExitCode.BAD_INPUT
    assert "openai:MODEL[@URL]" in err.value.message and "local:/path/model.gguf" in err.value.message


def test_unknown_spec_message_masks_a_password_in_the_url(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        load_model("vllm:@http://bob:hunter2@gpu:8000/v1", _settings(tmp_path))
    assert "hunter2" not in err.value.message and "bob:***@gpu" in err.value.message


def test_openai_without_key_names_the_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(ModelError) as err:
        load_model("openai:gpt-4o-mini", _settings(tmp_path))
    assert err.value.code == "missing_api_key" and "OPENAI_API_KEY" in err.value.message
    assert err.value.exit_code == ExitCode.MODEL


def test_openai_handle_is_json_only_and_priced(tmp_path: Path) -> None:
    handle = load_model("openai:gpt-4o-mini", _settings(tmp_path, openai_api_key="sk-test-not-real"))
    assert (handle.kind, handle.name, handle.grammar) == ("openai", "gpt-4o-mini", False)
    assert handle.price == (0.15, 0.60)
    assert "sk-test-not-real" not in repr(handle.spec)


def test_openai_compatible_server_url_from_spec_needs_no_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    handle = load_model("openai:qwen2.5-coder@http://user:pw@127.0.0.1:9/v1", _settings(tmp_path))
    assert (handle.kind, handle.name, handle.price) == ("openai", "qwen2.5-coder", None)
    assert handle.spec == "openai:qwen2.5-coder@http://user:***@127.0.0.1:9/v1"


def test_vllm_handle_enforces_grammars(tmp_path: Path) -> None:
    handle = load_model("vllm:Qwen/Qwen2.5-Coder-7B-Instruct@http://127.0.0.1:9/v1", _settings(tmp_path))
    assert (handle.kind, handle.name, handle.grammar) == ("vllm", "Qwen/Qwen2.5-Coder-7B-Instruct", True)
    client = handle.lm._interpreter.client.client  # the openai client behind guidance's VLLMModel
    assert (client.timeout, client.max_retries) == (60.0, 2)  # the settings' defaults, not openai's 600 s


@pytest.mark.parametrize(
    ("model", "price"),
    [("gpt-4o-mini-2024-07-18", (0.15, 0.60)), ("gpt-4o-2024-08-06", (2.50, 10.00)), ("gpt-4.1-mini", (0.40, 1.60)), ("gpt-4o-minion", None), ("llama3", None)],
)
def test_dated_snapshots_use_their_family_price(model: str, price: tuple[float, float] | None) -> None:
    assert price_of(model) == price


def test_missing_gguf_file(tmp_path: Path) -> None:
    with pytest.raises(ModelError) as err:
        load_model(f"local:{tmp_path / 'nope.gguf'}", _settings(tmp_path))
    assert err.value.code == "model_missing" and "nope.gguf does not exist" in err.value.message


def test_corrupt_gguf_file_says_delete_and_rerun(tmp_path: Path) -> None:
    bad = tmp_path / "broken.gguf"
    bad.write_bytes(b"GGUF" + b"\0" * 1000)
    with pytest.raises(ModelError) as err:
        load_model(f"local:{bad}", _settings(tmp_path))
    assert err.value.code == "model_unavailable"
    assert f"delete {bad} and rerun" in err.value.message and "\n" not in err.value.message


def test_missing_chunk_packages_name_the_pip_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    absent = ModelFileSpec(
        name="absent", title="Absent model", dist_prefix="decide-sql-test-absent-part", parts=2, version="1.0",
        size=10, sha256="0" * 64, install='pip install "decide-sql[local]"',
    )
    monkeypatch.setitem(backends.MODEL_FILES, backends.DEFAULT_LOCAL, absent)
    with pytest.raises(ModelError) as err:
        load_model("local", _settings(tmp_path))
    assert err.value.code == "model_missing" and 'run: pip install "decide-sql[local]"' in err.value.message


def test_scripted_spec_reads_the_script_file(tmp_path: Path) -> None:
    script = tmp_path / "script.json"
    script.write_text(json.dumps({"choose_flow": ["SELECT"]}))
    handle = load_model(f"scripted:{script}", _settings(tmp_path))
    assert (handle.kind, handle.grammar, handle.spec) == ("scripted", True, f"scripted:{script}")
    assert handle.lm.engine.script == {"choose_flow": ["SELECT"]}


@pytest.mark.parametrize("content", ["not json", '["a list"]', '{"x": "not a list"}', '{"x": [1]}'])
def test_bad_script_file_is_a_config_error(tmp_path: Path, content: str) -> None:
    script = tmp_path / "script.json"
    script.write_text(content)
    with pytest.raises(ConfigError):
        load_model(f"scripted:{script}", _settings(tmp_path))


LOCAL_RUN = """
import sys
from guidance import select, system, user, assistant
from engine.models.backends import load_model
from engine.settings import Settings
first = load_model("local", Settings.load(env_file=None))
quiet = first.lm._interpreter.engine.prefill_progress is None  # no progress asked for: none reported
again = load_model("local:1.5b", Settings.load(env_file=None), progress=print)
reporting = again.lm._interpreter.engine.prefill_progress is not None
lm = first.lm
with user():
    lm += "Is SQL a query language? Answer yes or no."
with assistant():
    lm += select(["yes", "no"], name="answer")
mapped = ".gguf" in open("/proc/self/maps").read()
sys.stdout.write(f"{first.kind} {first.grammar} {first.context_window} {again.lm is first.lm} {quiet} {reporting} {lm['answer']} {mapped}")
"""


@pytest.mark.model
def test_real_local_model_loads_once_and_keeps_stdout_and_stderr_clean() -> None:
    from engine.models.llama_engine import cpu_advertises_amx

    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-c", LOCAL_RUN], cwd=root, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    # nothing else on stdout: it carries the JSON answer; the file is mapped only where the weights are not repacked
    assert done.stdout == f"local True 8192 True True True yes {cpu_advertises_amx()}"
    assert done.stderr == ""  # llama.cpp and guidance stay silent while loading and generating


def test_prefill_progress_lines_count_up_to_the_whole_prompt() -> None:
    lines: list[str] = []
    report = backends._prefill_lines(lines.append)
    for done in (0, 512, 1024, 1100):
        report(done, 1100)
    assert lines[0].startswith("reading a 1,100-token prompt (once per schema")
    assert lines[1:] == ["  512/1,100 tokens", "  1,024/1,100 tokens", "read 1,100 prompt tokens"]


def test_amx_detection_reads_the_cpu_flags(tmp_path: Path) -> None:
    from engine.models.llama_engine import cpu_advertises_amx

    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("flags\t\t: fpu avx2 avx512f amx_bf16 amx_tile amx_int8\n")
    assert cpu_advertises_amx(cpuinfo)
    cpuinfo.write_text("flags\t\t: fpu avx2 avx512f\n")
    assert not cpu_advertises_amx(cpuinfo)
    assert not cpu_advertises_amx(tmp_path / "missing")
