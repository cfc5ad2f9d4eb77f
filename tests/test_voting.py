"""Execution-guided candidate voting (engine/voting.py, ``_Run.vote``): scripted plans on the real demo database.

The scripted backend answers the K plan_sql calls of one question with the
next K responses of its script, so a test chooses each candidate's SQL; the
results come from real PostgreSQL.
"""

from __future__ import annotations

import json


from engine.answer import Answer
from engine.database.executor import Executor
from engine.models.scripted import scripted_model
from engine.session import Session
from engine.settings import Settings
from engine.voting import fingerprint, is_ordered, tally

DIRECT = {"select_tables": ['{"tables": ["orders"]}'], "choose_flow": ["SELECT"]}
# Counts of different tables: no rewrite turns one into another (a status literal the question does not name would be
# grounded to the one it names).
ORDERS = "SELECT COUNT(*) FROM orders o"
ORDERS_TOO = "SELECT COUNT(o.order_id) AS n FROM orders o"  # other SQL, same result
CUSTOMERS = "SELECT COUNT(*) FROM customers c"
EMPLOYEES = "SELECT COUNT(*) FROM employees e"
UNKNOWN_COLUMN = "SELECT COUNT(*) FROM orders o WHERE state = 'x'"  # refused by the validator
DIVISION_BY_ZERO = "SELECT COUNT(*) / 0 FROM orders o"  # fails in the database
NOTHING = "SELECT o.order_id FROM orders o WHERE o.total_amount < 0"  # runs, no rows
QUESTION = "How many are there?"


def ask(settings: Settings, plans: list[str], k: int, **script: list[str]) -> tuple[Answer, list[tuple[str, str]]]:
    model = scripted_model({**DIRECT, "plan_sql": plans, **script})
    with Session(settings=settings.model_copy(update={"candidates": k}), model=model) as session:
        answer = session.ask(QUESTION)
    return answer, model.lm._interpreter.engine.generated


def count(settings: Settings, sql: str) -> list[list]:
    with Executor(settings.database_url, settings) as ex:
        return ex.run(sql).rows


def test_majority_of_equal_results_beats_the_greedy_candidate(settings: Settings) -> None:
    answer, _ = ask(settings, [CUSTOMERS, ORDERS, ORDERS_TOO], k=3)
    assert answer.status == "ok"
    assert answer.rows == count(settings, ORDERS) != count(settings, CUSTOMERS)
    assert "COUNT(*)" in answer.sql  # the group's first member, the sampled ORDERS
    assert [(c.greedy, c.status, c.votes, c.chosen) for c in answer.candidates] == [
        (True, "ok", 1, False), (False, "ok", 2, True), (False, "ok", 2, False)
    ]
    fps = [c.fingerprint for c in answer.candidates]
    assert fps[1] == fps[2] != fps[0]  # COUNT(*) and COUNT(o.order_id) AS n answer alike
    assert [a.stage for a in answer.attempts] == ["ok"] and "orders" in answer.attempts[0].sql  # only the winner's attempt
    assert [d.program for d in answer.decisions] == ["select_tables", "choose_flow", "plan_sql", "plan_sql_candidate", "plan_sql_candidate"]


def test_a_tie_goes_to_the_greedy_candidate(settings: Settings) -> None:
    answer, _ = ask(settings, [CUSTOMERS, ORDERS, EMPLOYEES], k=3)
    assert answer.status == "ok", answer.model_dump_json(include={"error", "attempts", "candidates", "decisions"})
    assert answer.rows == count(settings, CUSTOMERS)
    assert [(c.votes, c.chosen) for c in answer.candidates] == [(1, True), (1, False), (1, False)]
    answer, _ = ask(settings, [CUSTOMERS, ORDERS, EMPLOYEES, ORDERS, CUSTOMERS], k=5)  # 2 : 2 : 1
    assert answer.rows == count(settings, CUSTOMERS)
    assert [(c.votes, c.chosen) for c in answer.candidates] == [(2, True), (2, False), (1, False), (2, False), (2, False)]


def test_failing_candidates_do_not_vote(settings: Settings) -> None:
    # Two equal failures would outvote the greedy plan if failures formed a group.
    answer, _ = ask(settings, [CUSTOMERS, DIVISION_BY_ZERO, DIVISION_BY_ZERO, UNKNOWN_COLUMN, UNKNOWN_COLUMN], k=5)
    assert answer.status == "ok" and answer.rows == count(settings, CUSTOMERS)
    assert [(c.status, c.votes, c.fingerprint is None) for c in answer.candidates] == [
        ("ok", 1, False), ("error", 0, True), ("error", 0, True), ("refused", 0, True), ("refused", 0, True)
    ]
    assert [c.error_code for c in answer.candidates[1:]] == ["sql_error", "sql_error", "unknown_column", "unknown_column"]
    # A failing greedy plan: the sampled candidate that runs wins.
    answer, _ = ask(settings, [UNKNOWN_COLUMN, ORDERS, DIVISION_BY_ZERO], k=3)
    assert answer.status == "ok" and answer.rows == count(settings, ORDERS)
    assert [c.chosen for c in answer.candidates] == [False, True, False]
    assert [a.stage for a in answer.attempts] == ["ok"]  # no repair was needed


def test_empty_results_do_not_outvote_rows(settings: Settings) -> None:
    answer, _ = ask(settings, [ORDERS, NOTHING, NOTHING], k=3, repair_sql=[ORDERS])
    assert answer.rows == count(settings, ORDERS)
    assert [(c.row_count, c.votes, c.chosen) for c in answer.candidates] == [(1, 1, True), (0, 0, False), (0, 0, False)]


def test_no_candidate_runs_falls_back_to_the_repair_loop(settings: Settings) -> None:
    answer, generated = ask(settings, [UNKNOWN_COLUMN, DIVISION_BY_ZERO, UNKNOWN_COLUMN], k=3, repair_sql=[ORDERS])
    assert answer.status == "ok" and answer.rows == count(settings, ORDERS)
    assert [(a.stage, a.error.code if a.error else None) for a in answer.attempts] == [("validate", "unknown_column"), ("ok", None)]
    assert not any(c.chosen for c in answer.candidates) and all(c.votes == 0 for c in answer.candidates)
    assert [name for name, _ in generated].count("repair_sql") == 1


def test_one_candidate_is_todays_engine(settings: Settings) -> None:
    answer, generated = ask(settings, [CUSTOMERS, ORDERS, ORDERS], k=1)
    assert answer.rows == count(settings, CUSTOMERS)  # the majority of the script is never asked for
    assert [name for name, _ in generated] == ["choose_flow", "plan_sql"]
    assert [d.program for d in answer.decisions] == ["select_tables", "choose_flow", "plan_sql"] and answer.candidates == []
    assert "candidates" in answer.model_dump(mode="json") and answer.model_dump(mode="json")["candidates"] == []


def test_the_answer_json_records_the_vote(settings: Settings) -> None:
    answer, _ = ask(settings, [CUSTOMERS, ORDERS, ORDERS_TOO], k=3)
    data = json.loads(answer.model_dump_json())
    assert [sorted(c) for c in data["candidates"]] == [sorted(["sql", "status", "greedy", "fingerprint", "row_count", "error_code", "votes", "chosen"])] * 3
    assert Answer.model_validate(data).candidates == answer.candidates
    assert sum(c["chosen"] for c in data["candidates"]) == 1
    assert data["usage"]["llm_calls"] == 4  # choose_flow + 3 plans


def test_sampled_candidates_read_the_prompt_from_the_cache(settings: Settings) -> None:
    answer, _ = ask(settings, [CUSTOMERS, ORDERS, ORDERS_TOO], k=3)
    plans = [d for d in answer.decisions if d.program.startswith("plan_sql")]
    assert len({d.input_tokens for d in plans}) == 1  # the same prompt
    assert all(d.cached_input_tokens == d.input_tokens - 1 for d in plans[1:])  # all of it but the last token


# -- the fingerprint ------------------------------------------------------------


def test_fingerprint_ignores_column_names_order_and_number_types() -> None:
    a = fingerprint([["x", 3], ["y", 1]], ordered=False)
    assert fingerprint([[1, "y"], [3.0, "x"]], ordered=False) == a  # columns and rows swapped
    assert fingerprint([["y", "1"], ["x", "3.000"]], ordered=False) == a  # numeric as text
    assert fingerprint([["x", 3], ["y", 2]], ordered=False) != a
    assert fingerprint([["x", 3], ["y", 1], ["y", 1]], ordered=False) != a  # a multiset: duplicates count
    assert fingerprint([["x", "3"]], ordered=False) != fingerprint([["x", "3 apples"]], ordered=False)
    assert fingerprint([[None]], ordered=False) != fingerprint([[""]], ordered=False) != fingerprint([[False]], ordered=False)
    assert fingerprint([], ordered=False) == fingerprint([], ordered=True)


def test_row_order_counts_only_when_the_query_orders() -> None:
    assert fingerprint([[1], [2]], ordered=False) == fingerprint([[2], [1]], ordered=False)
    assert fingerprint([[1], [2]], ordered=True) != fingerprint([[2], [1]], ordered=True)
    assert is_ordered("SELECT a FROM t ORDER BY a DESC LIMIT 3")
    assert not is_ordered("SELECT a FROM (SELECT a FROM t ORDER BY a) s")  # only the outer ORDER BY orders the answer
    assert is_ordered("SELECT a FROM t UNION SELECT b FROM u ORDER BY 1")


def test_tally() -> None:
    assert tally(["a", "b", "b"], [True] * 3) == (1, [1, 2, 2])
    assert tally(["a", "b", "c"], [True] * 3) == (0, [1, 1, 1])
    assert tally([None, "b", "c", "c"], [False, True, True, True]) == (2, [0, 1, 2, 2])
    assert tally([None, None], [False, False]) == (None, [0, 0])
    assert tally(["e", "e", "r"], [False, False, True]) == (2, [0, 0, 1])  # empty results vote only when nothing found rows
    assert tally(["e", "e"], [False, False]) == (0, [2, 2])
