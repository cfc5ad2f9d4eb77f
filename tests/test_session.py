"""The orchestrator end to end with the scripted backend against the real demo database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.answer import Answer
from engine.errors import ExitCode, SqlRefused
from engine.models.scripted import scripted_model
from engine.session import Session, _widen, exit_code_of
from engine.settings import Settings
from engine.policy.validator import validate
from programs.types import TableSelection
from tests.validator_corpus import retail_schema
from tests.demo import truth

COUNT_SQL = "SELECT COUNT(*) FROM orders o WHERE o.status = 'cancelled'"


def ask(settings: Settings, script: dict[str, list[str]], question: str = "How many orders were cancelled?", **kwargs) -> Answer:
    with Session(settings=settings, model=scripted_model(script)) as session:
        return session.ask(question, **kwargs)


DIRECT = {"select_tables": ['{"tables": ["orders"]}'], "choose_flow": ["SELECT"]}


def test_direct_flow_answers_with_rows(settings: Settings) -> None:
    answer = ask(settings, {**DIRECT, "plan_sql": [COUNT_SQL]})
    assert answer.status == "ok" and answer.flow == "direct" and exit_code_of(answer) == 0
    assert answer.rows == truth(settings, "SELECT count(*) FROM orders WHERE status = 'cancelled'")
    assert answer.columns[0].type == "int8" and answer.row_count == 1 and not answer.truncated
    assert answer.sql.endswith("LIMIT 500") and answer.tables == ["orders"]
    assert [d.program for d in answer.decisions] == ["select_tables", "choose_flow", "plan_sql"]
    assert [d.llm_call for d in answer.decisions] == [False, True, True]  # the demo's 14 tables are all allowed
    assert answer.decisions[0].output["method"] == "all" and answer.usage.llm_calls == 2
    assert answer.usage.output_tokens == sum(d.output_tokens for d in answer.decisions) > 0
    assert {"introspect", "select_tables", "choose_flow", "plan_sql", "validate", "execute", "total"} <= set(answer.timings)
    assert [a.stage for a in answer.attempts] == ["ok"]


def test_repair_after_unknown_column(settings: Settings) -> None:
    answer = ask(settings, {**DIRECT, "plan_sql": ["SELECT COUNT(*) FROM orders WHERE state = 'cancelled'"], "repair_sql": [COUNT_SQL]})
    assert answer.status == "ok"
    assert [(a.stage, a.error.code if a.error else None) for a in answer.attempts] == [("validate", "unknown_column"), ("ok", None)]
    assert "column state does not exist" in answer.attempts[0].error.message
    assert answer.decisions[-1].program == "repair_sql"


def test_attempt_limit_is_respected(settings: Settings) -> None:
    bad = "SELECT COUNT(*) FROM orders WHERE state = 'x'"
    repairs = ["SELECT COUNT(*) FROM orders WHERE colour = 'x'", "SELECT COUNT(*) FROM orders WHERE size = 'x'"]
    answer = ask(settings, {**DIRECT, "plan_sql": [bad], "repair_sql": repairs}, max_attempts=2)
    assert answer.status == "error" and answer.error.code == "no_valid_sql"  # a benign question the repairs could not answer
    assert answer.error.details.unknown_names == ["size"] and answer.attempts[-1].error.code == "unknown_column"
    assert len(answer.attempts) == 3 and [d.program for d in answer.decisions].count("repair_sql") == 2
    assert exit_code_of(answer) == ExitCode.MODEL
    answer = ask(settings, {**DIRECT, "plan_sql": [bad], "repair_sql": repairs}, max_attempts=0)
    assert len(answer.attempts) == 1 and "repair_sql" not in [d.program for d in answer.decisions]


def test_plain_prompt_fallback_answers_when_the_repairs_run_out(settings: Settings) -> None:
    bad = "SELECT COUNT(*) FROM orders WHERE state = 'x'"
    repairs = ["SELECT COUNT(*) FROM orders WHERE colour = 'x'"]
    answer = ask(settings, {**DIRECT, "plan_sql": [bad], "repair_sql": repairs, "plain_sql": [COUNT_SQL + "\n```"]}, max_attempts=1)
    assert answer.status == "ok" and answer.rows == truth(settings, "SELECT count(*) FROM orders WHERE status = 'cancelled'")
    assert [d.program for d in answer.decisions][-2:] == ["repair_sql", "plain_sql"] and answer.decisions[-1].llm_call
    assert [a.stage for a in answer.attempts] == ["validate", "validate", "ok"] and answer.attempts[-1].planned_sql == COUNT_SQL
    assert "plain_sql" in answer.timings


def test_a_failed_fallback_leaves_the_repairs_error_and_sql(settings: Settings) -> None:
    bad = "SELECT COUNT(*) FROM orders WHERE state = 'x'"
    writes = "DELETE FROM orders"  # the unconstrained prompt is checked like any plan: refused, never run
    answer = ask(settings, {**DIRECT, "plan_sql": [bad], "plain_sql": [writes + "\n```"]}, max_attempts=0)
    assert answer.status == "error" and answer.error.code == "no_valid_sql" and "unknown_column" in answer.error.message
    assert answer.sql == bad and [a.stage for a in answer.attempts] == ["validate", "validate"]
    assert answer.attempts[-1].sql == writes and answer.attempts[-1].error.code != "unknown_column"
    assert answer.error.message.startswith("no valid SQL after 1 attempt; the last one failed with unknown_column: ")
    assert f"; a last plain prompt without the grammar failed with {answer.attempts[-1].error.code}: " in answer.error.message  # every query tried is told
    assert truth(settings, "SELECT count(*) FROM orders") != [[0]]


def test_a_fallback_that_repeats_a_failed_query_is_told(settings: Settings) -> None:
    bad = "SELECT COUNT(*) FROM orders WHERE state = 'x'"
    answer = ask(settings, {**DIRECT, "plan_sql": [bad], "plain_sql": [bad + "\n```"]}, max_attempts=0)
    assert answer.error.code == "no_valid_sql" and len(answer.attempts) == 1
    assert answer.error.message.endswith("; a last plain prompt without the grammar wrote a query that had already failed")


def test_database_error_goes_to_repair(settings: Settings) -> None:
    answer = ask(settings, {**DIRECT, "plan_sql": ["SELECT o.status / 2 FROM orders o"], "repair_sql": [COUNT_SQL]})
    assert answer.attempts[0].stage == "execute" and answer.attempts[0].error.code == "sql_error"
    assert answer.status == "ok"


def test_write_request_is_refused_and_nothing_changes(settings: Settings) -> None:
    before = truth(settings, "SELECT count(*) FROM orders")
    answer = ask(settings, {"select_tables": ['{"tables": ["orders"]}'], "choose_flow": ["DELETE"]}, "delete all orders")
    assert answer.status == "refused" and answer.flow == "refuse" and answer.sql is None
    assert answer.error.code == "refused_by_decision" and exit_code_of(answer) == ExitCode.REFUSED
    assert truth(settings, "SELECT count(*) FROM orders") == before


def test_clarify_returns_question_and_options(settings: Settings) -> None:
    flow = {"statement": "SELECT", "flow": "clarify", "reason": "", "clarifying_question": "Best by what?", "options": ["total spent", "number of orders"], "steps": []}
    model = scripted_model({"select_tables": ['{"tables": ["customers"]}'], "choose_flow": [json.dumps(flow)]}, grammar=False)
    with Session(settings=settings, model=model) as session:
        answer = session.ask("who are the best customers?")
    assert answer.status == "clarify" and exit_code_of(answer) == ExitCode.CLARIFY
    assert answer.clarification.question == "Best by what?"
    assert answer.clarification.options == ["total spent", "number of orders"]


def test_no_execute_validates_only(settings: Settings) -> None:
    answer = ask(settings, {**DIRECT, "plan_sql": [COUNT_SQL]}, execute=False)
    assert answer.status == "ok" and answer.rows == [] and [a.stage for a in answer.attempts] == ["skipped"]
    assert "execute" not in answer.timings


def test_trace_includes_prompts(settings: Settings) -> None:
    answer = ask(settings, {**DIRECT, "plan_sql": [COUNT_SQL]}, trace=True)
    assert all(d.prompt and d.prompt_chars for d in answer.decisions if d.llm_call)
    assert "CREATE TABLE orders" in answer.decisions[1].prompt
    plain = ask(settings, {**DIRECT, "plan_sql": [COUNT_SQL]})
    assert all(d.prompt is None for d in plain.decisions)


@pytest.mark.parametrize("question", ["", "   ", "a\x00b", "x" * 10_001])
def test_bad_questions_are_errors_not_exceptions(settings: Settings, question: str) -> None:
    answer = ask(settings, DIRECT, question)
    assert answer.status == "error" and answer.error.code == "bad_input" and exit_code_of(answer) == ExitCode.BAD_INPUT


def test_grammar_refusal_is_a_model_error(settings: Settings) -> None:
    answer = ask(settings, {"select_tables": ['{"tables": ["sales"]}']})
    assert answer.status == "error" and answer.error.code == "model_output_invalid" and exit_code_of(answer) == ExitCode.MODEL


def test_answer_schema_doc_is_current() -> None:
    documented = json.loads((Path(__file__).parent.parent / "docs" / "answer.schema.json").read_text())
    assert documented == Answer.model_json_schema(), "regenerate docs/answer.schema.json from engine.answer.Answer"


def test_repair_cannot_repeat_an_unknown_column(settings: Settings) -> None:
    answer = ask(settings, {**DIRECT, "plan_sql": ["SELECT COUNT(*) FROM orders WHERE state = 'x'"], "repair_sql": ["SELECT COUNT(*) FROM orders WHERE state = 'x'"]})
    assert answer.status == "error" and answer.error.code == "model_output_invalid"
    assert "grammar" in answer.error.message and "repair_sql" in answer.error.message  # the repair grammar would not write "state" again


def test_no_later_repair_can_write_an_alias_column_pair_an_earlier_error_refused(settings: Settings) -> None:
    # first_name and email are columns of customers, also selected: the grammar admits them after a free alias
    script = {**DIRECT, "select_tables": ['{"tables": ["orders", "customers"]}'], "plan_sql": ["SELECT COUNT(*) FROM orders AS T1 WHERE T1.first_name = 'x'"]}
    script["repair_sql"] = ["SELECT COUNT(*) FROM orders AS T1 WHERE T1.email = 'x'", "SELECT COUNT(*) FROM orders AS T1 WHERE T1.first_name = 'x'"]
    answer = ask(settings, script, trace=True)
    assert [a.error.code for a in answer.attempts] == ["unknown_column", "unknown_column"]
    assert answer.error.code == "model_output_invalid" and "repair_sql" in answer.error.message  # the second repair's grammar refused T1.first_name


def test_no_later_repair_can_qualify_a_column_with_a_free_alias_an_earlier_error_found_out_of_scope(settings: Settings) -> None:
    # the plan names its aliases o and c but qualifies with T1, a free alias it never declared
    script = {**DIRECT, "select_tables": ['{"tables": ["orders", "customers"]}'], "plan_sql": ["SELECT T1.email FROM orders AS o JOIN customers AS c ON o.customer_id = c.customer_id"]}
    script["repair_sql"] = ["SELECT T1.email FROM orders AS o JOIN customers AS c ON o.customer_id = c.customer_id"]
    answer = ask(settings, script)
    assert answer.attempts[0].error.code == "unknown_column" and answer.attempts[0].error.details.unknown_names == ["t1.email"]
    assert answer.error.code == "model_output_invalid" and "repair_sql" in answer.error.message  # the repair's grammar refused T1.email


def test_columns_postgresql_cannot_compare_are_repaired_with_the_one_that_would(settings: Settings) -> None:
    gold = "SELECT COUNT(*) FROM orders o JOIN customers c ON o.customer_id = c.customer_id WHERE c.loyalty_tier = 'gold'"
    mismatch = gold.replace("o.customer_id = c.customer_id", "o.channel = c.customer_id")  # text = integer
    answer = ask(settings, {**DIRECT, "plan_sql": [mismatch], "repair_sql": [gold]}, "How many orders did gold customers place?", trace=True)
    assert answer.status == "ok" and answer.rows == truth(settings, gold) and answer.attempts[0].error.code == "type_mismatch"
    assert "did you mean o.customer_id = c.customer_id?" in answer.decisions[-1].prompt


def test_a_repair_is_told_where_a_misplaced_value_is_stored(settings: Settings) -> None:
    # an integer column: refused before it runs; the value is in another table, so no rewrite moves it
    mismatch = "SELECT COUNT(*) FROM orders o WHERE o.order_id = 'gold'"
    refused = ask(settings, {**DIRECT, "plan_sql": [mismatch], "repair_sql": [COUNT_SQL]}, trace=True)
    assert refused.status == "ok" and refused.attempts[0].error.code == "type_mismatch"
    assert "o.order_id is integer, but 'gold' is not a number" in refused.decisions[-1].prompt
    assert "'gold' is stored in customers.loyalty_tier" in refused.decisions[-1].prompt
    assert refused.rows == truth(settings, "SELECT count(*) FROM orders WHERE status = 'cancelled'")


def test_a_join_on_keys_of_different_tables_is_repaired_along_the_foreign_key_path(settings: Settings) -> None:
    script = {
        "select_tables": ['{"tables": ["order_items", "customers"]}'],
        "choose_flow": ["SELECT"],
        "plan_sql": ["SELECT COUNT(*) FROM order_items oi JOIN customers c ON oi.order_id = c.customer_id"],
        "repair_sql": ["SELECT COUNT(*) FROM order_items oi JOIN orders o ON o.order_id = oi.order_id JOIN customers c ON c.customer_id = o.customer_id"],
    }
    answer = ask(settings, script, "How many order lines did customers buy?", trace=True)
    assert answer.attempts[0].error.code == "join_mismatch" and answer.status == "ok"
    repair = answer.decisions[-1]
    assert "join order_items to customers through orders (order_items.order_id = orders.order_id AND orders.customer_id = customers.customer_id)" in repair.prompt
    assert answer.rows == truth(settings, "SELECT count(*) FROM order_items oi JOIN orders o USING (order_id) JOIN customers c USING (customer_id)")


def test_a_repair_may_use_every_table_of_the_join_path() -> None:
    with pytest.raises(SqlRefused) as refused:
        validate("SELECT 1 FROM order_items oi JOIN customers c ON oi.order_id = c.customer_id", retail_schema())
    widened = _widen(TableSelection(tables=["order_items", "customers"]), refused.value, retail_schema())
    assert widened.all_tables == ["order_items", "customers", "orders"] and "orders" in widened.added


def test_a_column_of_a_table_not_joined_is_joined_without_a_repair(settings: Settings) -> None:
    answer = ask(settings, {**DIRECT, "plan_sql": ["SELECT COUNT(*) FROM orders o WHERE customers.loyalty_tier = 'gold'"]})
    assert answer.status == "ok" and [d.program for d in answer.decisions].count("repair_sql") == 0
    assert "JOIN customers ON o.customer_id = customers.customer_id" in answer.sql and len(answer.sql_fixes) == 1
    assert answer.rows == truth(settings, "SELECT count(*) FROM orders JOIN customers USING (customer_id) WHERE loyalty_tier = 'gold'") != [[0]]


def test_a_plan_nested_too_deep_to_parse_is_refused_not_crashed(settings: Settings) -> None:
    deep = "SELECT " + "(" * 60 + "1" + ")" * 60
    answer = ask(settings, {**DIRECT, "plan_sql": [deep], "repair_sql": [deep]})
    assert answer.status == "refused" and answer.error.code == "too_complex"


def test_a_stored_value_the_question_does_not_name_is_replaced_by_the_one_it_names(settings: Settings) -> None:
    answer = ask(settings, {**DIRECT, "plan_sql": ["SELECT COUNT(*) FROM orders o WHERE o.status = 'delivered'"]})
    assert [(f.column, f.before, f.after) for f in answer.value_fixes] == [("orders.status", "delivered", "cancelled")]
    assert answer.rows == truth(settings, "SELECT count(*) FROM orders WHERE status = 'cancelled'")


def test_a_literal_in_the_wrong_column_of_its_table_is_a_doubt_the_repair_is_told_about(settings: Settings) -> None:
    """Not a silent rewrite (the literal_columns step gained on one development database only, and was taken out)."""
    right = "SELECT COUNT(*) FROM orders o WHERE o.status = 'cancelled'"
    wrong = "SELECT COUNT(*) FROM orders o WHERE o.channel = 'cancelled'"
    answer = ask(settings, {**DIRECT, "plan_sql": [wrong], "repair_sql": [right]}, "How many orders were cancelled?", trace=True)
    assert answer.sql_fixes == [] and answer.value_fixes == [] and [a.stage for a in answer.attempts] == ["ok", "ok"]
    repair = answer.decisions[-1]
    assert repair.program == "repair_sql" and "'cancelled' is stored in orders.status" in repair.prompt
    assert "o.status = 'cancelled'" in answer.sql and answer.doubts == []
    assert answer.rows == truth(settings, "SELECT count(*) FROM orders WHERE status = 'cancelled'") != [[0]]


def test_a_date_filtered_with_like_is_rewritten_and_answers(settings: Settings) -> None:
    answer = ask(settings, {**DIRECT, "plan_sql": ["SELECT COUNT(*) FROM customers c WHERE c.signup_at LIKE '2024%'"]})
    assert answer.status == "ok" and "CAST(c.signup_at AS TEXT) LIKE '2024%'" in answer.sql and len(answer.sql_fixes) == 1
    assert answer.rows == truth(settings, "SELECT count(*) FROM customers WHERE extract(year FROM signup_at) = 2024") != [[0]]


def test_a_superlative_answers_no_null(settings: Settings) -> None:
    latest = ask(settings, {**DIRECT, "plan_sql": ["SELECT e.termination_date FROM employees e ORDER BY e.termination_date DESC LIMIT 1"]})
    assert truth(settings, "SELECT count(*) FROM employees WHERE termination_date IS NULL") != [[0]]  # NULLs would sort first
    assert latest.rows[0] == truth(settings, "SELECT max(termination_date) FROM employees")[0] != [None]
    assert "ORDER BY e.termination_date DESC NULLS LAST LIMIT 1" in latest.sql and len(latest.sql_fixes) == 1


EMPTY_SQL = "SELECT o.order_id FROM orders o WHERE o.total_amount < 0"  # no order has a negative total


def test_an_empty_result_gets_one_repair_whose_rows_replace_it(settings: Settings) -> None:
    repaired = "SELECT o.order_id FROM orders o WHERE o.status = 'cancelled'"
    answer = ask(settings, {**DIRECT, "plan_sql": [EMPTY_SQL], "repair_sql": [repaired]})
    assert answer.status == "ok" and answer.row_count == len(truth(settings, "SELECT order_id FROM orders WHERE status = 'cancelled'")) > 0
    assert "o.status = 'cancelled'" in answer.sql and [a.stage for a in answer.attempts] == ["ok", "ok"]
    assert answer.decisions[-1].program == "repair_sql"


@pytest.mark.parametrize(
    ("repair", "recorded"),
    [
        (EMPTY_SQL.replace("< 0", "< -1"), 1),
        (EMPTY_SQL, 1),
        ("SELECT o.order_id FROM orders o WHERE o.status / 2 = 1", 1),
        ("SELECT o.nope FROM orders o", 0),  # the repair decision itself fails
    ],
    ids=["empty-again", "repeated", "database-error", "grammar-refused"],
)
def test_an_empty_result_stands_when_the_repair_finds_nothing_better(settings: Settings, repair: str, recorded: int) -> None:
    answer = ask(settings, {**DIRECT, "plan_sql": [EMPTY_SQL], "repair_sql": [repair]})
    assert answer.status == "ok" and answer.row_count == 0 and answer.rows == [] and "total_amount < 0" in answer.sql
    assert [d.program for d in answer.decisions].count("repair_sql") == recorded


def test_a_repair_that_finds_rows_by_dropping_a_value_the_question_names_does_not_replace_the_answer(settings: Settings) -> None:
    empty = "SELECT o.order_id FROM orders o WHERE o.channel = 'cancelled'"  # runs, finds nothing: 'cancelled' is a status
    unfiltered = "SELECT o.order_id FROM orders o"  # rows and no doubt, but no longer about cancelled orders
    answer = ask(settings, {**DIRECT, "plan_sql": [empty], "repair_sql": [unfiltered]}, "Which orders were cancelled?")
    assert answer.status == "ok" and answer.row_count == 0 and "o.channel = 'cancelled'" in answer.sql
    assert [d.program for d in answer.decisions].count("repair_sql") == 1 and len(answer.doubts) == 1


def test_no_empty_result_repair_without_attempts_left(settings: Settings) -> None:
    answer = ask(settings, {**DIRECT, "plan_sql": [EMPTY_SQL]}, max_attempts=0)
    assert answer.status == "ok" and answer.row_count == 0 and "repair_sql" not in [d.program for d in answer.decisions]


UPS_ORDERS = "SELECT COUNT(*) FROM orders o JOIN shipments s ON s.order_id = o.order_id WHERE s.carrier = 'UPS'"


def test_a_doubtful_answer_gets_one_repair_told_what_the_data_says(settings: Settings) -> None:
    doubtful = "SELECT COUNT(*) FROM orders o WHERE o.channel = 'UPS'"  # runs, counts 0: 'UPS' is a carrier
    answer = ask(settings, {**DIRECT, "plan_sql": [doubtful], "repair_sql": [UPS_ORDERS]}, "How many orders went by UPS?", trace=True)
    assert answer.status == "ok" and answer.rows == truth(settings, UPS_ORDERS) != [[0]]
    assert answer.doubts == [] and "s.carrier = 'UPS'" in answer.sql and [a.stage for a in answer.attempts] == ["ok", "ok"]
    repair = answer.decisions[-1]
    assert repair.program == "repair_sql" and "'UPS' is stored in shipments.carrier" in repair.prompt
    assert "Tables (with aliases): orders o, shipments s." in repair.prompt  # allowed already (all 14 tables), named now


def test_a_doubtful_answer_stands_with_its_doubts_when_the_repair_keeps_them(settings: Settings) -> None:
    misjoined = "SELECT COUNT(DISTINCT T1.customer_id) FROM addresses AS T1 JOIN stores AS T2 ON T2.city = T1.region"  # Berlin is both
    answer = ask(settings, {**DIRECT, "plan_sql": [misjoined], "repair_sql": [misjoined.replace("T1.customer_id", "T1.address_id")]})
    assert answer.status == "ok" and answer.rows == truth(settings, misjoined) != [[0]] and "DISTINCT" in answer.sql
    assert len(answer.doubts) == 1 and answer.doubts[0].startswith("stores.city = addresses.region joins columns that share almost no values")
    assert "stores.city = addresses.city" in answer.doubts[0]
    assert [d.program for d in answer.decisions].count("repair_sql") == 1 and len(answer.attempts) == 2


def test_a_join_whose_condition_never_mentions_its_table_gets_a_repair(settings: Settings) -> None:
    unlinked = "SELECT COUNT(*) FROM orders o JOIN shipments s ON o.order_id = o.order_id WHERE s.carrier = 'UPS'"  # every order x every UPS shipment
    answer = ask(settings, {**DIRECT, "plan_sql": [unlinked], "repair_sql": [UPS_ORDERS]}, "How many orders went by UPS?", trace=True)
    assert truth(settings, unlinked) != truth(settings, UPS_ORDERS)
    assert answer.status == "ok" and answer.rows == truth(settings, UPS_ORDERS) and answer.doubts == []
    assert "never mentions s" in answer.decisions[-1].prompt and [a.stage for a in answer.attempts] == ["ok", "ok"]


def test_no_second_look_at_an_answer_the_data_does_not_doubt(settings: Settings) -> None:
    answer = ask(settings, {**DIRECT, "plan_sql": [UPS_ORDERS]}, "How many orders went by UPS?")
    assert answer.status == "ok" and answer.doubts == [] and "repair_sql" not in [d.program for d in answer.decisions]


def test_identical_repair_stops_early(settings: Settings) -> None:
    bad = "SELECT COUNT(*) FROM orders o WHERE o.status / 2 = 1"  # runs into a database error every time
    answer = ask(settings, {**DIRECT, "plan_sql": [bad], "repair_sql": [bad]}, max_attempts=2)
    assert answer.status == "error" and answer.error.code == "no_valid_sql" and answer.attempts[-1].error.code == "sql_error"
    assert len(answer.attempts) == 1 and [d.program for d in answer.decisions].count("repair_sql") == 1


def test_values_the_question_names_are_reported_and_ground_the_literal(settings: Settings) -> None:
    answer = ask(settings, {**DIRECT, "plan_sql": ["SELECT COUNT(*) FROM orders o WHERE o.status = 'CANCELLED'"]}, trace=True)
    assert "'cancelled' (orders.status)" in answer.value_hints
    assert not any("'cancelled' (orders.status)" in d.prompt for d in answer.decisions)  # a hint would be copied, not weighed
    assert [(f.column, f.before, f.after) for f in answer.value_fixes] == [("orders.status", "CANCELLED", "cancelled")]
    assert answer.status == "ok" and "o.status = 'cancelled'" in answer.sql
    assert answer.rows == truth(settings, "SELECT count(*) FROM orders WHERE status = 'cancelled'")

