"""The docs stay true to the code: the README's layout table, the error-code table, the timings keys."""

from __future__ import annotations

import re
from pathlib import Path

from engine.errors import ErrorCode

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
ANSWER_DOC = (ROOT / "docs" / "answer.md").read_text()


def _layout_rows() -> list[str]:
    section = README.split("## Layout", 1)[1].split("\n## ", 1)[0]
    return [line for line in section.splitlines() if line.startswith("| `")]


def test_every_path_in_the_readme_layout_table_exists() -> None:
    missing = []
    for row in _layout_rows():
        cell = row.split(" | ")[0]
        names = re.findall(r"`([^`\s]+?)`", cell)
        folder = ""
        for name in names:
            if "/" in name:
                path = ROOT / name
                folder = name if name.endswith("/") else str(Path(name).parent) + "/"
            else:
                path = ROOT / folder / name
            if name.endswith((".py", "/")) and not path.exists():
                missing.append(f"{name} (row: {cell[:60]})")
    assert not missing, f"README layout names files that do not exist: {missing}"


def test_every_engine_folder_is_in_the_layout_table() -> None:
    listed = " ".join(_layout_rows())
    folders = [p.name for p in (ROOT / "engine").iterdir() if p.is_dir() and (p / "__init__.py").exists()]
    assert folders and all(f"engine/{name}/" in listed for name in folders), folders


def test_every_error_code_is_in_the_docs_table() -> None:
    table = ANSWER_DOC.split("## Error codes", 1)[1]
    documented = set(re.findall(r"`([a-z_]+)`", "\n".join(line.split(" | ")[0] for line in table.splitlines() if line.startswith("| `"))))
    assert {c.value for c in ErrorCode} <= documented, sorted({c.value for c in ErrorCode} - documented)


def test_every_error_code_the_engine_raises_is_an_error_code() -> None:
    """Codes spelled as strings at raise sites (``code="..."``, ``_refuse("...")``) must be members, or the docs miss them."""
    written = set()
    for path in (ROOT / "engine").rglob("*.py"):
        text = path.read_text()
        written |= set(re.findall(r'\bcode="([a-z_]+)"', text)) | set(re.findall(r'_refuse\("([a-z_]+)"', text))
    assert written and written <= {c.value for c in ErrorCode}, sorted(written - {c.value for c in ErrorCode})


def test_every_timings_key_the_engine_writes_is_documented() -> None:
    row = next(line for line in ANSWER_DOC.splitlines() if line.startswith("| `timings`"))
    documented = set(re.findall(r"`([a-z_]+)`", row))
    session = (ROOT / "engine" / "session.py").read_text()
    written = set(re.findall(r'self\.record\("([a-z_]+)"', session)) | set(re.findall(r'self\.timed\("([a-z_]+)"', session))
    written |= set(re.findall(r'timings\["([a-z_]+)"\]', session))
    conversation = (ROOT / "engine" / "conversation.py").read_text()
    written |= set(re.findall(r'timings\["([a-z_]+)"\]', conversation)) | set(re.findall(r'"(resolve_follow_up)"', conversation))
    assert {"select_tables", "plan_sql", "validate", "execute", "total"} <= written  # the scan still finds the engine's keys
    assert written <= documented, sorted(written - documented)


def test_every_rewrite_step_is_documented_in_order() -> None:
    """The `--rewrites` row of docs/evaluation.md lists STEPS in order; the README and docs/answer.md name each."""
    from engine.rewrites.pipeline import STEP_NAMES

    evaluation = (ROOT / "docs" / "evaluation.md").read_text()
    row = next(line for line in evaluation.splitlines() if line.startswith("| `--rewrites"))
    listed = re.search(r"comma-separated list of `([^`]+)`", row)
    assert listed and [n.strip() for n in listed.group(1).split(",")] == list(STEP_NAMES)
    assert [n for n in STEP_NAMES if f"`{n}`" not in README or f"`{n}`" not in ANSWER_DOC] == []
