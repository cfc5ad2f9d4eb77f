"""Each decision program with the scripted backend: typed outputs, grammar refusals, usage."""

from __future__ import annotations

import json

import pytest

from engine.errors import ModelError
from engine.models.scripted import ScriptRejectedByGrammar, scripted_model
from programs import QuestionContext, choose_flow, plan_sql, repair_sql, select_tables
from programs.types import TableSelection
from tests.schema_fixtures import shop_schema

SCHEMA = shop_schema()
Q = "Which products sold the most units?"


def test_select_tables_returns_real_tables_and_adds_bridges() -> None:
    model = scripted_model({"select_tables": ['{"tables": ["orders", "products"]}']})
    selection = select_tables(model, SCHEMA, Q, all_tables_up_to=0)
    assert selection.tables == ["orders", "products"]
    assert selection.added == ["order_items"]  # the only link between orders and products
    assert selection.usage.output_tokens > 0 and selection.usage.ms > 0
    assert "Decision: select_tables" in selection.prompt


def test_a_small_schema_allows_every_table_without_asking_the_model() -> None:
    model = scripted_model({})  # any model call would fail: the script has no answer for it
    selection = select_tables(model, SCHEMA, Q)
    assert selection.method == "all" and selection.tables == [t.display_name for t in SCHEMA.tables]
    assert selection.usage.output_tokens == 0 and model.lm.engine.generated == []
    ctx = QuestionContext.build(SCHEMA, Q, max_schema_tokens=120)  # not every table fits: the model must choose
    with pytest.raises(ModelError, match="no response for decision select_tables"):
        select_tables(model, SCHEMA, Q, context=ctx)


def test_select_tables_grammar_refuses_invented_table() -> None:
    model = scripted_model({"select_tables": ['{"tables": ["sales"]}']})
    with pytest.raises(ScriptRejectedByGrammar, match="grammar refuses 's'"):
        select_tables(model, SCHEMA, Q, all_tables_up_to=0)


def test_select_tables_grammar_refuses_table_outside_prefiltered_schema() -> None:
    ctx = QuestionContext.build(SCHEMA, Q, max_schema_tokens=120)  # budget keeps only the best-ranked tables
    assert "audit_log" not in ctx.table_names
    model = scripted_model({"select_tables": ['{"tables": ["audit_log"]}']})
    with pytest.raises(ScriptRejectedByGrammar):
        select_tables(model, SCHEMA, Q, context=ctx, all_tables_up_to=0)


@pytest.mark.parametrize(
    ("keyword", "flow"),
    [("SELECT", "direct"), ("WITH", "decompose"), ("DELETE", "refuse"), ("DROP", "refuse"), ("INSERT", "refuse")],
)
def test_choose_flow_from_statement_keyword(keyword: str, flow: str) -> None:
    model = scripted_model({"choose_flow": [keyword]})
    decision = choose_flow(model, SCHEMA, Q)
    assert (decision.statement, decision.flow) == (keyword, flow)
    assert ("only reads data" in decision.reason) == (flow == "refuse")
    assert model.lm.engine.generated == [("choose_flow", keyword)]  # one short call


def _json_flow(**fields: object) -> str:
    base = {"statement": "SELECT", "flow": "direct", "reason": "", "clarifying_question": "", "options": [], "steps": []}
    return json.dumps({**base, **fields})


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"flow": "clarify", "clarifying_question": "Best by what?", "options": ["units", "revenue"]}, {"flow": "clarify", "options": ["units", "revenue"]}),
        ({"flow": "decompose", "steps": ["units per product", "top one"]}, {"flow": "decompose", "steps": ["units per product", "top one"]}),
        ({"flow": "refuse", "reason": "no weather data"}, {"flow": "refuse", "reason": "no weather data"}),
        ({"statement": "UPDATE", "flow": "direct"}, {"flow": "refuse"}),  # a write is refused whatever flow the model picked
    ],
)
def test_choose_flow_json_backend_has_all_four_flows(fields: dict, expected: dict) -> None:
    model = scripted_model({"choose_flow": [_json_flow(**fields)]}, grammar=False)
    decision = choose_flow(model, SCHEMA, Q)
    for key, value in expected.items():
        assert getattr(decision, key) == value


def test_choose_flow_grammar_refuses_unknown_statement_kind() -> None:
    model = scripted_model({"choose_flow": ["VACUUM"]})
    with pytest.raises(ScriptRejectedByGrammar):
        choose_flow(model, SCHEMA, Q)


def _selection(*tables: str) -> TableSelection:
    return TableSelection(tables=list(tables))


def test_plan_sql_uses_grammar_and_describes_sql() -> None:
    sql = "SELECT p.name, SUM(oi.quantity) AS units FROM products p JOIN order_items oi ON oi.product_id = p.product_id GROUP BY p.name ORDER BY units DESC LIMIT 3"
    model = scripted_model({"plan_sql": [sql]})
    plan = plan_sql(model, SCHEMA, Q, selection=_selection("products", "order_items"))
    assert plan.sql == sql
    assert plan.explanation == "Reads products and order_items, groups by p.name, computes sum, orders by units DESC, keeps the first 3 rows."
    assert "Decision: plan_sql" in plan.prompt and "order_items" not in plan.prompt.split("Decision:")[1]  # tables are enforced by the grammar, not listed


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT o.quantity FROM orders o",  # column of another table behind the alias
        "SELECT * FROM audit_log",  # table not selected
        "DELETE FROM orders",
        "SELECT 1 -- hidden",
    ],
)
def test_plan_sql_grammar_refuses(sql: str) -> None:
    model = scripted_model({"plan_sql": [sql]})
    with pytest.raises(ScriptRejectedByGrammar):
        plan_sql(model, SCHEMA, Q, selection=_selection("orders", "order_items"))


def test_plan_sql_grammar_ends_the_statement_at_semicolon() -> None:
    model = scripted_model({"plan_sql": ["SELECT 1; DROP TABLE orders"]})
    plan = plan_sql(model, SCHEMA, Q, selection=_selection("orders"))
    assert plan.sql == "SELECT 1;"  # nothing may follow the one statement


def test_repair_sql_sees_failing_sql_and_error() -> None:
    model = scripted_model({"repair_sql": ["SELECT SUM(oi.quantity) FROM order_items oi"]})
    plan = repair_sql(model, SCHEMA, Q, failed_sql="SELECT SUM(o.qty) FROM orders o", error="column orders.qty does not exist", selection=_selection("orders", "order_items"))
    assert plan.sql == "SELECT SUM(oi.quantity) FROM order_items oi"
    assert "SELECT SUM(o.qty) FROM orders o" in plan.prompt and "column orders.qty does not exist" in plan.prompt


def test_repair_names_only_the_failed_querys_tables_and_those_added_for_it() -> None:
    model = scripted_model({"repair_sql": ["SELECT 1"]})
    selection = _selection("orders", "order_items", "customers", "products").model_copy(update={"added": ["audit_log"]})
    plan = repair_sql(model, SCHEMA, Q, failed_sql="SELECT o.qty FROM orders o", error="no column qty", selection=selection)
    assert "Tables (with aliases): orders o, audit_log al." in plan.prompt  # not every allowed table
    unparsable = repair_sql(model, SCHEMA, Q, failed_sql="SELECT (", error="syntax error", selection=_selection("orders"))
    assert "Tables (with aliases)" not in unparsable.prompt


def test_programs_share_one_prompt_prefix() -> None:
    model = scripted_model({"select_tables": ['{"tables": ["orders"]}'], "choose_flow": ["SELECT"]})
    ctx = QuestionContext.build(SCHEMA, Q)
    first = select_tables(model, SCHEMA, Q, context=ctx, all_tables_up_to=0).prompt
    second = choose_flow(model, SCHEMA, Q, context=ctx).prompt
    prefix = first[: first.index("Decision:")]
    assert second.startswith(prefix) and len(prefix) > 500


@pytest.mark.parametrize(
    ("question", "hinted"),
    [
        ("Where is the warehouse that ships order 7?", True),
        ("where can I buy lamps?", True),
        ("In which city were most orders placed, and where are they shipped from?", True),
        ("List the orders where the total is above 100", False),  # a condition, not a question about a place
        ("Which customers live somewhere in Ohio?", False),
    ],
)
def test_plan_sql_asks_where_questions_for_names_and_locations(question: str, hinted: bool) -> None:
    model = scripted_model({"plan_sql": ["SELECT 1"]})
    plan = plan_sql(model, SCHEMA, question, selection=_selection("orders"))
    assert ("The question asks where" in plan.prompt.split("Decision: plan_sql")[1]) is hinted
