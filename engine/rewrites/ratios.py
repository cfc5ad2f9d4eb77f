"""A ratio of two integers is computed in numeric, not in PostgreSQL's integer division.

``COUNT(*) FILTER (WHERE returned) / COUNT(*)`` is 0 for every share below
one in PostgreSQL: both sides are integers, so the division truncates
(SQLite and MySQL habits hide this: MySQL's ``/`` always gives a decimal).
The step casts the dividend, ``CAST(x AS DECIMAL) / y`` (DECIMAL is
PostgreSQL's NUMERIC), whenever both sides are integer-typed. Whether they
are is read from the expressions and the schema's column types, never from
words of the question: integer columns (``smallint``, ``integer``,
``bigint``), integer literals, ``COUNT`` (also with ``FILTER``), ``SUM`` of an ``integer`` or
``smallint`` expression (PostgreSQL sums ``bigint`` into numeric already),
``MIN``/``MAX``/``ABS``/``LENGTH`` of integers, ``+ - *`` of integers, a
``CASE`` or ``COALESCE`` whose every branch is an integer, a cast to an
integer type, and a scalar subquery selecting one of these. Anything else
(a numeric or float column, ``AVG``, a column of a subquery, an unknown
function) is not known to be an integer, and the division is left alone.

Integer division is sometimes what a correct query means, so a division is
also left alone where its integer result is the point:

- inside a GROUP BY key, or an expression equal to one (``age / 10`` buckets;
  ``GROUP BY 1`` and ``GROUP BY band`` name the selected expression), and
  inside ``PARTITION BY``;
- under ``FLOOR``, ``CEIL``, ``TRUNC``, ``DIV`` or a cast to an integer type
  (the query asks for a whole number itself), and as an argument of any
  function that is not an aggregate, ``ROUND``, ``ABS``, ``COALESCE``,
  ``NULLIF``, ``GREATEST``/``LEAST`` or a cast to a non-integer type (a
  ``SUBSTRING`` length, a ``generate_series`` bound, an array subscript);
- in ``LIMIT``/``OFFSET``, also inside a subquery there (a median's row number);
- compared for equality with an integer literal (``year / 10 = 199``: only
  integer division can make that hold).

``ROUND(x / y, 2)`` is rewritten: rounding an integer to two places says a
fraction was expected. tests/test_gold_invariance.py checks that no correct
development query changes its result.
"""

from __future__ import annotations

import re

from sqlglot import exp

from engine.rewrites.context import RewriteContext
from engine.rewrites.fix import Fix
from engine.scope import QueryScope

INTEGER_TYPE = re.compile(r"^(smallint|integer|bigint|int|int2|int4|int8|smallserial|serial|bigserial)\b", re.I)
NARROW_TYPE = re.compile(r"^(smallint|integer|int|int2|int4|smallserial|serial)\b", re.I)  # SUM of these is bigint; of bigint, numeric
INTEGER_CASTS = {exp.DataType.Type.TINYINT, exp.DataType.Type.SMALLINT, exp.DataType.Type.INT, exp.DataType.Type.BIGINT}
WHOLE_NUMBER_FUNCTIONS = (exp.Floor, exp.Ceil, exp.IntDiv)
FRACTION_FUNCTIONS = (exp.AggFunc, exp.Round, exp.Abs, exp.Coalesce, exp.Nullif, exp.Greatest, exp.Least)
Width = str  # "narrow" (int2/int4), "wide" (int8); None: not an integer


def divide_in_numeric(tree: exp.Expression, ctx: RewriteContext) -> list[Fix]:
    """Every ``a / b`` of two integer-typed expressions becomes ``CAST(a AS DECIMAL) / b``, edited in place."""
    scope = ctx.scope_of(tree)
    fixes: list[Fix] = []
    for div in list(tree.find_all(exp.Div)):
        if not (_integer(div.this, scope) and _integer(div.expression, scope)) or _integer_meant(div):
            continue
        before = div.sql(dialect="postgres")
        div.set("this", exp.Cast(this=div.this.copy(), to=exp.DataType.build("numeric")))
        fixes.append(Fix(before=before, after=div.sql(dialect="postgres"), reason="both sides are integers: PostgreSQL would divide in integers (3 / 4 = 0)"))
    return fixes


def _integer(node: exp.Expression, scope: QueryScope) -> bool:
    return _width(node, scope) is not None


def _width(node: exp.Expression, scope: QueryScope) -> Width | None:
    """The integer width of ``node``'s value, or None when it is not (known to be) an integer."""
    if isinstance(node, exp.Paren):
        return _width(node.this, scope)
    if isinstance(node, exp.Literal):
        return ("wide" if abs(int(node.this)) > 2**31 - 1 else "narrow") if node.is_int else None
    if isinstance(node, exp.Neg):
        return _width(node.this, scope)
    if isinstance(node, exp.Column):
        found = scope.resolve(node)
        if found is None or not INTEGER_TYPE.match(found[1].type):
            return None
        return "narrow" if NARROW_TYPE.match(found[1].type) else "wide"
    if isinstance(node, exp.Count):
        return "wide"
    if isinstance(node, exp.Filter):  # COUNT(*) FILTER (WHERE ...)
        return _width(node.this, scope)
    if isinstance(node, exp.Sum):
        return "wide" if _width(node.this, scope) == "narrow" else None
    if isinstance(node, (exp.Min, exp.Max, exp.Abs)):
        return _width(node.this, scope)
    if isinstance(node, exp.Length):
        return "narrow"
    if isinstance(node, (exp.Add, exp.Sub, exp.Mul)):
        return _widest([node.this, node.expression], scope)
    if isinstance(node, exp.Coalesce):
        return _widest([node.this, *node.expressions], scope)
    if isinstance(node, exp.Case):
        branches = [i.args.get("true") for i in node.args.get("ifs") or []] + ([node.args["default"]] if node.args.get("default") else [])
        return _widest(branches, scope)
    if isinstance(node, exp.Cast):
        return ("wide" if node.to.this == exp.DataType.Type.BIGINT else "narrow") if node.to.this in INTEGER_CASTS else None
    if isinstance(node, exp.Subquery) and isinstance(node.this, exp.Select) and len(node.this.expressions) == 1:
        return _width(node.this.expressions[0].unalias(), scope)
    return None


def _widest(nodes: list[exp.Expression | None], scope: QueryScope) -> Width | None:
    widths = [_width(n, scope) if n is not None else None for n in nodes]
    if not widths or None in widths:
        return None
    return "wide" if "wide" in widths else "narrow"


def _integer_meant(div: exp.Div) -> bool:
    """The query wants this division's integer result (the cases in the module docstring)."""
    select = div.find_ancestor(exp.Select)
    if select is not None and any(d == div for key in _group_keys(select) for d in key.find_all(exp.Div)):
        return True  # a GROUP BY key, or its copy in SELECT, ORDER BY or HAVING
    node: exp.Expression = div
    while node.parent is not None:  # up to the statement: a division in a subquery of a LIMIT is a row count too
        parent = node.parent
        if isinstance(parent, (exp.Group, exp.Limit, exp.Offset, exp.Fetch, exp.Bracket)):
            return True
        if isinstance(parent, exp.Window) and node.arg_key == "partition_by":
            return True
        if isinstance(parent, exp.Cast):
            if parent.to.this in INTEGER_CASTS:
                return True
        elif isinstance(parent, WHOLE_NUMBER_FUNCTIONS) or (isinstance(parent, exp.Func) and not isinstance(parent, FRACTION_FUNCTIONS) and not _arithmetic(parent)):
            return True
        if isinstance(parent, (exp.EQ, exp.NEQ)) and _int_literal(parent.expression if node is parent.this else parent.this):
            return True
        if isinstance(parent, exp.In) and node is parent.this and any(_int_literal(e) for e in parent.expressions):
            return True
        node = parent
    return False


def _group_keys(select: exp.Select) -> list[exp.Expression]:
    """The GROUP BY keys, with ``GROUP BY 1`` and ``GROUP BY band`` read as the selected expressions they name."""
    group = select.args.get("group")
    if group is None:
        return []
    shown = {e.alias.lower(): e.unalias() for e in select.expressions if e.alias}
    keys: list[exp.Expression] = []
    for key in group.expressions:
        if isinstance(key, exp.Literal) and key.is_int and 0 < int(key.this) <= len(select.expressions):
            keys.append(select.expressions[int(key.this) - 1].unalias())
        elif isinstance(key, exp.Column) and not key.table and key.name.lower() in shown:
            keys.append(shown[key.name.lower()])
        else:
            keys.append(key)
    return keys


def _arithmetic(node: exp.Expression) -> bool:
    """``+ - * /``, parentheses and CASE branches: a ratio stays a ratio through them (sqlglot counts some of these as functions)."""
    return isinstance(node, (exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Paren, exp.Neg, exp.Case, exp.If))


def _int_literal(node: exp.Expression) -> bool:
    node = node.unnest() if isinstance(node, exp.Paren) else node
    return isinstance(node, exp.Literal) and node.is_int
