"""decide-sql decision programs: typed, grammar-constrained Guidance functions.

Each program takes a model handle (``engine.models.backends.load_model``), the
introspected ``Schema`` and the question, and returns a pydantic decision::

    from engine.models.backends import load_model
    from programs import select_tables, choose_flow, plan_sql

    selection = select_tables(model, schema, "top 5 customers by revenue")
    flow = choose_flow(model, schema, question, selection=selection)
    plan = plan_sql(model, schema, question, selection=selection, flow=flow)

Pass one ``QuestionContext`` to all programs of a question so they share a
prompt prefix (and the local model's KV cache).
"""

from programs.choose_flow import choose_flow
from programs.context import QuestionContext
from programs.plan_sql import plan_sql, repair_sql
from programs.resolve_follow_up import StandaloneQuestion, resolve_follow_up
from programs.select_tables import select_tables
from programs.types import DecisionUsage, FlowDecision, SqlPlan, TableSelection

__all__ = [
    "QuestionContext",
    "select_tables",
    "choose_flow",
    "plan_sql",
    "repair_sql",
    "TableSelection",
    "FlowDecision",
    "SqlPlan",
    "DecisionUsage",
]
