"""Follow-up questions: the resolve_follow_up decision, the ConversationStore, and ask --after."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from engine.conversation import ConversationStore, Turn, turns_from_file
from engine.errors import BadInput
from engine.models.scripted import ScriptRejectedByGrammar, scripted_model
from engine.session import Session
from engine.settings import Settings
from programs import StandaloneQuestion, resolve_follow_up
from programs.resolve_follow_up import MAX_REWRITE_CHARS, MAX_TURNS_SHOWN
from tests.schema_fixtures import shop_schema
from tests.server_helpers import FOLLOW_UP, FOLLOW_UP_SQL, GROUPED_SQL, copied
from tests.demo import truth

SCHEMA = shop_schema()
EARLIER = [Turn(question="How many orders were placed in 2023?", standalone="How many orders were placed in 2023?", sql="SELECT count(*) FROM orders WHERE extract(year FROM placed_at) = 2023", status="ok")]


FOLLOW_UP_2024 = '{"question": "How many orders were placed in 2024?"}'


def test_a_follow_up_is_rewritten_into_a_standalone_question() -> None:
    model = scripted_model({"resolve_follow_up": [FOLLOW_UP_2024]})
    result = resolve_follow_up(model, EARLIER, "and in 2024?", schema=SCHEMA)
    assert isinstance(result, StandaloneQuestion)
    assert (result.question, result.asked, result.follow_up, result.method) == ("How many orders were placed in 2024?", "and in 2024?", True, "model")
    assert "Decision: resolve_follow_up" in result.prompt and EARLIER[0].sql in result.prompt and "Question: and in 2024?" in result.prompt
    assert result.usage.output_tokens > 0


@pytest.mark.parametrize("written", ["Which products are out of stock?", "which products are out of stock", "  "])
def test_a_copied_question_is_kept_as_asked(written: str) -> None:
    model = scripted_model({"resolve_follow_up": [copied(written)]})
    result = resolve_follow_up(model, EARLIER, "Which products are out of stock?", schema=SCHEMA)
    assert (result.question, result.follow_up) == ("Which products are out of stock?", False)
    assert model.lm.engine.generated == [("resolve_follow_up", copied(written))]


def test_a_query_written_instead_of_a_question_keeps_the_question() -> None:
    model = scripted_model({"resolve_follow_up": [copied("SELECT count(*) FROM orders WHERE extract(year FROM placed_at) = 2024")]})
    assert resolve_follow_up(model, EARLIER, "and in 2024?", schema=SCHEMA).follow_up is False
    model = scripted_model({"resolve_follow_up": [copied("Select the orders placed in 2024")]})  # an imperative, not SQL
    assert resolve_follow_up(model, EARLIER, "and in 2024?", schema=SCHEMA).question == "Select the orders placed in 2024"


@pytest.mark.parametrize("written", ["How many orders were placed in 2023?", "how many orders were placed in 2023"])
def test_an_earlier_question_written_back_is_asked_once_more(written: str) -> None:
    # the follow-up's own change (the year) would be lost, and the earlier answer returned as this one's
    model = scripted_model({"resolve_follow_up": [copied(written), FOLLOW_UP_2024]})
    result = resolve_follow_up(model, EARLIER, "and in 2024?", schema=SCHEMA)
    assert (result.question, result.follow_up) == ("How many orders were placed in 2024?", True)
    assert f'Question: and in 2024?\nIt asks something else than the earlier question "{written}"' in result.prompt
    single = resolve_follow_up(scripted_model({"resolve_follow_up": [FOLLOW_UP_2024]}), EARLIER, "and in 2024?", schema=SCHEMA)
    assert result.usage.output_tokens > single.usage.output_tokens and (result.usage.calls, single.usage.calls) == (2, 1)  # both calls count
    model = scripted_model({"resolve_follow_up": [copied(written), copied(written)]})  # twice: the question as asked
    result = resolve_follow_up(model, EARLIER, "and in 2024?", schema=SCHEMA)
    assert (result.question, result.follow_up) == ("and in 2024?", False) and len(model.lm.engine.generated) == 2


def test_no_earlier_turns_means_no_model_call() -> None:
    model = scripted_model({})  # any call would fail: the script has no answer
    result = resolve_follow_up(model, [], "  How many orders?  ", schema=SCHEMA)
    assert (result.question, result.method, result.follow_up) == ("How many orders?", "none", False)
    assert model.lm.engine.generated == []


def test_the_grammar_keeps_the_rewrite_one_plain_line() -> None:
    model = scripted_model({"resolve_follow_up": ['{"question": "two\\nlines"}']})
    with pytest.raises(ScriptRejectedByGrammar):  # no escapes, no control characters
        resolve_follow_up(model, EARLIER, "and in 2024?", schema=SCHEMA)
    model = scripted_model({"resolve_follow_up": ['{"question": "How many "orders"?"}']})
    assert resolve_follow_up(model, EARLIER, "and in 2024?", schema=SCHEMA).question == "How many"  # a quote ends it
    model = scripted_model({"resolve_follow_up": [copied("x" * (MAX_REWRITE_CHARS + 1))]})
    assert len(resolve_follow_up(model, EARLIER, "and in 2024?", schema=SCHEMA).question) <= MAX_REWRITE_CHARS  # bounded length


def test_json_backends_answer_the_question() -> None:
    model = scripted_model({"resolve_follow_up": [json.dumps({"question": "Orders in 2024?"}), json.dumps({"question": "How many stores?"})]}, grammar=False)
    assert resolve_follow_up(model, EARLIER, "and 2024?", schema=SCHEMA).question == "Orders in 2024?"
    kept = resolve_follow_up(model, EARLIER, "How many stores?", schema=SCHEMA)
    assert (kept.question, kept.follow_up) == ("How many stores?", False)


def test_the_prompt_shows_only_the_latest_turns_and_their_standalone_questions() -> None:
    turns = [Turn(question=f"and {i}?", standalone=f"standalone question {i}", sql=f"SELECT {i}", status="ok") for i in range(6)]
    model = scripted_model({"resolve_follow_up": [copied("next?")]})
    prompt = resolve_follow_up(model, turns, "next?", schema=SCHEMA).prompt
    shown = [i for i in range(6) if f"standalone question {i}" in prompt]
    assert shown == list(range(6 - MAX_TURNS_SHOWN, 6)) and "and 5?" not in prompt


# -- the store ------------------------------------------------------------------
class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_store_is_bounded_in_count_and_age() -> None:
    clock = Clock()
    store = ConversationStore(max_conversations=2, max_age_s=60, clock=clock)
    a, b = store.start(), store.start()
    store._add(a, EARLIER[0])  # a is now the most recently used
    c = store.start()  # evicts b, the least recently used
    assert len(store) == 2 and store.turns(a) == EARLIER and b not in store._conversations and c in store._conversations
    clock.now = 61
    assert len(store) == 0 and store.turns(a) == []


def test_the_store_is_thread_safe() -> None:
    store = ConversationStore(max_conversations=50, max_age_s=60)
    cid = store.start()

    def work() -> None:
        for _ in range(200):
            store.start()
            store._add(cid, EARLIER[0])
            store.turns(cid)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(store) == 50 and len(store.turns(cid)) == 20  # MAX_TURNS_KEPT


def test_store_ask_resolves_against_the_conversation(settings: Settings) -> None:
    script = {"choose_flow": ["SELECT"], "plan_sql": [GROUPED_SQL, FOLLOW_UP_SQL], "resolve_follow_up": [FOLLOW_UP]}
    store = ConversationStore()
    events: list[tuple[str, str]] = []
    with Session(settings=settings, model=scripted_model(script)) as session:
        first = store.ask(session, "How many orders are there per status?")
        second = store.ask(session, "and only the cancelled ones?", conversation_id=first.conversation_id, on_event=lambda kind, data: events.append((kind, data.get("program", data.get("stage")))))
        unknown = store.ask(session, "and 2024?", conversation_id="f" * 32)
    assert first.conversation_id == second.conversation_id and "resolve_follow_up" not in [d.program for d in first.decisions]
    assert second.question == "How many orders are cancelled?" and second.rows == truth(settings, FOLLOW_UP_SQL)
    assert [d.program for d in second.decisions] == ["resolve_follow_up", "select_tables", "choose_flow", "plan_sql"]
    assert second.usage.llm_calls == 3 and second.timings["resolve_follow_up"] > 0
    assert events == [("decision", "resolve_follow_up"), ("decision", "select_tables"), ("decision", "choose_flow"), ("decision", "plan_sql"), ("attempt", "ok")]
    assert unknown.status == "error" and unknown.error.code == "unknown_conversation"
    turns = store.turns(first.conversation_id)
    assert [t.standalone for t in turns] == ["How many orders are there per status?", "How many orders are cancelled?"]


def test_ask_after_a_saved_answer(settings: Settings, tmp_path: Path) -> None:
    cli = str(Path(sys.executable).parent / "decide-sql")
    first_script, second_script = tmp_path / "first.json", tmp_path / "second.json"
    first_script.write_text(json.dumps({"choose_flow": ["SELECT"], "plan_sql": [GROUPED_SQL]}))
    second_script.write_text(json.dumps({"choose_flow": ["SELECT"], "plan_sql": [FOLLOW_UP_SQL], "resolve_follow_up": [FOLLOW_UP]}))
    env_args = ["--database-url", settings.database_url]
    saved = tmp_path / "answer.json"
    run = subprocess.run([cli, "ask", "How many orders are there per status?", "--model", f"scripted:{first_script}", *env_args], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    saved.write_text(run.stdout)
    assert turns_from_file(saved)[0].sql.startswith("SELECT status")
    run = subprocess.run([cli, "ask", "--after", str(saved), "and only the cancelled ones?", "--model", f"scripted:{second_script}", *env_args], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    answer = json.loads(run.stdout)
    assert answer["question"] == "How many orders are cancelled?" and answer["rows"] == truth(settings, FOLLOW_UP_SQL)
    assert answer["decisions"][0]["program"] == "resolve_follow_up" and answer["conversation_id"]
    bad = tmp_path / "bad.json"
    bad.write_text("not json")
    run = subprocess.run([cli, "ask", "--after", str(bad), "and?", "--model", f"scripted:{second_script}", *env_args], capture_output=True, text=True, timeout=120)
    assert run.returncode == 2 and json.loads(run.stdout)["error"]["code"] == "bad_input" and "Traceback" not in run.stderr
    with pytest.raises(BadInput, match="holds no answer"):
        turns_from_file(tmp_path / "empty.json") if (tmp_path / "empty.json").write_text("\n") else None
