"""Legitimate analytics reads the validator must accept and PostgreSQL must run.

Two unrelated fixture databases, each built by ``make_db`` from its setup SQL:
``shop`` (customers, products, orders, order_items, payments, events and a
second schema ``sales`` with a quoted table) and ``transit`` (stations, lines,
stops, links, trips and a schema ``ops``). Families are tables of queries, some
generated from small tables of parts (every ORDER BY direction with every NULLS
spelling, every interval spelling), so each id says what is read
(``nulls:asc_explicit:nulls_last``, ``interval:typed_day``). Each query is
hand-written, correct PostgreSQL as a user would paste it into ``decide-sql sql``.
"""

from __future__ import annotations

import re
from typing import NamedTuple


class Read(NamedTuple):
    id: str
    sql: str
    db: str  # "shop" or "transit"


SHOP_SQL = """
CREATE TABLE customers (customer_id integer PRIMARY KEY, name text NOT NULL, email text, country text, segment text,
  signup_date date, created_at timestamptz, birth_date date, credit_limit numeric(12,2), tags text[], prefs jsonb,
  referred_by integer REFERENCES customers);
CREATE TABLE products (product_id integer PRIMARY KEY, sku text UNIQUE, name text, category text, price numeric(10,2),
  cost numeric(10,2), attributes jsonb, labels text[], launched_on date, discontinued boolean);
CREATE TABLE orders (order_id integer PRIMARY KEY, customer_id integer REFERENCES customers, status text,
  ordered_at timestamp, shipped_at timestamptz, total numeric(12,2), discount numeric(5,2), channel text, notes text);
CREATE TABLE order_items (order_id integer REFERENCES orders, line_no integer, product_id integer REFERENCES products,
  quantity integer, unit_price numeric(10,2), PRIMARY KEY (order_id, line_no));
CREATE TABLE payments (payment_id integer PRIMARY KEY, order_id integer REFERENCES orders, paid_at timestamptz,
  amount numeric(12,2), method text, details json);
CREATE TABLE events (event_id bigint PRIMARY KEY, customer_id integer REFERENCES customers, occurred_at timestamptz,
  kind text, payload jsonb, duration interval, scores integer[]);
CREATE SCHEMA sales;
CREATE TABLE sales.reps (rep_id integer PRIMARY KEY, full_name text, region text, manager_id integer REFERENCES sales.reps,
  hired_on date);
CREATE TABLE sales.targets (region text, month date, target numeric(12,2), PRIMARY KEY (region, month));
CREATE TABLE sales."Quarterly Report" ("Quarter" text, "Revenue" numeric(14,2), "RepId" integer REFERENCES sales.reps);

INSERT INTO customers SELECT i, 'Customer ' || i, CASE WHEN i % 7 = 0 THEN NULL ELSE 'c' || i || '@example.com' END,
  (ARRAY['US', 'DE', 'FR', 'BR', NULL])[1 + i % 5], (ARRAY['retail', 'smb', 'enterprise'])[1 + i % 3],
  DATE '2023-01-01' + i * 9, TIMESTAMPTZ '2023-01-01 08:00:00+00' + i * INTERVAL '9 days 3 hours',
  CASE WHEN i % 6 = 0 THEN NULL ELSE DATE '1960-01-01' + i * 400 END, i * 250,
  CASE i % 3 WHEN 0 THEN ARRAY['vip', 'eu'] WHEN 1 THEN ARRAY['new'] ELSE '{}'::text[] END,
  jsonb_build_object('newsletter', i % 2 = 0, 'lang', (ARRAY['en', 'de', 'fr'])[1 + i % 3],
    'channels', jsonb_build_array('email', CASE WHEN i % 2 = 0 THEN 'sms' ELSE 'push' END)),
  CASE WHEN i > 5 THEN 1 + i % 5 END
  FROM generate_series(1, 40) i;
INSERT INTO products SELECT i, 'SKU-' || lpad(i::text, 3, '0'), 'Product ' || i, (ARRAY['toys', 'books', 'garden', 'tech'])[1 + i % 4],
  round(5 + i * 3.7, 2), round((5 + i * 3.7) * 0.6, 2),
  jsonb_build_object('color', (ARRAY['red', 'blue', 'green'])[1 + i % 3], 'weight_kg', i * 0.5, 'dims', jsonb_build_object('w', i, 'h', i * 2)),
  CASE WHEN i % 2 = 0 THEN ARRAY['sale'] ELSE ARRAY['new', 'eco'] END, DATE '2022-06-01' + i * 30, i % 6 = 0
  FROM generate_series(1, 15) i;
INSERT INTO orders SELECT i, 1 + i % 40, (ARRAY['paid', 'shipped', 'cancelled', 'refunded', 'pending'])[1 + i % 5],
  TIMESTAMP '2024-01-01 09:00' + i * INTERVAL '1 day 5 hours',
  CASE WHEN i % 5 = 1 THEN (TIMESTAMP '2024-01-01 09:00' + i * INTERVAL '1 day 5 hours' + INTERVAL '2 days') AT TIME ZONE 'UTC' END,
  round(10 + (i * 7.35) % 500, 2), CASE WHEN i % 4 = 0 THEN 5.00 END, (ARRAY['web', 'store', 'phone'])[1 + i % 3],
  CASE WHEN i % 10 = 0 THEN 'Gift wrap, URGENT' WHEN i % 10 = 3 THEN 'call before delivery' END
  FROM generate_series(1, 200) i;
INSERT INTO order_items SELECT o.i, l, 1 + (o.i * l) % 15, 1 + (o.i + l) % 5, p.price
  FROM generate_series(1, 200) o(i) CROSS JOIN generate_series(1, 3) l JOIN products p ON p.product_id = 1 + (o.i * l) % 15
  WHERE l <= 1 + o.i % 3;
INSERT INTO payments SELECT o.order_id, o.order_id, (o.ordered_at + INTERVAL '1 hour') AT TIME ZONE 'UTC', o.total,
  (ARRAY['card', 'paypal', 'bank'])[1 + o.order_id % 3],
  json_build_object('brand', (ARRAY['visa', 'amex'])[1 + o.order_id % 2], 'installments', 1 + o.order_id % 3)
  FROM orders o WHERE o.status NOT IN ('pending', 'cancelled');
INSERT INTO events SELECT i, 1 + i % 40, TIMESTAMPTZ '2024-03-01 00:00+00' + i * INTERVAL '7 hours 13 minutes',
  (ARRAY['view', 'cart', 'checkout', 'search'])[1 + i % 4],
  jsonb_build_object('page', '/p/' || (1 + i % 15), 'ms', (i * 37) % 2000, 'tags', jsonb_build_array('a', 'b'))
    || CASE WHEN i % 4 = 3 THEN '{"query": "garden lamp"}'::jsonb ELSE '{}'::jsonb END,
  make_interval(secs => (i * 13) % 600), ARRAY[i % 10, (i * 3) % 10, (i * 7) % 10]
  FROM generate_series(1, 500) i;
INSERT INTO sales.reps SELECT i, 'Rep ' || i, (ARRAY['north', 'south', 'east', 'west'])[1 + i % 4], CASE WHEN i > 1 THEN i / 2 END,
  DATE '2019-01-15' + i * 120 FROM generate_series(1, 8) i;
INSERT INTO sales.targets SELECT r, m::date, 10000 + 500 * extract(month FROM m)
  FROM unnest(ARRAY['north', 'south', 'east', 'west']) r, generate_series(DATE '2024-01-01', DATE '2024-12-01', INTERVAL '1 month') m;
INSERT INTO sales."Quarterly Report" VALUES ('2024-Q1', 12345.50, 1), ('2024-Q1', 8800.00, 2), ('2024-Q2', 15000.25, 1),
  ('2024-Q2', NULL, 3), ('2024-Q3', 9100.00, 2);
"""

TRANSIT_SQL = """
CREATE TABLE stations (station_id integer PRIMARY KEY, name text, city text, opened date, zone smallint, accessible boolean);
CREATE TABLE lines (line_id integer PRIMARY KEY, code text UNIQUE, color text, kind text);
CREATE TABLE stops (line_id integer REFERENCES lines, station_id integer REFERENCES stations, seq integer, PRIMARY KEY (line_id, seq));
CREATE TABLE links (from_station integer REFERENCES stations, to_station integer REFERENCES stations, minutes integer);
CREATE TABLE trips (trip_id bigint PRIMARY KEY, line_id integer REFERENCES lines, departs_at timestamp, arrives_at timestamp,
  riders integer, delay_min integer, fare real);
CREATE SCHEMA ops;
CREATE TABLE ops.incidents (incident_id integer PRIMARY KEY, station_id integer REFERENCES stations, reported_at timestamptz,
  resolved_at timestamptz, severity smallint, description text, meta jsonb, codes text[]);

INSERT INTO stations SELECT i, 'Station ' || chr(64 + i), (ARRAY['Porto', 'Braga', 'Aveiro'])[1 + i % 3], DATE '1990-05-01' + i * 700,
  1 + i % 3, i % 4 <> 0 FROM generate_series(1, 12) i;
INSERT INTO lines VALUES (1, 'A', 'blue', 'metro'), (2, 'B', 'red', 'metro'), (3, 'T1', 'green', 'tram'), (4, 'X', NULL, 'bus');
INSERT INTO stops SELECT 1 + (i - 1) / 6, 1 + (i * 5) % 12, 1 + (i - 1) % 6 FROM generate_series(1, 24) i;
INSERT INTO links SELECT i, i + 1, 2 + i % 4 FROM generate_series(1, 11) i;
INSERT INTO trips SELECT i, 1 + i % 4, TIMESTAMP '2024-05-01 05:30' + i * INTERVAL '47 minutes',
  TIMESTAMP '2024-05-01 05:30' + i * INTERVAL '47 minutes' + (20 + i % 15) * INTERVAL '1 minute',
  CASE WHEN i % 17 = 0 THEN NULL ELSE 20 + (i * 31) % 180 END, (i * 7) % 12 - 2, 1.5 + (i % 3) * 0.75
  FROM generate_series(1, 300) i;
INSERT INTO ops.incidents SELECT i, 1 + i % 12, TIMESTAMPTZ '2024-05-01 06:00+00' + i * INTERVAL '13 hours',
  CASE WHEN i % 3 = 0 THEN NULL ELSE TIMESTAMPTZ '2024-05-01 06:00+00' + i * INTERVAL '13 hours' + (i % 5 + 1) * INTERVAL '25 minutes' END,
  1 + i % 5, (ARRAY['Signal failure at platform', 'door fault', 'Power outage', 'escalator stopped'])[1 + i % 4],
  jsonb_build_object('crew', 1 + i % 3, 'weather', (ARRAY['rain', 'dry'])[1 + i % 2]), ARRAY['E' || (i % 4), 'S' || (i % 2)]
  FROM generate_series(1, 30) i;
"""

# ---------------------------------------------------------------------------
# NULLS FIRST/LAST in every direction: explicit and default, on several shapes.
_DIRECTIONS = {"default": "", "asc": " ASC", "desc": " DESC"}
_NULLS = {"implicit": "", "nulls_first": " NULLS FIRST", "nulls_last": " NULLS LAST"}
_ORDER_SHAPES = {
    "column": ("shop", "SELECT name, country FROM customers ORDER BY country{d}{n}, customer_id"),
    "expression": ("shop", "SELECT order_id, shipped_at FROM orders ORDER BY shipped_at - INTERVAL '1 day'{d}{n}, order_id"),
    "window": ("shop", "SELECT customer_id, rank() OVER (ORDER BY birth_date{d}{n}) FROM customers"),
    "aggregate": ("transit", "SELECT line_id, array_agg(riders ORDER BY riders{d}{n}) FROM trips GROUP BY line_id"),
}


def _nulls() -> list[Read]:
    return [
        Read(f"nulls:{shape}:{dk}:{nk}", sql.format(d=d, n=n), db)
        for shape, (db, sql) in _ORDER_SHAPES.items()
        for dk, d in _DIRECTIONS.items()
        for nk, n in _NULLS.items()
    ]


_NULLS_EXTRA = {
    "two_keys_mixed": ("shop", "SELECT * FROM orders ORDER BY discount DESC NULLS LAST, shipped_at ASC NULLS FIRST, order_id"),
    "ordinal": ("shop", "SELECT country, count(*) FROM customers GROUP BY country ORDER BY 1 NULLS LAST"),
    "alias": ("shop", "SELECT country AS c FROM customers ORDER BY c DESC NULLS FIRST"),
    "in_subquery": ("shop", "SELECT * FROM (SELECT email FROM customers ORDER BY email NULLS LAST LIMIT 5) s"),
    "string_agg": ("shop", "SELECT string_agg(email, ';' ORDER BY email NULLS FIRST) FROM customers"),
    "percentile": ("transit", "SELECT percentile_disc(0.9) WITHIN GROUP (ORDER BY riders DESC NULLS LAST) FROM trips"),
    "union": ("shop", "SELECT country FROM customers UNION SELECT category FROM products ORDER BY 1 NULLS LAST"),
    "distinct_on": ("shop", "SELECT DISTINCT ON (country) country, name FROM customers ORDER BY country NULLS LAST, credit_limit DESC"),
    "lower_case": ("shop", "select name from customers order by country asc nulls last"),
    "fetch": ("transit", "SELECT trip_id FROM trips ORDER BY riders NULLS LAST FETCH FIRST 3 ROWS ONLY"),
}

# ---------------------------------------------------------------------------
# Interval syntax in all its forms.
_INTERVALS = {
    "typed_day": "SELECT count(*) FROM orders WHERE ordered_at >= TIMESTAMP '2024-06-01' - INTERVAL '70' DAY",
    "current_date_typed_day": "SELECT count(*) FROM orders WHERE ordered_at >= CURRENT_DATE - INTERVAL '70' DAY",
    "typed_month": "SELECT count(*) FROM orders WHERE ordered_at < DATE '2024-06-01' + INTERVAL '3' MONTH",
    "typed_year": "SELECT count(*) FROM customers WHERE signup_date > DATE '2024-01-01' - INTERVAL '1' YEAR",
    "typed_hour": "SELECT count(*) FROM events WHERE occurred_at > TIMESTAMPTZ '2024-03-05 00:00+00' - INTERVAL '12' HOUR",
    "typed_minute": "SELECT order_id FROM orders WHERE ordered_at + INTERVAL '90' MINUTE > TIMESTAMP '2024-03-01'",
    "typed_second": "SELECT count(*) FROM events WHERE duration > INTERVAL '300' SECOND",
    "typed_week": "SELECT count(*) FROM orders WHERE ordered_at > TIMESTAMP '2024-05-01' - INTERVAL '2 weeks'",
    "plain_string": "SELECT count(*) FROM orders WHERE ordered_at > TIMESTAMP '2024-05-01' - INTERVAL '1 day'",
    "plain_plural": "SELECT count(*) FROM orders WHERE ordered_at > TIMESTAMP '2024-05-01' - INTERVAL '30 days'",
    "compound": "SELECT order_id, ordered_at + INTERVAL '1 day 2 hours 30 minutes' FROM orders",
    "iso8601": "SELECT order_id, ordered_at + INTERVAL 'P1DT2H' FROM orders",
    "hh_mm_ss": "SELECT order_id FROM orders WHERE shipped_at - ordered_at::timestamptz > INTERVAL '36:00:00'",
    "year_to_month": "SELECT INTERVAL '1-2' YEAR TO MONTH",
    "day_to_second": "SELECT INTERVAL '3 4:05:06' DAY TO SECOND",
    "hour_to_minute": "SELECT INTERVAL '4:05' HOUR TO MINUTE",
    "cast_suffix": "SELECT count(*) FROM orders WHERE ordered_at > TIMESTAMP '2024-05-01' - '1 day'::interval",
    "cast_function": "SELECT count(*) FROM orders WHERE ordered_at > TIMESTAMP '2024-05-01' - CAST('7 days' AS interval)",
    "cast_ago": "SELECT '2 days ago'::interval",
    "multiply": "SELECT order_id, ordered_at + 3 * INTERVAL '1 day' FROM orders",
    "multiply_column": "SELECT trip_id, departs_at + delay_min * INTERVAL '1 minute' FROM trips",
    "make_interval_named": "SELECT ordered_at + make_interval(days => 10) FROM orders",
    "make_interval_positional": "SELECT make_interval(0, 1, 0, 5)",
    "make_interval_hours": "SELECT count(*) FROM events WHERE occurred_at > TIMESTAMPTZ '2024-03-10 00:00+00' - make_interval(hours => 48)",
    "date_minus_int": "SELECT signup_date - 30 FROM customers",
    "date_plus_int": "SELECT signup_date + 7 AS week_later FROM customers",
    "date_minus_date": "SELECT name, DATE '2025-01-01' - signup_date AS days FROM customers",
    "timestamp_minus_timestamp": "SELECT order_id, shipped_at - ordered_at::timestamptz AS lead_time FROM orders WHERE shipped_at IS NOT NULL",
    "interval_compare": "SELECT trip_id FROM trips WHERE arrives_at - departs_at > INTERVAL '30 minutes'",
    "interval_extract_epoch": "SELECT avg(extract(epoch FROM arrives_at - departs_at) / 60) FROM trips",
    "interval_sum": "SELECT customer_id, sum(duration) FROM events GROUP BY customer_id",
    "interval_avg": "SELECT kind, avg(duration) FROM events GROUP BY kind",
    "justify": "SELECT justify_interval(sum(duration)) FROM events",
    "current_date_minus_int": "SELECT count(*) FROM customers WHERE signup_date >= CURRENT_DATE - 365",
    "current_timestamp_minus": "SELECT count(*) FROM events WHERE occurred_at > CURRENT_TIMESTAMP - INTERVAL '30 days'",
    "now_minus": "SELECT count(*) FROM events WHERE occurred_at > now() - INTERVAL '1 year'",
    "between_intervals": "SELECT count(*) FROM orders WHERE ordered_at BETWEEN TIMESTAMP '2024-02-01' AND TIMESTAMP '2024-02-01' + INTERVAL '1 month'",
    "interval_in_window": "SELECT order_id, count(*) OVER (ORDER BY ordered_at RANGE BETWEEN INTERVAL '7 days' PRECEDING AND CURRENT ROW) FROM orders",
    "negative": "SELECT TIMESTAMP '2024-01-01' + INTERVAL '-3 days'",
    "to_char_interval": "SELECT to_char(INTERVAL '15 hours 2 minutes', 'HH24:MI')",
    "age_compare": "SELECT name FROM customers WHERE age(birth_date) > INTERVAL '40 years'",
    "date_bin": "SELECT date_bin(INTERVAL '15 minutes', occurred_at, TIMESTAMPTZ '2024-01-01 00:00+00') AS slot, count(*) FROM events GROUP BY 1",
}

# ---------------------------------------------------------------------------
# Dates and times.
_DATETIME = {
    "date_trunc_month": "SELECT date_trunc('month', ordered_at) AS month, sum(total) FROM orders GROUP BY 1 ORDER BY 1",
    "date_trunc_week": "SELECT date_trunc('week', occurred_at) AS wk, count(*) FROM events GROUP BY wk ORDER BY wk",
    "date_trunc_tz": "SELECT date_trunc('day', occurred_at, 'Europe/Lisbon') FROM events",
    "date_trunc_quarter": "SELECT date_trunc('quarter', signup_date)::date AS q, count(*) FROM customers GROUP BY q",
    "extract_year": "SELECT extract(year FROM ordered_at) AS y, count(*) FROM orders GROUP BY y",
    "extract_dow": "SELECT EXTRACT(DOW FROM ordered_at) AS dow, avg(total) FROM orders GROUP BY 1 ORDER BY 1",
    "extract_isodow": "SELECT order_id FROM orders WHERE extract(isodow FROM ordered_at) IN (6, 7)",
    "extract_epoch": "SELECT extract(epoch FROM occurred_at) FROM events",
    "extract_hour_tz": "SELECT extract(hour FROM occurred_at AT TIME ZONE 'UTC') AS h, count(*) FROM events GROUP BY h",
    "extract_quarter": "SELECT EXTRACT(QUARTER FROM signup_date) q, count(*) FROM customers GROUP BY q",
    "extract_week": "SELECT extract(week FROM ordered_at), count(*) FROM orders GROUP BY 1",
    "date_part": "SELECT date_part('month', ordered_at) AS m, count(*) FROM orders GROUP BY m",
    "date_part_doy": "SELECT date_part('doy', signup_date) FROM customers",
    "age_one": "SELECT name, age(birth_date) FROM customers",
    "age_two": "SELECT name, age(DATE '2025-01-01', birth_date) FROM customers",
    "age_years": "SELECT name, extract(year FROM age(DATE '2025-01-01', birth_date)) AS years FROM customers",
    "to_char_month": "SELECT to_char(ordered_at, 'YYYY-MM') AS ym, count(*) FROM orders GROUP BY ym ORDER BY ym",
    "to_char_day_name": "SELECT to_char(ordered_at, 'FMDay') AS day, count(*) FROM orders GROUP BY 1",
    "to_char_number": "SELECT to_char(total, 'FM999G990D00') FROM orders",
    "to_date": "SELECT count(*) FROM orders WHERE ordered_at >= to_date('2024-03-01', 'YYYY-MM-DD')",
    "to_timestamp_text": "SELECT to_timestamp('2024-03-01 10:00', 'YYYY-MM-DD HH24:MI')",
    "to_timestamp_epoch": "SELECT to_timestamp(1700000000)",
    "date_function": "SELECT DATE(ordered_at) AS day, count(*) FROM orders GROUP BY DATE(ordered_at)",
    "date_function_where": "SELECT count(*) FROM events WHERE date(occurred_at) = DATE '2024-03-02'",
    "now": "SELECT now()",
    "current_timestamp": "SELECT CURRENT_TIMESTAMP",
    "current_date": "SELECT CURRENT_DATE",
    "current_time": "SELECT CURRENT_TIME",
    "localtimestamp": "SELECT LOCALTIMESTAMP",
    "localtime": "SELECT LOCALTIME",
    "at_time_zone": "SELECT occurred_at AT TIME ZONE 'America/New_York' FROM events",
    "at_time_zone_twice": "SELECT (ordered_at AT TIME ZONE 'UTC') AT TIME ZONE 'Asia/Tokyo' FROM orders",
    "at_time_zone_interval": "SELECT occurred_at AT TIME ZONE INTERVAL '-05:00' FROM events",
    "timezone_function": "SELECT timezone('UTC', occurred_at) FROM events",
    "generate_series_days": "SELECT d::date FROM generate_series(DATE '2024-01-01', DATE '2024-01-31', INTERVAL '1 day') AS d",
    "generate_series_months_join": (
        "SELECT m.month, count(o.order_id) FROM generate_series(TIMESTAMP '2024-01-01', TIMESTAMP '2024-12-01', INTERVAL '1 month') AS m(month) "
        "LEFT JOIN orders o ON date_trunc('month', o.ordered_at) = m.month GROUP BY m.month ORDER BY m.month"
    ),
    "generate_series_gap_fill": (
        "WITH days AS (SELECT generate_series(DATE '2024-03-01', DATE '2024-03-10', INTERVAL '1 day')::date AS day) "
        "SELECT days.day, count(e.event_id) FROM days LEFT JOIN events e ON e.occurred_at::date = days.day GROUP BY days.day ORDER BY days.day"
    ),
    "make_date": "SELECT make_date(2024, 2, 29)",
    "make_timestamp": "SELECT make_timestamp(2024, 5, 1, 8, 30, 0)",
    "date_literal_compare": "SELECT count(*) FROM customers WHERE signup_date BETWEEN '2023-03-01' AND '2023-06-30'",
    "timestamp_string_compare": "SELECT count(*) FROM orders WHERE ordered_at >= '2024-04-01 00:00:00'",
    "overlaps": "SELECT count(*) FROM trips WHERE (departs_at, arrives_at) OVERLAPS (TIMESTAMP '2024-05-02 08:00', TIMESTAMP '2024-05-02 09:00')",
    "isfinite": "SELECT isfinite(signup_date) FROM customers",
    "month_year_group": "SELECT extract(year FROM ordered_at)::int AS y, extract(month FROM ordered_at)::int AS m, sum(total) FROM orders GROUP BY 1, 2 ORDER BY 1, 2",
    "last_30_days_of_data": "SELECT count(*) FROM events WHERE occurred_at > (SELECT max(occurred_at) FROM events) - INTERVAL '30 days'",
    "clock_timestamp": "SELECT clock_timestamp() > statement_timestamp()",
    "date_trunc_compare": "SELECT count(*) FROM orders WHERE date_trunc('month', ordered_at) = DATE '2024-02-01'",
}

# ---------------------------------------------------------------------------
# Casts and typed literals.
_CASTS = {
    "double_colon_int": "SELECT total::int FROM orders",
    "double_colon_text": "SELECT order_id::text || '-' || status FROM orders",
    "double_colon_numeric": "SELECT count(*)::numeric / 3 FROM orders",
    "double_colon_precision": "SELECT avg(total)::numeric(10, 2) FROM orders",
    "double_colon_date": "SELECT ordered_at::date, count(*) FROM orders GROUP BY 1",
    "double_colon_chain": "SELECT '42'::text::int + 1",
    "cast_function": "SELECT CAST(total AS integer) FROM orders",
    "cast_varchar": "SELECT CAST(order_id AS varchar(10)) FROM orders",
    "cast_double": "SELECT CAST(riders AS double precision) / 2 FROM trips",
    "cast_real": "SELECT fare::real FROM trips",
    "cast_bigint": "SELECT sum(quantity)::bigint FROM order_items",
    "cast_boolean": "SELECT 'true'::boolean, CAST('f' AS boolean)",
    "cast_timestamptz": "SELECT ordered_at::timestamptz FROM orders",
    "cast_jsonb": "SELECT '{\"a\": 1}'::jsonb -> 'a'",
    "cast_text_array": "SELECT '{a,b}'::text[]",
    "cast_int_array": "SELECT CAST(ARRAY['1', '2'] AS integer[])",
    "typed_date": "SELECT DATE '2024-01-01'",
    "typed_timestamp": "SELECT TIMESTAMP '2024-01-01 10:00:00'",
    "typed_timestamptz": "SELECT TIMESTAMPTZ '2024-01-01 10:00:00+02'",
    "typed_timestamp_with_tz": "SELECT TIMESTAMP WITH TIME ZONE '2024-01-01 10:00:00+02'",
    "typed_time": "SELECT TIME '10:30'",
    "typed_numeric": "SELECT NUMERIC '1.50' * 2",
    "typed_int": "SELECT INTEGER '7' + 1",
    "typed_text": "SELECT TEXT 'abc' || 'def'",
    "typed_jsonb": "SELECT JSONB '{\"k\": [1, 2]}' -> 'k'",
    "cast_in_where": "SELECT order_id FROM orders WHERE total::int = 100 OR order_id::text LIKE '1%'",
    "cast_in_join": "SELECT o.order_id FROM orders o JOIN events e ON e.payload ->> 'page' = '/p/' || o.order_id::text",
    "cast_smallint": "SELECT zone::smallint FROM stations",
    "round_numeric": "SELECT round(avg(fare)::numeric, 2) FROM trips",
    "percentage": "SELECT round(100.0 * count(*) FILTER (WHERE status = 'paid') / count(*), 1) AS pct_paid FROM orders",
    "ratio_cast": "SELECT sum(quantity)::numeric / count(DISTINCT order_id) FROM order_items",
    "interval_cast_text": "SELECT duration::text FROM events",
    "money_free_numeric": "SELECT 1.5::numeric(4, 1)",
    "char_type": "SELECT 'x'::char(3), 'y'::character varying",
    "uuid_cast": "SELECT 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid",
}

# ---------------------------------------------------------------------------
# JSON and arrays.
_JSON_ARRAYS = {
    "arrow": "SELECT attributes -> 'color' FROM products",
    "arrow_text": "SELECT attributes ->> 'color' AS color, count(*) FROM products GROUP BY 1",
    "arrow_chain": "SELECT attributes -> 'dims' ->> 'w' FROM products",
    "arrow_index": "SELECT prefs -> 'channels' -> 0 FROM customers",
    "arrow_index_text": "SELECT prefs -> 'channels' ->> 1 FROM customers",
    "hash_arrow": "SELECT attributes #> '{dims,h}' FROM products",
    "hash_arrow_text": "SELECT attributes #>> '{dims,w}' FROM products",
    "contains": "SELECT name FROM products WHERE attributes @> '{\"color\": \"red\"}'",
    "contained_by": "SELECT name FROM products WHERE '{\"color\": \"red\"}'::jsonb <@ attributes",
    "key_exists": "SELECT count(*) FROM events WHERE payload ? 'query'",
    "key_exists_any": "SELECT count(*) FROM events WHERE payload ?| ARRAY['query', 'missing']",
    "key_exists_all": "SELECT count(*) FROM events WHERE payload ?& ARRAY['page', 'ms']",
    "json_cast_compare": "SELECT count(*) FROM events WHERE (payload ->> 'ms')::int > 1000",
    "json_in_group": "SELECT payload ->> 'page' AS page, avg((payload ->> 'ms')::numeric) FROM events GROUP BY 1 ORDER BY 2 DESC",
    "json_type_plain": "SELECT details ->> 'brand', count(*) FROM payments GROUP BY 1",
    "json_type_int": "SELECT (details ->> 'installments')::int FROM payments",
    "jsonb_array_elements": "SELECT c.customer_id, ch FROM customers c, jsonb_array_elements(c.prefs -> 'channels') AS ch",
    "jsonb_array_elements_text": "SELECT ch, count(*) FROM customers, jsonb_array_elements_text(prefs -> 'channels') AS ch GROUP BY ch",
    "jsonb_each": "SELECT key, count(*) FROM products, jsonb_each(attributes) GROUP BY key",
    "jsonb_each_text": "SELECT p.name, kv.key, kv.value FROM products p CROSS JOIN LATERAL jsonb_each_text(p.attributes) AS kv",
    "jsonb_object_keys": "SELECT DISTINCT jsonb_object_keys(payload) FROM events",
    "jsonb_typeof": "SELECT jsonb_typeof(prefs -> 'newsletter') FROM customers",
    "jsonb_array_length": "SELECT jsonb_array_length(prefs -> 'channels') FROM customers",
    "jsonb_build_object": "SELECT jsonb_build_object('id', customer_id, 'name', name) FROM customers",
    "json_agg": "SELECT customer_id, json_agg(order_id ORDER BY order_id) FROM orders GROUP BY customer_id",
    "jsonb_agg": "SELECT jsonb_agg(DISTINCT status) FROM orders",
    "jsonb_object_agg": "SELECT jsonb_object_agg(status, n) FROM (SELECT status, count(*) AS n FROM orders GROUP BY status) s",
    "jsonb_path_exists": "SELECT count(*) FROM products WHERE jsonb_path_exists(attributes, '$.dims ? (@.w > 5)')",
    "jsonb_path_query_first": "SELECT jsonb_path_query_first(attributes, '$.dims.h') FROM products",
    "json_path_match_op": "SELECT count(*) FROM products WHERE attributes @@ '$.weight_kg > 3'",
    "json_path_exists_op": "SELECT count(*) FROM products WHERE attributes @? '$.dims'",
    "jsonb_concat": "SELECT attributes || '{\"checked\": true}'::jsonb FROM products",
    "jsonb_minus_key": "SELECT attributes - 'dims' FROM products",
    "jsonb_to_record": "SELECT r.w, r.h FROM products p, jsonb_to_record(p.attributes -> 'dims') AS r(w int, h int)",
    "jsonb_extract_path_text": "SELECT jsonb_extract_path_text(attributes, 'dims', 'w') FROM products",
    "array_literal": "SELECT ARRAY[1, 2, 3]",
    "array_index": "SELECT tags[1] FROM customers",
    "array_slice": "SELECT scores[1:2] FROM events",
    "array_any": "SELECT name FROM customers WHERE 'vip' = ANY(tags)",
    "array_all": "SELECT event_id FROM events WHERE 5 > ALL(scores)",
    "array_contains": "SELECT name FROM customers WHERE tags @> ARRAY['vip']",
    "array_overlap": "SELECT name FROM products WHERE labels && ARRAY['eco', 'sale']",
    "array_contained": "SELECT name FROM products WHERE labels <@ ARRAY['new', 'eco', 'sale']",
    "array_length": "SELECT array_length(tags, 1), cardinality(tags) FROM customers",
    "array_position": "SELECT array_position(labels, 'eco') FROM products",
    "array_to_string": "SELECT array_to_string(labels, ', ') FROM products",
    "array_concat_op": "SELECT labels || ARRAY['extra'] FROM products",
    "array_append": "SELECT array_append(tags, 'x') FROM customers",
    "array_agg": "SELECT category, array_agg(name ORDER BY name) FROM products GROUP BY category",
    "array_agg_distinct": "SELECT array_agg(DISTINCT country) FROM customers",
    "unnest": "SELECT unnest(labels) AS label, count(*) FROM products GROUP BY 1",
    "unnest_from": "SELECT t.tag, count(*) FROM customers c, unnest(c.tags) AS t(tag) GROUP BY t.tag",
    "unnest_ordinality": "SELECT e.event_id, s.score, s.pos FROM events e CROSS JOIN LATERAL unnest(e.scores) WITH ORDINALITY AS s(score, pos) WHERE e.event_id < 5",
    "unnest_literal": "SELECT x FROM unnest(ARRAY['a', 'b']) AS x",
    "any_subquery": "SELECT name FROM products WHERE product_id = ANY (SELECT product_id FROM order_items WHERE quantity > 4)",
    "all_subquery": "SELECT order_id FROM orders WHERE total >= ALL (SELECT total FROM orders)",
    "any_list_literal": "SELECT count(*) FROM orders WHERE status = ANY ('{paid,shipped}')",
    "in_with_array_param": "SELECT count(*) FROM orders WHERE status <> ALL (ARRAY['cancelled', 'refunded'])",
    "string_to_array": "SELECT string_to_array(notes, ', ') FROM orders WHERE notes IS NOT NULL",
    "array_constructor_subquery": "SELECT ARRAY(SELECT name FROM products ORDER BY price DESC LIMIT 3)",
    "array_in_ops": "SELECT ops.incidents.codes FROM ops.incidents WHERE 'S1' = ANY (ops.incidents.codes)",
    "jsonb_ops_transit": "SELECT meta ->> 'weather' AS weather, avg(severity) FROM ops.incidents GROUP BY 1",
}

# ---------------------------------------------------------------------------
# Windows, aggregates, grouping.
_WINDOWS = {
    "rows_running": "SELECT order_id, sum(total) OVER (ORDER BY ordered_at ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) FROM orders",
    "rows_moving_avg": "SELECT order_id, avg(total) OVER (ORDER BY ordered_at ROWS BETWEEN 6 PRECEDING AND CURRENT ROW) FROM orders",
    "rows_centered": "SELECT trip_id, avg(riders) OVER (ORDER BY departs_at ROWS BETWEEN 2 PRECEDING AND 2 FOLLOWING) FROM trips",
    "rows_following": "SELECT trip_id, max(delay_min) OVER (ORDER BY departs_at ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) FROM trips",
    "rows_short": "SELECT order_id, sum(total) OVER (ORDER BY order_id ROWS 3 PRECEDING) FROM orders",
    "range_unbounded": "SELECT order_id, sum(total) OVER (ORDER BY ordered_at RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) FROM orders",
    "range_interval": "SELECT event_id, count(*) OVER (ORDER BY occurred_at RANGE BETWEEN INTERVAL '1 day' PRECEDING AND CURRENT ROW) FROM events",
    "range_numeric": "SELECT order_id, count(*) OVER (ORDER BY total RANGE BETWEEN 10 PRECEDING AND 10 FOLLOWING) FROM orders",
    "range_whole": "SELECT order_id, sum(total) OVER (PARTITION BY customer_id ORDER BY order_id RANGE BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) FROM orders",
    "groups_frame": "SELECT order_id, sum(total) OVER (ORDER BY customer_id GROUPS BETWEEN 1 PRECEDING AND 1 FOLLOWING) FROM orders",
    "groups_current": "SELECT trip_id, count(*) OVER (ORDER BY line_id GROUPS CURRENT ROW) FROM trips",
    "exclude_current_row": "SELECT order_id, avg(total) OVER (ORDER BY order_id ROWS BETWEEN 2 PRECEDING AND 2 FOLLOWING EXCLUDE CURRENT ROW) FROM orders",
    "exclude_group": "SELECT order_id, count(*) OVER (ORDER BY customer_id GROUPS BETWEEN 1 PRECEDING AND 1 FOLLOWING EXCLUDE GROUP) FROM orders",
    "exclude_ties": "SELECT order_id, count(*) OVER (ORDER BY customer_id RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW EXCLUDE TIES) FROM orders",
    "exclude_no_others": "SELECT order_id, sum(total) OVER (ORDER BY order_id ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING EXCLUDE NO OTHERS) FROM orders",
    "named_window": "SELECT order_id, rank() OVER w, sum(total) OVER w FROM orders WINDOW w AS (PARTITION BY customer_id ORDER BY total DESC)",
    "named_window_extended": (
        "SELECT order_id, sum(total) OVER (w ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM orders WINDOW w AS (PARTITION BY customer_id ORDER BY ordered_at)"
    ),
    "two_named_windows": (
        "SELECT trip_id, row_number() OVER a, avg(riders) OVER b FROM trips WINDOW a AS (ORDER BY departs_at), b AS (PARTITION BY line_id)"
    ),
    "window_chain": "SELECT trip_id, lag(riders) OVER w FROM trips WINDOW base AS (PARTITION BY line_id), w AS (base ORDER BY departs_at)",
    "row_number_top_n": (
        "SELECT * FROM (SELECT customer_id, order_id, total, row_number() OVER (PARTITION BY customer_id ORDER BY total DESC) AS rn FROM orders) t WHERE rn <= 2"
    ),
    "dense_rank": "SELECT name, category, dense_rank() OVER (PARTITION BY category ORDER BY price DESC) FROM products",
    "percent_rank": "SELECT name, percent_rank() OVER (ORDER BY price) FROM products",
    "cume_dist": "SELECT name, cume_dist() OVER (ORDER BY price) FROM products",
    "ntile": "SELECT customer_id, ntile(4) OVER (ORDER BY credit_limit) AS quartile FROM customers",
    "lag_lead": "SELECT order_id, lag(total, 1, 0) OVER (ORDER BY order_id), lead(total) OVER (ORDER BY order_id) FROM orders",
    "first_last_value": (
        "SELECT order_id, first_value(total) OVER w, last_value(total) OVER w FROM orders "
        "WINDOW w AS (PARTITION BY customer_id ORDER BY ordered_at ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)"
    ),
    "nth_value": "SELECT DISTINCT customer_id, nth_value(order_id, 2) OVER (PARTITION BY customer_id ORDER BY ordered_at ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) FROM orders",
    "share_of_total": "SELECT category, sum(price) / sum(sum(price)) OVER () AS share FROM products GROUP BY category",
    "window_filter": "SELECT order_id, count(*) FILTER (WHERE status = 'paid') OVER (ORDER BY order_id) FROM orders",
    "window_over_empty": "SELECT order_id, count(*) OVER () FROM orders",
    "window_partition_expr": "SELECT order_id, row_number() OVER (PARTITION BY date_trunc('month', ordered_at) ORDER BY total DESC) FROM orders",
    "yoy_growth": (
        "SELECT m, revenue, revenue - lag(revenue) OVER (ORDER BY m) AS change "
        "FROM (SELECT date_trunc('month', ordered_at) AS m, sum(total) AS revenue FROM orders GROUP BY 1) s"
    ),
}

_AGGREGATES = {
    "filter_count": "SELECT count(*) FILTER (WHERE status = 'paid') AS paid, count(*) FILTER (WHERE status = 'cancelled') AS cancelled FROM orders",
    "filter_sum": "SELECT customer_id, sum(total) FILTER (WHERE channel = 'web') FROM orders GROUP BY customer_id",
    "filter_avg_group": "SELECT line_id, avg(delay_min) FILTER (WHERE delay_min > 0) FROM trips GROUP BY line_id",
    "percentile_cont": "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY total) AS median FROM orders",
    "percentile_cont_array": "SELECT percentile_cont(ARRAY[0.25, 0.5, 0.75]) WITHIN GROUP (ORDER BY total) FROM orders",
    "percentile_disc": "SELECT status, percentile_disc(0.9) WITHIN GROUP (ORDER BY total) FROM orders GROUP BY status",
    "percentile_interval": "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY duration) FROM events",
    "mode": "SELECT mode() WITHIN GROUP (ORDER BY channel) FROM orders",
    "mode_group": "SELECT customer_id, mode() WITHIN GROUP (ORDER BY status) FROM orders GROUP BY customer_id",
    "within_group_filter": "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY total) FILTER (WHERE status = 'paid') FROM orders",
    "rank_hypothetical": "SELECT rank(100) WITHIN GROUP (ORDER BY total) FROM orders",
    "string_agg": "SELECT customer_id, string_agg(status, ', ') FROM orders GROUP BY customer_id",
    "string_agg_distinct_ordered": "SELECT string_agg(DISTINCT category, ' | ' ORDER BY category) FROM products",
    "count_distinct": "SELECT count(DISTINCT customer_id) FROM orders",
    "count_distinct_two": "SELECT count(DISTINCT (customer_id, status)) FROM orders",
    "bool_and_or": "SELECT customer_id, bool_and(total > 50), bool_or(status = 'refunded') FROM orders GROUP BY customer_id",
    "every": "SELECT every(accessible) FROM stations",
    "stddev_variance": "SELECT stddev(total), variance(total), stddev_pop(total) FROM orders",
    "corr": "SELECT corr(riders, delay_min), regr_slope(riders, delay_min) FROM trips",
    "min_max_dates": "SELECT min(ordered_at), max(ordered_at), max(ordered_at) - min(ordered_at) AS span FROM orders",
    "having_aggregate": "SELECT customer_id FROM orders GROUP BY customer_id HAVING sum(total) > 1000 AND count(*) >= 5",
    "having_filter": "SELECT country FROM customers GROUP BY country HAVING count(*) FILTER (WHERE segment = 'smb') > 1",
    "any_value": "SELECT customer_id, any_value(channel) FROM orders GROUP BY customer_id",
    "avg_distinct": "SELECT avg(DISTINCT quantity) FROM order_items",
    "grouping_sets": "SELECT status, channel, count(*) FROM orders GROUP BY GROUPING SETS ((status), (channel), ())",
    "grouping_sets_pairs": "SELECT status, channel, sum(total) FROM orders GROUP BY GROUPING SETS ((status, channel), (status))",
    "rollup": "SELECT category, discontinued, sum(price) FROM products GROUP BY ROLLUP (category, discontinued)",
    "rollup_dates": "SELECT extract(year FROM ordered_at) AS y, extract(month FROM ordered_at) AS m, sum(total) FROM orders GROUP BY ROLLUP (1, 2) ORDER BY 1, 2",
    "cube": "SELECT status, channel, count(*) FROM orders GROUP BY CUBE (status, channel)",
    "grouping_function": (
        "SELECT CASE WHEN GROUPING(status) = 1 THEN 'all' ELSE status END AS status, GROUPING(status, channel) AS g, count(*) "
        "FROM orders GROUP BY ROLLUP (status, channel)"
    ),
    "grouping_mixed": "SELECT country, segment, count(*) FROM customers GROUP BY country, ROLLUP (segment)",
    "group_by_expression": "SELECT lower(name) FROM customers GROUP BY lower(name)",
    "group_by_alias": "SELECT status AS s, count(*) AS n FROM orders GROUP BY s ORDER BY n DESC",
    "group_by_distinct": "SELECT status, channel, count(*) FROM orders GROUP BY DISTINCT ROLLUP (status), ROLLUP (status, channel)",
}

# ---------------------------------------------------------------------------
# Joins, subqueries, CTEs, set operations.
_QUERIES = {
    "lateral_top": (
        "SELECT c.name, o.order_id, o.total FROM customers c CROSS JOIN LATERAL "
        "(SELECT order_id, total FROM orders WHERE orders.customer_id = c.customer_id ORDER BY total DESC LIMIT 2) o"
    ),
    "left_lateral": (
        "SELECT c.name, last_order.ordered_at FROM customers c LEFT JOIN LATERAL "
        "(SELECT ordered_at FROM orders o WHERE o.customer_id = c.customer_id ORDER BY ordered_at DESC LIMIT 1) last_order ON true"
    ),
    "lateral_comma": "SELECT p.name, x.n FROM products p, LATERAL (SELECT count(*) AS n FROM order_items i WHERE i.product_id = p.product_id) x",
    "lateral_function": "SELECT s.name, d FROM stations s, LATERAL generate_series(s.opened, s.opened + 2, INTERVAL '1 day') AS d",
    "distinct_on": "SELECT DISTINCT ON (customer_id) customer_id, order_id, total FROM orders ORDER BY customer_id, total DESC",
    "distinct_on_expr": "SELECT DISTINCT ON (date_trunc('day', occurred_at)) occurred_at, kind FROM events ORDER BY date_trunc('day', occurred_at), occurred_at",
    "distinct": "SELECT DISTINCT country FROM customers",
    "recursive_referrals": (
        "WITH RECURSIVE chain AS (SELECT customer_id, referred_by, 1 AS depth FROM customers WHERE referred_by IS NULL "
        "UNION ALL SELECT c.customer_id, c.referred_by, chain.depth + 1 FROM customers c JOIN chain ON c.referred_by = chain.customer_id) "
        "SELECT depth, count(*) FROM chain GROUP BY depth ORDER BY depth"
    ),
    "recursive_columns": "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10) SELECT sum(i) FROM n",
    "recursive_org_chart": (
        "WITH RECURSIVE org AS (SELECT rep_id, full_name, manager_id, full_name::text AS path FROM sales.reps WHERE manager_id IS NULL "
        "UNION ALL SELECT r.rep_id, r.full_name, r.manager_id, org.path || ' > ' || r.full_name FROM sales.reps r JOIN org ON r.manager_id = org.rep_id) "
        "SELECT path FROM org ORDER BY path"
    ),
    "recursive_search_depth": (
        "WITH RECURSIVE org(rep_id, manager_id) AS (SELECT rep_id, manager_id FROM sales.reps WHERE manager_id IS NULL "
        "UNION ALL SELECT r.rep_id, r.manager_id FROM sales.reps r JOIN org ON r.manager_id = org.rep_id) "
        "SELECT rep_id FROM org"
    ),
    "materialized_cte": "WITH paid AS MATERIALIZED (SELECT * FROM orders WHERE status = 'paid') SELECT count(*) FROM paid",
    "not_materialized_cte": "WITH paid AS NOT MATERIALIZED (SELECT * FROM orders WHERE status = 'paid') SELECT customer_id, count(*) FROM paid GROUP BY 1",
    "cte_columns": "WITH t(c, n) AS (SELECT customer_id, count(*) FROM orders GROUP BY 1) SELECT c FROM t WHERE n > 5",
    "cte_chain": (
        "WITH monthly AS (SELECT date_trunc('month', ordered_at) AS m, sum(total) AS rev FROM orders GROUP BY 1), "
        "ranked AS (SELECT m, rev, rank() OVER (ORDER BY rev DESC) AS r FROM monthly) SELECT * FROM ranked WHERE r <= 3"
    ),
    "cte_used_twice": "WITH s AS (SELECT customer_id, sum(total) AS t FROM orders GROUP BY 1) SELECT a.customer_id FROM s a WHERE a.t > (SELECT avg(t) FROM s)",
    "cte_in_subquery": "SELECT * FROM (WITH x AS (SELECT max(total) AS m FROM orders) SELECT m FROM x) y",
    "union": "SELECT name FROM customers UNION SELECT full_name FROM sales.reps",
    "union_all": "SELECT 'order' AS kind, order_id AS id FROM orders UNION ALL SELECT 'payment', payment_id FROM payments",
    "intersect": "SELECT customer_id FROM orders INTERSECT SELECT customer_id FROM events",
    "intersect_all": "SELECT customer_id FROM orders INTERSECT ALL SELECT customer_id FROM events",
    "except": "SELECT customer_id FROM customers EXCEPT SELECT customer_id FROM orders",
    "except_all": "SELECT status FROM orders EXCEPT ALL SELECT 'paid'",
    "set_op_parenthesized_order": "(SELECT name, price FROM products ORDER BY price DESC LIMIT 2) UNION ALL (SELECT name, price FROM products ORDER BY price LIMIT 2)",
    "union_order_limit": "SELECT city FROM stations UNION SELECT code FROM lines ORDER BY 1 LIMIT 5",
    "scalar_subquery_select": "SELECT name, (SELECT count(*) FROM orders o WHERE o.customer_id = c.customer_id) AS orders FROM customers c",
    "subquery_where_in": "SELECT name FROM customers WHERE customer_id IN (SELECT customer_id FROM orders WHERE total > 400)",
    "subquery_not_in": "SELECT name FROM products WHERE product_id NOT IN (SELECT product_id FROM order_items WHERE product_id IS NOT NULL)",
    "subquery_compare": "SELECT order_id FROM orders WHERE total > (SELECT avg(total) FROM orders)",
    "subquery_from": "SELECT avg(n) FROM (SELECT customer_id, count(*) AS n FROM orders GROUP BY customer_id) per_customer",
    "subquery_having": "SELECT category FROM products GROUP BY category HAVING avg(price) > (SELECT avg(price) FROM products)",
    "subquery_in_case": "SELECT name, CASE WHEN price > (SELECT avg(price) FROM products) THEN 'above' ELSE 'below' END FROM products",
    "subquery_order_by": "SELECT c.name FROM customers c ORDER BY (SELECT count(*) FROM events e WHERE e.customer_id = c.customer_id) DESC",
    "subquery_row_compare": "SELECT order_id FROM orders WHERE (customer_id, status) IN (SELECT customer_id, 'paid' FROM customers WHERE country = 'US')",
    "exists": "SELECT name FROM customers c WHERE EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.customer_id AND o.status = 'refunded')",
    "not_exists": "SELECT name FROM products p WHERE NOT EXISTS (SELECT FROM order_items i WHERE i.product_id = p.product_id)",
    "exists_in_select": "SELECT name, EXISTS (SELECT 1 FROM events e WHERE e.customer_id = c.customer_id AND e.kind = 'checkout') FROM customers c",
    "correlated_double": (
        "SELECT o.order_id FROM orders o WHERE o.total > (SELECT avg(o2.total) FROM orders o2 WHERE o2.customer_id = o.customer_id)"
    ),
    "join_using": "SELECT order_id, line_no, quantity FROM orders JOIN order_items USING (order_id)",
    "natural_join": "SELECT * FROM orders NATURAL JOIN payments",
    "full_outer_join": "SELECT c.customer_id, o.order_id FROM customers c FULL OUTER JOIN orders o ON o.customer_id = c.customer_id",
    "right_join": "SELECT p.name, i.order_id FROM order_items i RIGHT JOIN products p ON p.product_id = i.product_id",
    "cross_join": "SELECT r.region, t.month FROM sales.reps r CROSS JOIN sales.targets t",
    "self_join": "SELECT r.full_name, m.full_name AS manager FROM sales.reps r LEFT JOIN sales.reps m ON m.rep_id = r.manager_id",
    "join_on_and": "SELECT o.order_id, p.amount FROM orders o JOIN payments p ON p.order_id = o.order_id AND p.amount >= o.total",
    "join_subquery": "SELECT c.name, t.spent FROM customers c JOIN (SELECT customer_id, sum(total) AS spent FROM orders GROUP BY 1) t ON t.customer_id = c.customer_id",
    "four_way_join": (
        "SELECT c.country, p.category, sum(i.quantity * i.unit_price) FROM customers c JOIN orders o ON o.customer_id = c.customer_id "
        "JOIN order_items i ON i.order_id = o.order_id JOIN products p ON p.product_id = i.product_id GROUP BY 1, 2"
    ),
    "join_non_equi": "SELECT t.trip_id, i.incident_id FROM trips t JOIN ops.incidents i ON i.reported_at BETWEEN t.departs_at AND t.arrives_at",
    "values_list": "SELECT * FROM (VALUES (1, 'one'), (2, 'two')) AS v(n, word)",
    "values_join": "SELECT o.status, v.label FROM orders o JOIN (VALUES ('paid', 'Paid'), ('shipped', 'Shipped')) AS v(code, label) ON v.code = o.status",
    "values_cte": "WITH v(code) AS (VALUES ('paid'), ('pending')) SELECT count(*) FROM orders WHERE status IN (SELECT code FROM v)",
    "fetch_first": "SELECT order_id FROM orders ORDER BY total DESC FETCH FIRST 5 ROWS ONLY",
    "fetch_first_row": "SELECT order_id FROM orders ORDER BY total DESC FETCH FIRST ROW ONLY",
    "fetch_next": "SELECT order_id FROM orders ORDER BY total DESC FETCH NEXT 3 ROWS ONLY",
    "fetch_with_ties": "SELECT customer_id, count(*) FROM orders GROUP BY customer_id ORDER BY count(*) DESC FETCH FIRST 1 ROWS WITH TIES",
    "fetch_with_ties_three": "SELECT name, price FROM products ORDER BY price FETCH FIRST 3 ROWS WITH TIES",
    "offset_fetch": "SELECT order_id FROM orders ORDER BY order_id OFFSET 10 ROWS FETCH NEXT 10 ROWS ONLY",
    "limit_offset": "SELECT order_id FROM orders ORDER BY order_id LIMIT 10 OFFSET 20",
    "offset_only": "SELECT order_id FROM orders ORDER BY order_id OFFSET 195",
    "limit_all": "SELECT order_id FROM orders ORDER BY order_id LIMIT ALL",
    "table_sample": "SELECT count(*) >= 0 FROM events TABLESAMPLE SYSTEM (50)",
}

# ---------------------------------------------------------------------------
# Strings, patterns, conditionals.
_STRINGS = {
    "regex_match": "SELECT email FROM customers WHERE email ~ '^c[0-9]+@'",
    "regex_match_ci": "SELECT notes FROM orders WHERE notes ~* 'urgent'",
    "regex_not_match": "SELECT email FROM customers WHERE email !~ '1'",
    "regex_not_match_ci": "SELECT notes FROM orders WHERE notes !~* 'gift'",
    "regexp_replace": "SELECT regexp_replace(sku, '[^0-9]', '', 'g')::int FROM products",
    "regexp_match": "SELECT (regexp_match(email, '^([^@]+)@'))[1] FROM customers",
    "regexp_matches": "SELECT regexp_matches(notes, '[A-Z]+', 'g') FROM orders WHERE notes IS NOT NULL",
    "regexp_split": "SELECT regexp_split_to_table(description, '\\s+') AS word, count(*) FROM ops.incidents GROUP BY 1",
    "regexp_count": "SELECT regexp_count(description, 'o') FROM ops.incidents",
    "similar_to": "SELECT sku FROM products WHERE sku SIMILAR TO 'SKU-0(1|2)%'",
    "not_similar_to": "SELECT sku FROM products WHERE sku NOT SIMILAR TO 'SKU-00%'",
    "like": "SELECT name FROM customers WHERE name LIKE 'Customer 1%'",
    "not_like": "SELECT name FROM customers WHERE name NOT LIKE '%0'",
    "like_escape": "SELECT sku FROM products WHERE sku LIKE 'SKU\\_%' ESCAPE '\\'",
    "ilike": "SELECT notes FROM orders WHERE notes ILIKE '%urgent%'",
    "not_ilike": "SELECT description FROM ops.incidents WHERE description NOT ILIKE 'power%'",
    "ilike_any": "SELECT description FROM ops.incidents WHERE description ILIKE ANY (ARRAY['%door%', '%signal%'])",
    "tilde_operators_like": "SELECT name FROM stations WHERE name ~~ 'Station %' AND name !~~* 'station z'",
    "concat_op": "SELECT name || ' <' || coalesce(email, 'none') || '>' FROM customers",
    "concat_function": "SELECT concat(name, ' (', country, ')') FROM customers",
    "concat_ws": "SELECT concat_ws(', ', city, name) FROM stations",
    "string_functions": "SELECT upper(name), lower(city), initcap(name), length(name), char_length(city) FROM stations",
    "substring_from_for": "SELECT substring(sku FROM 5 FOR 3) FROM products",
    "substring_regex": "SELECT substring(email FROM '@(.*)$') FROM customers",
    "position": "SELECT position('@' IN email) FROM customers",
    "trim_both": "SELECT trim(both ' ' FROM '  x  '), ltrim('xxy', 'x'), rtrim('yxx', 'x'), btrim('  z ')",
    "left_right": "SELECT left(sku, 3), right(sku, 3) FROM products",
    "split_part": "SELECT split_part(email, '@', 2) AS domain, count(*) FROM customers GROUP BY 1",
    "replace_translate": "SELECT replace(sku, '-', ''), translate(sku, 'SKU', 'sku') FROM products",
    "lpad_rpad": "SELECT lpad(station_id::text, 4, '0'), rpad(code, 3, '.') FROM stations, lines",
    "format": "SELECT format('%s has %s orders', c.name, count(*)) FROM customers c JOIN orders o USING (customer_id) GROUP BY c.name",
    "starts_with": "SELECT name FROM customers WHERE starts_with(name, 'Customer 3')",
    "md5": "SELECT md5(email) FROM customers",
    "collate": "SELECT name FROM customers ORDER BY name COLLATE \"C\"",
    "e_string": "SELECT E'line\\nbreak'",
    "dollar_free_quote": "SELECT 'it''s' AS quoted",
    "case_searched": "SELECT order_id, CASE WHEN total >= 300 THEN 'large' WHEN total >= 100 THEN 'medium' ELSE 'small' END AS size FROM orders",
    "case_simple": "SELECT CASE status WHEN 'paid' THEN 1 WHEN 'shipped' THEN 2 ELSE 0 END FROM orders",
    "case_in_aggregate": "SELECT sum(CASE WHEN status = 'paid' THEN total ELSE 0 END) FROM orders",
    "case_in_order_by": "SELECT status FROM orders GROUP BY status ORDER BY CASE status WHEN 'pending' THEN 0 ELSE 1 END, status",
    "coalesce": "SELECT coalesce(email, country, 'unknown') FROM customers",
    "nullif_division": "SELECT sum(total) / nullif(count(DISTINCT customer_id), 0) FROM orders",
    "greatest_least": "SELECT greatest(price, cost, 10), least(price, cost) FROM products",
    "is_distinct_from": "SELECT count(*) FROM orders WHERE discount IS DISTINCT FROM 5",
    "is_not_distinct_from": "SELECT count(*) FROM customers WHERE country IS NOT DISTINCT FROM NULL",
    "is_null": "SELECT count(*) FROM orders WHERE shipped_at IS NULL AND notes IS NOT NULL",
    "is_true": "SELECT count(*) FROM stations WHERE accessible IS TRUE OR accessible IS UNKNOWN",
    "boolean_column": "SELECT name FROM products WHERE NOT discontinued",
    "between_symmetric": "SELECT count(*) FROM trips WHERE delay_min BETWEEN SYMMETRIC 5 AND 0",
    "not_between": "SELECT count(*) FROM orders WHERE total NOT BETWEEN 100 AND 200",
    "in_list": "SELECT count(*) FROM orders WHERE channel IN ('web', 'phone')",
    "math": "SELECT abs(delay_min), sign(delay_min), mod(riders, 7), power(2, 3), sqrt(16), ceil(fare), floor(fare), trunc(fare) FROM trips",
    "math_ops": "SELECT 7 / 2, 7 % 2, 7.0 / 2, 2 ^ 10, -(5), +3, 5 # 3, 1 << 4, 15 & 3, 8 | 1, ~5",
    "width_bucket": "SELECT width_bucket(total, 0, 500, 5) AS bucket, count(*) FROM orders GROUP BY 1 ORDER BY 1",
    "random_sample": "SELECT order_id FROM orders ORDER BY random() LIMIT 3",
    "row_constructor": "SELECT ROW(1, 'a') = ROW(1, 'a')",
    "row_compare": "SELECT count(*) FROM orders WHERE (customer_id, order_id) > (10, 50)",
}

# ---------------------------------------------------------------------------
# Names: schema-qualified, quoted, mixed case.
_NAMES = {
    "schema_table": "SELECT region, sum(target) FROM sales.targets GROUP BY region",
    "schema_alias": "SELECT t.region FROM sales.targets AS t WHERE t.month = DATE '2024-03-01'",
    "schema_column_qualified": "SELECT sales.reps.full_name FROM sales.reps",
    "schema_join_public": "SELECT r.full_name, t.target FROM sales.reps r JOIN sales.targets t ON t.region = r.region",
    "public_qualified": "SELECT public.orders.order_id FROM public.orders",
    "public_alias": "SELECT o.order_id FROM public.orders o",
    "quoted_table": "SELECT \"Quarter\", sum(\"Revenue\") FROM sales.\"Quarterly Report\" GROUP BY \"Quarter\" ORDER BY \"Quarter\"",
    "quoted_join": (
        "SELECT r.full_name, q.\"Revenue\" FROM sales.\"Quarterly Report\" q JOIN sales.reps r ON r.rep_id = q.\"RepId\" "
        "ORDER BY q.\"Revenue\" DESC NULLS LAST"
    ),
    "quoted_schema": "SELECT count(*) FROM \"sales\".\"reps\"",
    "quoted_lower_column": "SELECT \"name\", \"country\" FROM \"customers\"",
    "quoted_alias": "SELECT count(*) AS \"Order Count\", sum(total) AS \"Total $\" FROM orders",
    "quoted_alias_reuse": "SELECT \"Total\" FROM (SELECT sum(total) AS \"Total\" FROM orders) AS \"Sub Query\"",
    "upper_keywords_names": "SELECT CUSTOMER_ID, NAME FROM CUSTOMERS WHERE COUNTRY = 'US'",
    "lower_case_all": "select c.name, count(o.order_id) from customers c left join orders o on o.customer_id = c.customer_id group by c.name",
    "keyword_like_alias": "SELECT count(*) AS total, max(total) AS max FROM orders",
    "column_named_like_type": "SELECT month, target FROM sales.targets WHERE month >= DATE '2024-06-01'",
    "alias_without_as": "SELECT o.total amount FROM orders o",
    "schema_ops": "SELECT s.name, count(i.incident_id) FROM stations s LEFT JOIN ops.incidents i ON i.station_id = s.station_id GROUP BY s.name",
    "schema_ops_qualified_star": "SELECT i.* FROM ops.incidents i WHERE i.severity >= 4",
    "star_except_none": "SELECT * FROM lines",
    "table_star_join": "SELECT l.*, t.trip_id FROM lines l JOIN trips t ON t.line_id = l.line_id",
    "whitespace_newlines": "SELECT\n  name,\n  country\nFROM\n  customers\nWHERE\n  segment = 'smb'\nORDER BY\n  name",
    "comment_inline": "SELECT name -- the customer's name\nFROM customers",
    "trailing_semicolon": "SELECT count(*) FROM orders;",
}

# ---------------------------------------------------------------------------
# Transit: the second, unrelated schema, with mixed constructs.
_TRANSIT = {
    "recursive_path": (
        "WITH RECURSIVE route(station_id, total_minutes, hops) AS (SELECT 1, 0, 0 "
        "UNION ALL SELECT l.to_station, r.total_minutes + l.minutes, r.hops + 1 FROM route r JOIN links l ON l.from_station = r.station_id WHERE r.hops < 20) "
        "SELECT s.name, r.total_minutes FROM route r JOIN stations s ON s.station_id = r.station_id ORDER BY r.total_minutes"
    ),
    "recursive_cycle_guard": (
        "WITH RECURSIVE reach AS (SELECT from_station AS s, ARRAY[from_station] AS path FROM links WHERE from_station = 1 "
        "UNION ALL SELECT l.to_station, reach.path || l.to_station FROM reach JOIN links l ON l.from_station = reach.s "
        "WHERE NOT l.to_station = ANY(reach.path)) SELECT max(cardinality(path)) FROM reach"
    ),
    "peak_hours": "SELECT extract(hour FROM departs_at) AS hour, sum(riders) FROM trips GROUP BY 1 ORDER BY 2 DESC NULLS LAST LIMIT 3",
    "on_time_rate": "SELECT l.code, round(avg((t.delay_min <= 0)::int) * 100, 1) AS on_time_pct FROM trips t JOIN lines l USING (line_id) GROUP BY l.code",
    "line_stops": "SELECT l.code, string_agg(s.name, ' -> ' ORDER BY st.seq) FROM lines l JOIN stops st ON st.line_id = l.line_id JOIN stations s ON s.station_id = st.station_id GROUP BY l.code",
    "incident_resolution": (
        "SELECT severity, avg(resolved_at - reported_at) AS mean_time, count(*) FILTER (WHERE resolved_at IS NULL) AS open "
        "FROM ops.incidents GROUP BY severity ORDER BY severity DESC"
    ),
    "incident_daily": "SELECT reported_at::date AS day, count(*) FROM ops.incidents WHERE reported_at >= TIMESTAMPTZ '2024-05-01' GROUP BY day ORDER BY day",
    "zone_rollup": "SELECT city, zone, count(*) FROM stations GROUP BY ROLLUP (city, zone) ORDER BY city NULLS LAST, zone NULLS LAST",
    "accessible_share": "SELECT city, avg(CASE WHEN accessible THEN 1.0 ELSE 0 END) FROM stations GROUP BY city",
    "trip_duration_percentiles": (
        "SELECT line_id, percentile_cont(0.5) WITHIN GROUP (ORDER BY arrives_at - departs_at) AS median, "
        "percentile_disc(0.95) WITHIN GROUP (ORDER BY delay_min) AS p95_delay FROM trips GROUP BY line_id"
    ),
    "busiest_day_with_ties": "SELECT departs_at::date, sum(riders) FROM trips GROUP BY 1 ORDER BY 2 DESC NULLS LAST FETCH FIRST 1 ROW WITH TIES",
    "headway": "SELECT line_id, departs_at, departs_at - lag(departs_at) OVER (PARTITION BY line_id ORDER BY departs_at) AS headway FROM trips",
    "station_opened_decade": "SELECT (extract(year FROM opened)::int / 10) * 10 AS decade, count(*) FROM stations GROUP BY 1 ORDER BY 1",
    "station_age": "SELECT name, date_part('year', age(DATE '2025-01-01', opened)) AS years FROM stations",
    "lines_without_trips": "SELECT code FROM lines l WHERE NOT EXISTS (SELECT 1 FROM trips t WHERE t.line_id = l.line_id AND t.riders > 190)",
    "fare_revenue": "SELECT line_id, sum(riders * fare)::numeric(12, 2) FROM trips GROUP BY line_id",
    "incident_codes": "SELECT code, count(*) FROM ops.incidents, unnest(codes) AS code GROUP BY code ORDER BY count(*) DESC, code",
    "incident_meta_filter": "SELECT incident_id FROM ops.incidents WHERE meta @> '{\"weather\": \"rain\"}' AND (meta ->> 'crew')::int > 1",
    "incident_text_search": "SELECT description FROM ops.incidents WHERE to_tsvector('english', description) @@ to_tsquery('english', 'failure | fault')",
    "distinct_on_latest_incident": (
        "SELECT DISTINCT ON (station_id) station_id, incident_id, reported_at FROM ops.incidents ORDER BY station_id, reported_at DESC"
    ),
    "delay_buckets": (
        "SELECT CASE WHEN delay_min <= 0 THEN 'on time' WHEN delay_min <= 5 THEN 'minor' ELSE 'major' END AS bucket, count(*) "
        "FROM trips GROUP BY 1"
    ),
    "grouping_sets_transit": "SELECT line_id, extract(dow FROM departs_at) AS dow, avg(riders) FROM trips GROUP BY GROUPING SETS (line_id, 2, ())",
    "cube_transit": "SELECT kind, color, count(*) FROM lines GROUP BY CUBE (kind, color)",
    "exists_join_ops": "SELECT name FROM stations s WHERE EXISTS (SELECT 1 FROM ops.incidents i WHERE i.station_id = s.station_id AND i.severity = 5)",
    "interval_filter": "SELECT count(*) FROM trips WHERE departs_at >= TIMESTAMP '2024-05-03' - INTERVAL '36' HOUR",
    "generate_hours": (
        "SELECT h, count(t.trip_id) FROM generate_series(0, 23) AS h LEFT JOIN trips t ON extract(hour FROM t.departs_at) = h GROUP BY h ORDER BY h"
    ),
    "except_stations": "SELECT station_id FROM stations EXCEPT SELECT station_id FROM stops",
    "intersect_stations": "SELECT from_station FROM links INTERSECT SELECT station_id FROM stops",
    "union_all_events": "SELECT 'trip' AS kind, departs_at::timestamptz AS at FROM trips UNION ALL SELECT 'incident', reported_at FROM ops.incidents ORDER BY at DESC LIMIT 10",
    "window_groups_transit": "SELECT trip_id, sum(riders) OVER (ORDER BY line_id GROUPS BETWEEN CURRENT ROW AND 1 FOLLOWING EXCLUDE TIES) FROM trips",
}


TRANSIT_TABLES = re.compile(r"\b(trips|stations|lines|links|stops|ops\.incidents)\b")


def reads() -> list[Read]:
    """The whole corpus; ids are unique."""
    out = _nulls()
    out += [Read(f"nulls:{k}", sql, db) for k, (db, sql) in _NULLS_EXTRA.items()]
    families = {
        "interval": _INTERVALS, "datetime": _DATETIME, "cast": _CASTS, "json_array": _JSON_ARRAYS, "window": _WINDOWS,
        "aggregate": _AGGREGATES, "query": _QUERIES, "string": _STRINGS, "name": _NAMES,
    }
    for family, table in families.items():
        for key, sql in table.items():
            db = "transit" if TRANSIT_TABLES.search(sql) else "shop"
            out.append(Read(f"{family}:{key}", sql, db))
    out += [Read(f"transit:{k}", sql, "transit") for k, sql in _TRANSIT.items()]
    return out
