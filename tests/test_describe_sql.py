from programs.describe_sql import describe_sql


def test_describes_grouped_top_n() -> None:
    text = describe_sql("SELECT c.city, SUM(o.total_amount) FROM orders o JOIN customers c ON c.customer_id = o.customer_id GROUP BY c.city ORDER BY 2 DESC LIMIT 3")
    assert text == "Reads orders and customers, groups by c.city, computes sum, orders by 2 DESC, keeps the first 3 rows."


def test_describes_filter_and_steps() -> None:
    text = describe_sql("WITH step1 AS (SELECT * FROM orders WHERE status = 'paid') SELECT COUNT(*) FROM step1")
    assert text.startswith("Reads orders, in 1 step")


def test_unparsable_sql_gets_a_neutral_description() -> None:
    assert describe_sql("SELEC nonsense (((") == "Runs the generated query."


def test_sql_cut_inside_a_string_gets_a_neutral_description() -> None:
    # a generation stopped by the token limit inside a literal: sqlglot's tokenizer (not its parser) fails
    assert describe_sql("SELECT COUNT(*) FROM orders o WHERE o.status = 'cancel") == "Runs the generated query."
