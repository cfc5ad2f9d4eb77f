"""The scripted backend follows its script through the real grammar, refuses what the grammar refuses, and is measured."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Literal

import guidance
import pytest
from guidance import assistant, select, system, user
from guidance.models._engine._interpreter import text_to_grammar
from pydantic import BaseModel, ConfigDict, Field

from engine.answer import Decision
from engine.errors import ModelError
from engine.models.scripted import ScriptRejectedByGrammar, scripted_model
from engine.models.usage import DecisionUsage, measure


class Pick(BaseModel):
    model_config = ConfigDict(extra="forbid")
    table: Literal["orders", "customers"]


SYSTEM = "You pick the table that answers a question about a shop."


def _pick(lm: guidance.models.Model, question: str = "How many orders?") -> guidance.models.Model:
    with system():
        lm += SYSTEM
    with user():
        lm += f"{question}\nDecision: pick_table"
    with assistant():
        lm += guidance.json("pick", schema=Pick)
    return lm


def test_json_enum_follows_the_script() -> None:
    handle = scripted_model({"pick_table": ['{"table": "customers"}']})
    assert (handle.kind, handle.grammar) == ("scripted", True)
    lm = _pick(handle.lm)
    assert Pick.model_validate_json(lm["pick"]).table == "customers"
    assert handle.lm.engine.generated == [("pick_table", '{"table": "customers"}')]


def test_value_outside_the_enum_is_rejected_with_decision_and_position() -> None:
    handle = scripted_model({"pick_table": ['{"table": "products"}']})
    with pytest.raises(ScriptRejectedByGrammar) as err:
        _pick(handle.lm)
    assert err.value.code == "model_output_invalid" and isinstance(err.value, ModelError)
    assert "decision pick_table" in err.value.message and "refuses 'p'" in err.value.message
    assert "at byte 11 of the output" in err.value.message  # after '{"table": "'


class Note(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str = Field(max_length=40)


def test_unfinished_json_is_rejected_at_the_end() -> None:
    handle = scripted_model({"note": ['{"note": "cut sho']})
    with pytest.raises(ScriptRejectedByGrammar, match="refuses the end at byte 17"):
        with user():
            lm = handle.lm + "Decision: note"
        with assistant():
            lm + guidance.json("n", schema=Note)


def test_grammar_forced_bytes_need_not_be_scripted() -> None:
    handle = scripted_model({"pick_table": ['{"table": "ord']})  # the enum forces the rest
    assert _pick(handle.lm)["pick"] == '{"table": "orders"}'


def test_responses_are_served_in_order_and_cycle() -> None:
    handle = scripted_model({"pick_table": ['{"table": "orders"}', '{"table": "customers"}']})
    tables = [json.loads(_pick(handle.lm, f"question {i}")["pick"])["table"] for i in range(3)]
    assert tables == ["orders", "customers", "orders"]


def test_the_last_decision_line_picks_the_response() -> None:
    handle = scripted_model({"first": ["no"], "second": ["yes"]})
    lm = handle.lm
    with user():
        lm += "Decision: first\nnot this one\nDecision: second"
    with assistant():
        lm += select(["yes", "no"], name="answer")
    assert lm["answer"] == "yes"


def test_prompt_without_a_decision_line_or_script_entry_is_a_model_error() -> None:
    handle = scripted_model({"pick_table": ['{"table": "orders"}']})
    with pytest.raises(ModelError, match="names no 'Decision: <name>'"):
        with assistant():
            handle.lm + select(["a", "b"])
    with pytest.raises(ModelError, match='add "other"'):
        with user():
            lm = handle.lm + "Decision: other"
        with assistant():
            lm + select(["a", "b"])


def _pick_one_node(question: str) -> Callable[[guidance.models.Model], guidance.models.Model]:
    """Prompt and grammar as ONE engine call, as the programs do on in-process engines."""

    def run(lm: guidance.models.Model) -> guidance.models.Model:
        it = lm._interpreter
        chat = it.get_role_start("system") + SYSTEM + it.get_role_end("system") + it.get_role_start("user") + f"{question}\nDecision: pick_table" + it.get_role_end("user")
        return lm + text_to_grammar(it.engine.tokenizer, chat + it.get_role_start("assistant")) + guidance.json("pick", schema=Pick)

    return run


def test_usage_is_measured_and_a_shared_prefix_counts_as_cached() -> None:
    handle = scripted_model({"pick_table": ['{"table": "orders"}']})
    first, usage1 = measure(handle.lm, _pick_one_node("How many orders?"))
    second, usage2 = measure(handle.lm, _pick_one_node("How many orders last week?"))
    assert first["pick"] == second["pick"] == '{"table": "orders"}'
    prompt = str(first)[: -len('{"table": "orders"}')]
    assert usage1.input_tokens == len(prompt.encode()) + 1 and usage1.cached_input_tokens == 0  # byte tokens + <s>
    shared = 1 + len(os.path.commonprefix([str(first), str(second)]).encode())  # <s> + common text
    assert usage2.cached_input_tokens == shared  # the system message and the question's common start came from the cache
    assert usage2.input_tokens == usage1.input_tokens + len(" last week")
    for usage in (usage1, usage2):
        assert usage.output_tokens > 0 and usage.forced_tokens > 0  # the enum's bytes are partly forced
        assert usage.output_tokens + usage.forced_tokens >= len('"orders"')
        assert usage.ms > 0
    assert not any(name == "get_logits" for name in vars(handle.lm.engine))  # the recorder is removed


def test_decision_usage_maps_onto_the_answer_decision() -> None:
    usage = DecisionUsage(input_tokens=10, cached_input_tokens=4, output_tokens=3, forced_tokens=2, ms=1.5)
    decision = Decision(program="pick_table", output={}, **usage.model_dump())
    assert decision.model_dump(include=set(DecisionUsage.model_fields)) == usage.model_dump()


def test_forced_bytes_that_depart_from_the_script_are_reported() -> None:
    """llguidance's JSON strings write non-ASCII raw; a \\u escape is forced to \\u00XX, so an escaped script departs."""
    script = json.dumps({"note": "D\u0415LETE"})  # ensure_ascii: "D\\u0415LETE"
    handle = scripted_model({"note": [script]})
    with pytest.raises(ScriptRejectedByGrammar, match=r"grammar forced .* departs from the script .* at byte 14"):
        with user():
            lm = handle.lm + "Decision: note"
        with assistant():
            lm + guidance.json("n", schema=Note)
    raw = scripted_model({"note": [json.dumps({"note": "D\u0415LETE"}, ensure_ascii=False)]})
    with user():
        lm = raw.lm + "Decision: note"
    with assistant():
        lm += guidance.json("n", schema=Note)
    assert json.loads(lm["n"]) == {"note": "D\u0415LETE"}
