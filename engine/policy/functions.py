"""The allow-lists of what a generated query may call: functions by name, and AST node types.

Only side-effect-free functions are listed: aggregates, window functions,
math, string, date/time, conditional, array and JSON functions. Anything not
listed is refused (code ``forbidden_function``; there is no separate
``unknown_function`` code: for the model the fix is the same), so session and
server functions (set_config, current_setting, pg_sleep, pg_terminate_backend,
advisory locks), file, large-object and network access (pg_read_file, lo_export,
dblink), sequence functions (nextval, setval), functions that run SQL strings
(query_to_xml, cursor_to_xml), catalog lookups (to_regclass, pg_get_*) and
server facts (version, current_user, current_database) can never run.

Decisions: ``random`` and ``gen_random_uuid`` are volatile but touch nothing,
so they are allowed; ``xpath`` and the other XML functions are refused (not
needed for analytics, and the XML family includes SQL-running functions).
Names are PostgreSQL's, lower-case; for sqlglot's typed function nodes the
name is the one the PostgreSQL generator writes (``CAST``, ``EXTRACT`` ...).
"""

from __future__ import annotations

from sqlglot import exp

AGGREGATES = """count sum avg min max string_agg array_agg bool_and bool_or every stddev stddev_pop stddev_samp
variance var_pop var_samp percentile_cont percentile_disc mode corr covar_pop covar_samp regr_slope regr_intercept
regr_count regr_r2 regr_avgx regr_avgy regr_sxx regr_syy regr_sxy json_agg jsonb_agg json_object_agg jsonb_object_agg
bit_and bit_or bit_xor any_value grouping"""

WINDOW = "row_number rank dense_rank percent_rank cume_dist ntile lag lead first_value last_value nth_value"

MATH = """abs ceil ceiling floor round trunc sign sqrt cbrt power pow exp ln log log10 mod div greatest least pi degrees
radians sin cos tan cot asin acos atan atan2 sind cosd tand sinh cosh tanh width_bucket gcd lcm factorial random scale
min_scale trim_scale"""

STRING = """length char_length character_length octet_length bit_length lower upper initcap trim ltrim rtrim btrim lpad
rpad substr substring left right replace translate position strpos concat concat_ws split_part repeat reverse format
regexp_replace regexp_match regexp_matches regexp_split_to_array regexp_split_to_table regexp_count regexp_like
regexp_substr regexp_instr starts_with md5 sha224 sha256 sha384 sha512 encode decode to_hex ascii chr string_to_array
array_to_string overlay normalize unistr quote_literal quote_nullable quote_ident casefold"""

DATETIME = """now current_date current_time current_timestamp localtime localtimestamp date_trunc date_part extract age
to_char to_date to_timestamp to_number make_date make_time make_timestamp make_timestamptz make_interval justify_days
justify_hours justify_interval isfinite clock_timestamp statement_timestamp transaction_timestamp timezone date_bin
date_add date_subtract date"""

# Full-text search: pure functions of their arguments (a text search configuration
# names the catalog's parser and dictionaries; it cannot name a file or a setting).
TEXT_SEARCH = """to_tsvector to_tsquery plainto_tsquery phraseto_tsquery websearch_to_tsquery ts_rank ts_rank_cd
ts_headline numnode querytree setweight strip tsvector_to_array array_to_tsvector"""

CONDITIONAL = "coalesce nullif cast num_nonnulls num_nulls row exists"

ARRAYS = """array array_length array_position array_positions array_remove array_replace array_append array_prepend
array_cat cardinality unnest array_lower array_upper array_dims array_ndims generate_series generate_subscripts
array_fill trim_array array_sample array_shuffle array_reverse array_sort"""

JSON = """json_extract_path json_extract_path_text jsonb_extract_path jsonb_extract_path_text json_array_length
jsonb_array_length json_array_elements jsonb_array_elements json_array_elements_text jsonb_array_elements_text json_each
jsonb_each json_each_text jsonb_each_text json_object_keys jsonb_object_keys json_typeof jsonb_typeof to_json to_jsonb
json_build_object jsonb_build_object json_build_array jsonb_build_array jsonb_set jsonb_set_lax jsonb_insert
jsonb_path_query jsonb_path_query_array jsonb_path_query_first jsonb_path_exists jsonb_path_match row_to_json
array_to_json jsonb_pretty json_strip_nulls jsonb_strip_nulls json_object jsonb_object json_to_record jsonb_to_record
json_to_recordset jsonb_to_recordset json_populate_record jsonb_populate_record"""

OTHER = "gen_random_uuid"

ALLOWED_FUNCTIONS: frozenset[str] = frozenset(
    " ".join([AGGREGATES, WINDOW, MATH, STRING, DATETIME, TEXT_SEARCH, CONDITIONAL, ARRAYS, JSON, OTHER]).split()
)

# Table functions that return records and name their own columns; any other function
# in FROM returns one value per row, and PostgreSQL names that column after the alias.
RECORD_FUNCTIONS: frozenset[str] = frozenset(
    """json_each jsonb_each json_each_text jsonb_each_text json_to_record jsonb_to_record json_to_recordset
    jsonb_to_recordset json_populate_record jsonb_populate_record json_populate_recordset jsonb_populate_recordset""".split()
)

# Function schemas a call may name explicitly: built-ins live in pg_catalog. A call
# qualified with any other schema (public.lower) may be a user function that shadows one.
ALLOWED_FUNCTION_SCHEMAS: frozenset[str] = frozenset({"pg_catalog"})

# Casts to these types look catalog objects up by name (regclass, regproc, ...).
FORBIDDEN_TYPE_PREFIX = "reg"

# AST node types a read-only query may contain (exp.Func subclasses are checked
# by name instead). Anything else anywhere in the tree is refused.
ALLOWED_NODES: tuple[type[exp.Expression], ...] = (
    # query structure
    exp.Select, exp.Union, exp.Intersect, exp.Except, exp.With, exp.CTE, exp.Subquery, exp.From, exp.Join,
    exp.Where, exp.Group, exp.Having, exp.Order, exp.Ordered, exp.Limit, exp.Offset, exp.Fetch, exp.LimitOptions,
    exp.Distinct, exp.Lateral, exp.Values, exp.Tuple, exp.Table, exp.TableAlias, exp.Alias, exp.Aliases,
    exp.Column, exp.Identifier, exp.Star, exp.Dot, exp.Var, exp.Window, exp.WindowSpec, exp.Qualify,
    exp.GroupingSets, exp.Cube, exp.Rollup, exp.ColumnDef, exp.TableSample,
    # literals and types
    exp.Literal, exp.Boolean, exp.Null, exp.Interval, exp.IntervalSpan, exp.DataType, exp.DataTypeParam,
    exp.National, exp.ByteString, exp.HexString, exp.BitString, exp.UnicodeString, exp.RawString,
    exp.Array, exp.Bracket, exp.Slice, exp.Collate, exp.PseudoType,
    # operators and predicates
    exp.Binary, exp.Unary, exp.Paren, exp.In, exp.Between, exp.Exists, exp.Any, exp.All, exp.Case, exp.If,
    exp.Is, exp.Like, exp.ILike, exp.SimilarTo, exp.Escape, exp.Filter, exp.WithinGroup, exp.IgnoreNulls,
    exp.RespectNulls, exp.AtTimeZone, exp.JSONPath, exp.JSONPathPart, exp.Func,
)

# Allowed by the broad classes above but not plain operators on values:
# OPERATOR(schema.op) can name a user-defined operator backed by any function.
FORBIDDEN_NODES: tuple[type[exp.Expression], ...] = (exp.Operator,)

# Keywords PostgreSQL evaluates as functions that read server or session state
# (sqlglot parses some of them as plain column names).
SERVER_STATE_KEYWORDS: frozenset[str] = frozenset(
    {"user", "current_user", "current_role", "session_user", "system_user", "current_catalog", "current_schema"}
)
