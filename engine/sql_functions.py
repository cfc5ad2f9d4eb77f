"""The allow-list of PostgreSQL functions a generated query may call.

Only side-effect-free functions are listed: aggregates, window functions,
math, string, date/time, conditional, array and JSON functions. Anything not
listed is refused, so session and server functions (set_config,
current_setting, pg_sleep, pg_terminate_backend, advisory locks), file,
large-object and network access (pg_read_file, lo_export, dblink), sequence
functions (nextval, setval) and functions that run SQL strings (query_to_xml,
cursor_to_xml) can never run. Names are PostgreSQL's, lower-case.
"""

from __future__ import annotations

AGGREGATES = """count sum avg min max string_agg array_agg bool_and bool_or every stddev stddev_pop stddev_samp
variance var_pop var_samp percentile_cont percentile_disc mode corr covar_pop covar_samp regr_slope regr_intercept
regr_count regr_r2 regr_avgx regr_avgy json_agg jsonb_agg json_object_agg jsonb_object_agg bit_and bit_or any_value"""

WINDOW = "row_number rank dense_rank percent_rank cume_dist ntile lag lead first_value last_value nth_value"

MATH = """abs ceil ceiling floor round trunc sign sqrt cbrt power pow exp ln log log10 mod div greatest least pi degrees
radians sin cos tan asin acos atan atan2 sinh cosh tanh width_bucket gcd lcm factorial random scale"""

STRING = """length char_length character_length octet_length bit_length lower upper initcap trim ltrim rtrim btrim lpad
rpad substr substring left right replace translate position strpos concat concat_ws split_part repeat reverse format
regexp_replace regexp_match regexp_matches regexp_split_to_array regexp_split_to_table regexp_count regexp_like
regexp_substr regexp_instr starts_with md5 sha256 encode decode to_hex ascii chr string_to_array array_to_string
overlay normalize unistr quote_literal quote_nullable"""

DATETIME = """now current_date current_time current_timestamp localtime localtimestamp date_trunc date_part extract age
to_char to_date to_timestamp to_number make_date make_time make_timestamp make_timestamptz make_interval justify_days
justify_hours justify_interval isfinite clock_timestamp statement_timestamp transaction_timestamp timezone date_bin"""

CONDITIONAL = "coalesce nullif cast num_nonnulls num_nulls"

ARRAYS = """array_length array_position array_positions array_remove array_replace array_append array_prepend array_cat
cardinality unnest array_lower array_upper array_dims array_ndims generate_series generate_subscripts"""

JSON = """json_extract_path json_extract_path_text jsonb_extract_path jsonb_extract_path_text json_array_length
jsonb_array_length json_array_elements jsonb_array_elements json_array_elements_text jsonb_array_elements_text json_each
jsonb_each json_each_text jsonb_each_text json_object_keys jsonb_object_keys json_typeof jsonb_typeof to_json to_jsonb
json_build_object jsonb_build_object json_build_array jsonb_build_array jsonb_set jsonb_insert jsonb_path_query
jsonb_path_query_array jsonb_path_query_first jsonb_path_exists jsonb_path_match row_to_json array_to_json jsonb_pretty
json_strip_nulls jsonb_strip_nulls json_object jsonb_object"""

OTHER = "gen_random_uuid"

ALLOWED_FUNCTIONS: frozenset[str] = frozenset(
    " ".join([AGGREGATES, WINDOW, MATH, STRING, DATETIME, CONDITIONAL, ARRAYS, JSON, OTHER]).split()
)
