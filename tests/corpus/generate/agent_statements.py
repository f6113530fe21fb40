"""Base statements from APM agents' SQL obfuscation tests (New Relic cross-agent, Datadog)."""

from __future__ import annotations

from tests.corpus.generate.base_statement import BaseStatement

AGENT_STATEMENTS: list[BaseStatement] = [
    BaseStatement(
        "nr-comment-delims",
        "newrelic-cross-agent:sql_obfuscation",
        "SELECT * FROM t WHERE foo='bar/*' AND baz='whatever */qux'",
    ),
    BaseStatement(
        "nr-dq-identifiers",
        "newrelic-cross-agent:sql_obfuscation",
        'SELECT "t001"."c2" FROM "t001" WHERE "t001"."c2" = \'value\' AND c3=1234 LIMIT 1',
        near=[
            (
                (
                    'SELECT "t002"."c2" FROM "t002" WHERE "t002"."c2" = \'value\' AND '
                    "c3=1234 LIMIT 1"
                ),
                "table t001 -> t002 (numeric suffix)",
            ),
            (
                (
                    'SELECT "t001"."c2" FROM "t001" WHERE "t001"."C2" = \'value\' AND '
                    "c3=1234 LIMIT 1"
                ),
                'quoted identifier "c2" -> "C2" (case matters when quoted)',
            ),
        ],
        auto=0,
    ),
    BaseStatement(
        "nr-eol-comment-in-string",
        "newrelic-cross-agent:sql_obfuscation",
        "SELECT * FROM t WHERE foo='bar--' AND\n  baz='qux--'",
    ),
    BaseStatement(
        "nr-cstyle-comment",
        "newrelic-cross-agent:sql_obfuscation",
        "SELECT * FROM foo WHERE bar='baz' /* Hide Me */",
    ),
    BaseStatement(
        "nr-doubledash-comment",
        "newrelic-cross-agent:sql_obfuscation",
        "SELECT * FROM foobar WHERE password='hunter2'\n-- No peeking!",
        near=[
            (
                "SELECT * FROM foobar WHERE passwd='hunter2'\n-- No peeking!",
                "column password -> passwd",
            )
        ],
        auto=0,
    ),
    BaseStatement(
        "nr-escape-strings",
        "newrelic-cross-agent:sql_obfuscation",
        (
            'SELECT "col1", "col2" from "table" WHERE '
            "\"col3\"=E'foo\\'bar\\\\baz' AND country=e'foo\\'bar\\\\baz'"
        ),
    ),
    BaseStatement(
        "nr-numbers-in-identifiers",
        "newrelic-cross-agent:sql_obfuscation",
        "SELECT c11.col1, c22.col2 FROM tbl c11, tbl c22 WHERE value='nothing'",
        near=[
            (
                "SELECT c11.col1, c22.col1 FROM tbl c11, tbl c22 WHERE value='nothing'",
                "column col2 -> col1",
            )
        ],
        auto=0,
        note="adapted: table -> tbl",
    ),
    BaseStatement(
        "nr-numeric-literals",
        "newrelic-cross-agent:sql_obfuscation",
        "INSERT INTO X VALUES(1, 23456, 123.456, 99+100)",
        near=[("INSERT INTO X VALUES(1, 23456, 123.456, 99-100)", "operator + -> -")],
        auto=0,
    ),
    BaseStatement(
        "nr-string-single-quoted",
        "newrelic-cross-agent:sql_obfuscation",
        "SELECT * FROM tbl WHERE name='foo' AND value = 'bar'",
        note="adapted: table -> tbl",
    ),
    BaseStatement(
        "nr-backslash-twin-quotes",
        "newrelic-cross-agent:sql_obfuscation",
        "SELECT * FROM tbl WHERE col='foo\\''bar'",
        note="adapted: table -> tbl",
    ),
    BaseStatement(
        "nr-embedded-double-quote",
        "newrelic-cross-agent:sql_obfuscation",
        "SELECT * FROM tbl WHERE col1='foo\"bar' AND col2='what\"ever'",
        note="adapted: table -> tbl",
    ),
    BaseStatement(
        "nr-embedded-newline",
        "newrelic-cross-agent:sql_obfuscation",
        "select * from accounts where accounts.name != 'dude \n newline' order by accounts.name",
    ),
    BaseStatement(
        "nr-trailing-backslash",
        "newrelic-cross-agent:sql_obfuscation",
        "SELECT * FROM tbl WHERE name='foo\\' AND color='blue'",
        note="adapted: table -> tbl",
    ),
    BaseStatement(
        "nr-trailing-escaped-backslash",
        "newrelic-cross-agent:sql_obfuscation",
        "SELECT * FROM tbl WHERE foo='this string ends with a backslash\\\\'",
        note="adapted: table -> tbl",
    ),
    BaseStatement(
        "nr-twin-single-quotes",
        "newrelic-cross-agent:sql_obfuscation",
        "INSERT INTO X values('', 'a''b c',0, 1 , 'd''e f''s h')",
    ),
    BaseStatement(
        "nr-eol-comments-with-quotes",
        "newrelic-cross-agent:sql_obfuscation",
        "SELECT * FROM t WHERE -- '\n  bar='baz' -- '",
    ),
    BaseStatement(
        "nr-mixed-comments-quotes",
        "newrelic-cross-agent:sql_obfuscation",
        "SELECT * FROM t WHERE /* ' */ \n  bar='baz' -- '",
    ),
    BaseStatement(
        "nr-mixed-quotes-newlines",
        "newrelic-cross-agent:sql_obfuscation",
        "SELECT * FROM t WHERE -- '\n  /* ' */ c2='xxx' /* ' */\n  AND c='x\n  xx' -- '",
        note="adapted: AND added between the two conditions",
    ),
    BaseStatement(
        "nr-quote-delims-in-comments",
        "newrelic-cross-agent:sql_obfuscation",
        "SELECT * FROM foo WHERE col='value1' AND /* don't */ col2='value1' /* won't */",
    ),
    BaseStatement(
        "nr-dollar-quotes",
        "newrelic-cross-agent:sql_obfuscation",
        (
            'SELECT * FROM "foo" WHERE "foo" = $a$dollar quotes can be '
            "$b$nested$b$$a$ and bar = 'baz'"
        ),
    ),
    BaseStatement(
        "nr-non-quote-escape",
        "newrelic-cross-agent:sql_obfuscation",
        "select * from foo where bar = 'some\\tthing' and baz = 10",
    ),
    BaseStatement(
        "nr-hex-literals",
        "newrelic-cross-agent:sql_obfuscation",
        "select * from foo where bar=0x2F and x=5",
    ),
    BaseStatement(
        "nr-exponential",
        "newrelic-cross-agent:sql_obfuscation",
        "select * from foo where bar=1.234e-5 and x=5",
    ),
    BaseStatement(
        "nr-booleans",
        "newrelic-cross-agent:sql_obfuscation",
        "select * from foo where bar=true and x=FALSE",
        near=[
            ("select * from foo where bar=false and x=FALSE", "boolean keyword true -> false"),
            ("select * from foo where bar=true and x=TRUE", "boolean keyword FALSE -> TRUE"),
        ],
        auto=0,
    ),
    BaseStatement(
        "nr-cassandra-blob",
        "newrelic-cross-agent:sql_obfuscation",
        "select * from foo where bar=0xabcdef123 and x=5",
        note="cassandra case; valid PostgreSQL hex integer",
    ),
    BaseStatement(
        "dd-keep-alias",
        "datadog-obfuscate-tests:datadog-agent",
        "SELECT username AS person FROM users WHERE id=4",
        near=[
            ("SELECT username AS someone FROM users WHERE id=4", "output alias person -> someone")
        ],
        auto=1,
    ),
    BaseStatement(
        "dd-dollar-func",
        "datadog-obfuscate-tests:datadog-agent",
        "SELECT $func$INSERT INTO table VALUES ('a', 1, 2)$func$ FROM users",
        near=[
            (
                "SELECT $func$INSERT INTO table VALUES ('a', 1, 2)$func$, 1 FROM users",
                "one more select-list item",
            )
        ],
        auto=0,
    ),
    BaseStatement(
        "dd-clients-limit",
        "datadog-obfuscate-tests:datadog-agent",
        (
            "\n/* Multi-line comment */\n"
            "SELECT * FROM clients WHERE (clients.first_name = 'Andy') LIMIT 1"
        ),
    ),
    BaseStatement(
        "dd-owners-insert",
        "datadog-obfuscate-tests:datadog-agent",
        (
            "INSERT INTO owners (created_at, first_name, locked, orders_count, "
            "updated_at) VALUES ('2011-08-30 05:22:57', 'Andy', 1, NULL, "
            "'2011-08-30 05:22:57')"
        ),
        near=[
            (
                (
                    "INSERT INTO owners (created_at, first_name, locked, orders_count, "
                    "updated_at) VALUES ('2011-08-30 05:22:57', 'Andy', 1, 0, '2011-08-30 "
                    "05:22:57')"
                ),
                "NULL -> literal",
            )
        ],
        auto=0,
    ),
    BaseStatement(
        "dd-values-dog",
        "datadog-obfuscate-tests:datadog-agent",
        (
            "\n-- Testing table value constructor SQL expression\n"
            "SELECT * FROM (VALUES (1, 'dog')) AS d (id, animal)"
        ),
    ),
    BaseStatement(
        "dd-revoke",
        "datadog-obfuscate-tests:datadog-agent",
        "REVOKE ALL ON SCHEMA datadog FROM datadog",
        near=[("GRANT ALL ON SCHEMA datadog TO datadog", "REVOKE -> GRANT")],
        auto=0,
    ),
    BaseStatement(
        "dd-truncate",
        "datadog-obfuscate-tests:datadog-agent",
        "TRUNCATE TABLE datadog",
        near=[("TRUNCATE TABLE datadog2", "table datadog -> datadog2 (numeric suffix)")],
        auto=0,
    ),
    BaseStatement(
        "dd-posts-published",
        "datadog-obfuscate-tests:datadog-agent",
        (
            "SELECT clients.* FROM clients INNER JOIN posts ON posts.author_id = "
            "clients.id AND posts.published = 't'"
        ),
        note="adapted: author.id -> clients.id",
    ),
    BaseStatement(
        "dd-users-id", "datadog-obfuscate-tests:go-sqllexer", "SELECT * FROM users where id = 1"
    ),
    BaseStatement(
        "dd-users-hex",
        "datadog-obfuscate-tests:go-sqllexer",
        "SELECT * FROM users where id = 0x124af",
    ),
    BaseStatement(
        "dd-users-str12",
        "datadog-obfuscate-tests:go-sqllexer",
        "SELECT * FROM users where id = '12'",
    ),
    BaseStatement(
        "dd-users-table-space",
        "datadog-obfuscate-tests:go-sqllexer",
        'SELECT * FROM "users table" where id = 1',
        near=[
            (
                'SELECT * FROM "users_table" where id = 1',
                'quoted table name "users table" -> "users_table"',
            )
        ],
        auto=0,
    ),
    BaseStatement(
        "dd-users1",
        "datadog-obfuscate-tests:go-sqllexer",
        "SELECT * FROM users1 where id = $1",
        near=[
            ("SELECT * FROM users2 where id = $1", "table users1 -> users2 (numeric suffix)"),
            ("SELECT * FROM users where id = $1", "table users1 -> users"),
        ],
        auto=0,
        note="adapted: ? placeholder -> $1",
    ),
    BaseStatement(
        "dd-users-comment",
        "datadog-obfuscate-tests:go-sqllexer",
        "SELECT * FROM users where id = 1 -- this is a comment",
    ),
    BaseStatement(
        "dd-users-multiline-comment",
        "datadog-obfuscate-tests:go-sqllexer",
        (
            "\n\t\t\t/* this is a comment \n\t\t\twith multiple lines\n\t\t\t*/\n"
            "\t\t\tSELECT * FROM users where id = 1\n\t\t\t"
        ),
    ),
    BaseStatement(
        "dd-dollar-tag",
        "datadog-obfuscate-tests:go-sqllexer",
        "SELECT * FROM users where id = $tag$test$tag$",
    ),
    BaseStatement(
        "dd-numbers",
        "datadog-obfuscate-tests:go-sqllexer",
        "SELECT 1.2, 1.2e3, 1.2e-3, 1.2E3, 1.2E-3 FROM users where id = 1",
    ),
    BaseStatement(
        "dd-unicode",
        "datadog-obfuscate-tests:go-sqllexer",
        "SELECT * FROM \"世界\" where name = '🌊'",
        near=[("SELECT * FROM \"世界\" where name <> '🌊'", "operator = -> <>")],
        auto=0,
    ),
    BaseStatement(
        "dd-nested-in",
        "datadog-obfuscate-tests:go-sqllexer",
        "SELECT * FROM users where id in (SELECT id FROM users where id in (1, 2, 3))",
    ),
    BaseStatement(
        "dd-in-mixed",
        "datadog-obfuscate-tests:go-sqllexer",
        "SELECT * FROM users where id in (1, '2', 3)",
        note="adapted: NULL, true, false removed from the list",
    ),
    BaseStatement(
        "dd-regex-not",
        "datadog-obfuscate-tests:go-sqllexer",
        "SELECT nspname FROM pg_namespace where nspname !~ '.*toIgnore.*'",
        note="adapted: pg_class -> pg_namespace",
    ),
    BaseStatement(
        "dd-regex-not-i",
        "datadog-obfuscate-tests:go-sqllexer",
        "SELECT nspname FROM pg_namespace where nspname !~* '.*toIgnoreInsensitive.*'",
        note="adapted: pg_class -> pg_namespace",
    ),
    BaseStatement(
        "dd-regex",
        "datadog-obfuscate-tests:go-sqllexer",
        "SELECT nspname FROM pg_namespace where nspname ~ '.*matching.*'",
        note="adapted: pg_class -> pg_namespace",
    ),
    BaseStatement(
        "dd-negatives",
        "datadog-obfuscate-tests:go-sqllexer",
        (
            "SELECT * FROM Items WHERE id = -1 OR id = -01 OR id = -108 OR id = "
            "-.018 OR id = -.08 OR id = -908129"
        ),
    ),
    BaseStatement(
        "dd-emoji",
        "datadog-obfuscate-tests:go-sqllexer",
        "SELECT '🥒'",
        near=[("SELECT '🥒', '🥒'", "one more select-list item")],
        auto=0,
    ),
    BaseStatement(
        "dd-json-eq",
        "datadog-obfuscate-tests:go-sqllexer",
        'SELECT * FROM users where data = \'{"a": 1, "b": 2}\'::jsonb',
        near=[
            (
                'SELECT * FROM users where data = \'{"a": 1, "b": 2}\'::json::jsonb',
                "extra ::json cast",
            )
        ],
        auto=0,
        note="adapted: id -> data",
    ),
    BaseStatement(
        "dd-json-contained",
        "datadog-obfuscate-tests:go-sqllexer",
        'SELECT * FROM users where \'{"a": 1, "b": 2}\'::jsonb <@ \'{"a": 1, "b": 2}\'::jsonb',
    ),
    BaseStatement(
        "dd-json-contains",
        "datadog-obfuscate-tests:go-sqllexer",
        'SELECT * FROM users where \'{"a": 1, "b": 2}\'::jsonb @> \'{"a": 1, "b": 2}\'::jsonb',
    ),
    BaseStatement(
        "dd-json-arrow",
        "datadog-obfuscate-tests:go-sqllexer",
        "SELECT * FROM users where '{\"a\": 1, \"b\": 2}'::jsonb -> 'a' = '1'",
        note="adapted: compared with '1' to make a boolean",
    ),
    BaseStatement(
        "dd-json-arrow2",
        "datadog-obfuscate-tests:go-sqllexer",
        "SELECT * FROM users where '{\"a\": 1, \"b\": 2}'::jsonb ->> 'a' = '1'",
        note="adapted: compared with '1' to make a boolean",
    ),
    BaseStatement(
        "dd-json-hash",
        "datadog-obfuscate-tests:go-sqllexer",
        "SELECT * FROM users where '{\"a\": 1, \"b\": 2}'::jsonb #> '{a}' = '1'",
        note="adapted: compared with '1' to make a boolean",
    ),
    BaseStatement(
        "dd-json-hash2",
        "datadog-obfuscate-tests:go-sqllexer",
        "SELECT * FROM users where '{\"a\": 1, \"b\": 2}'::jsonb #>> '{a}' = '1'",
        note="adapted: compared with '1' to make a boolean",
    ),
    BaseStatement(
        "dd-json-q",
        "datadog-obfuscate-tests:go-sqllexer",
        "SELECT * FROM users where '{\"a\": 1, \"b\": 2}'::jsonb ? 'a'",
    ),
    BaseStatement(
        "dd-json-q-any",
        "datadog-obfuscate-tests:go-sqllexer",
        "SELECT * FROM users where '{\"a\": 1, \"b\": 2}'::jsonb ?| '{a}'",
    ),
    BaseStatement(
        "dd-json-q-all",
        "datadog-obfuscate-tests:go-sqllexer",
        "SELECT * FROM users where '{\"a\": 1, \"b\": 2}'::jsonb ?& '{a}'",
    ),
    BaseStatement(
        "dd-json-minus",
        "datadog-obfuscate-tests:go-sqllexer",
        "SELECT * FROM users where '{\"a\": 1, \"b\": 2}'::jsonb - 'a' = '{}'",
        note="adapted: compared with '{}' to make a boolean",
    ),
    BaseStatement(
        "ddt-delete-complex",
        "datadog-obfuscate-tests:go-sqllexer-testdata",
        (
            "DELETE FROM \n  users u\nUSING \n  orders o,\n  order_items oi,\n"
            "  products p\nWHERE \n  u.id = o.user_id\nAND o.id = oi.order_id\n"
            "AND oi.product_id = p.id\nAND p.category = 'obsolete'\n"
            "AND o.order_date < NOW() - INTERVAL '5 years';\n"
        ),
    ),
    BaseStatement(
        "ddt-insert-complex",
        "datadog-obfuscate-tests:go-sqllexer-testdata",
        (
            "INSERT INTO order_summaries (order_id, product_count, total_amount, "
            "average_product_price)\nSELECT \n  o.id,\n  COUNT(p.id),\n"
            "  SUM(oi.amount),\n  AVG(p.price)\nFROM \n  orders o\n"
            "JOIN order_items oi ON o.id = oi.order_id\n"
            "JOIN products p ON oi.product_id = p.id\nGROUP BY \n  o.id\nHAVING \n"
            "  SUM(oi.amount) > 1000;\n"
        ),
    ),
    BaseStatement(
        "ddt-select-aggs",
        "datadog-obfuscate-tests:go-sqllexer-testdata",
        (
            "SELECT \n  u.id,\n  u.name,\n"
            "  (SELECT COUNT(*) FROM orders o WHERE o.user_id = u.id) AS "
            "order_count,\n  (SELECT SUM(amount) FROM payments p WHERE p.user_id = "
            "u.id) AS total_payments,\n"
            "  (SELECT AVG(rating) FROM reviews r WHERE r.user_id = u.id) AS "
            "average_rating\nFROM \n  users u\nWHERE \n  EXISTS (\n"
            "    SELECT 1 FROM logins l WHERE l.user_id = u.id AND l.time > NOW() "
            "- INTERVAL '1 month'\n  )\nAND u.status = 'active'\nORDER BY \n"
            "  total_payments DESC, average_rating DESC, order_count DESC\n"
            "LIMIT 10;\n"
        ),
    ),
    BaseStatement(
        "ddt-window",
        "datadog-obfuscate-tests:go-sqllexer-testdata",
        (
            "SELECT \n  e1.name AS employee_name,\n  e1.salary,\n"
            "  e2.name AS manager_name,\n"
            "  AVG(e2.salary) OVER (PARTITION BY e1.manager_id) AS "
            "avg_manager_salary,\n  RANK() OVER (ORDER BY e1.salary DESC) AS "
            "salary_rank\nFROM \n  employees e1\n"
            "LEFT JOIN employees e2 ON e1.manager_id = e2.id\nWHERE \n"
            "  e1.department_id IN (SELECT id FROM departments WHERE name LIKE "
            "'IT%')\nAND \n  e1.hire_date > '2020-01-01'\nORDER BY \n"
            "  salary_rank, avg_manager_salary DESC;\n"
        ),
    ),
    BaseStatement(
        "ddt-nested",
        "datadog-obfuscate-tests:go-sqllexer-testdata",
        (
            "SELECT \n  user_id,\n  order_id,\n  order_total,\n  user_total\n"
            "FROM (\n  SELECT \n    o.user_id,\n    o.id AS order_id,\n"
            "    o.total AS order_total,\n"
            "    (SELECT SUM(total) FROM orders WHERE user_id = o.user_id) AS "
            "user_total,\n    RANK() OVER (PARTITION BY o.user_id ORDER BY o.total "
            "DESC) AS rnk\n  FROM \n    orders o\n) sub\nWHERE \n  sub.rnk = 1\n"
            "AND user_total > (\n  SELECT \n    AVG(total) * 2 \n  FROM orders\n"
            ");\n"
        ),
    ),
    BaseStatement(
        "ddt-update-case",
        "datadog-obfuscate-tests:go-sqllexer-testdata",
        (
            "UPDATE \n  products p\nSET \n  price = CASE \n"
            "    WHEN p.stock < 10 THEN p.price * 1.10\n"
            "    WHEN p.stock BETWEEN 10 AND 50 THEN p.price\n"
            "    ELSE p.price * 0.90\n  END,\n  last_updated = NOW()\nFROM (\n"
            "  SELECT \n    product_id, \n    SUM(quantity) AS stock\n  FROM \n"
            "    inventory\n  GROUP BY \n    product_id\n) AS sub\nWHERE \n"
            "  sub.product_id = p.id;\n"
        ),
    ),
    BaseStatement(
        "ddt-delete-returning",
        "datadog-obfuscate-tests:go-sqllexer-testdata",
        "DELETE FROM orders WHERE id = 8 RETURNING *;\n",
    ),
    BaseStatement(
        "ddt-delete-using",
        "datadog-obfuscate-tests:go-sqllexer-testdata",
        (
            "DELETE FROM user_logins USING users WHERE user_logins.user_id = "
            "users.id AND users.status = 'inactive';\n"
        ),
    ),
    BaseStatement(
        "ddt-delete-cte",
        "datadog-obfuscate-tests:go-sqllexer-testdata",
        (
            "WITH deleted AS (\n  DELETE FROM users WHERE last_login < NOW() - "
            "INTERVAL '2 years' RETURNING *\n)\nSELECT * FROM deleted;\n"
        ),
    ),
    BaseStatement(
        "ddt-delete-sub",
        "datadog-obfuscate-tests:go-sqllexer-testdata",
        "DELETE FROM comments WHERE user_id IN (SELECT id FROM users WHERE status = 'banned');\n",
    ),
    BaseStatement(
        "ddt-fn-notice",
        "datadog-obfuscate-tests:go-sqllexer-testdata",
        (
            "CREATE OR REPLACE FUNCTION log_activity(activity text) RETURNS void "
            "AS $func$\nBEGIN\n  RAISE NOTICE 'Activity: %', activity;\nEND;\n"
            "$func$ LANGUAGE plpgsql;\n"
        ),
        near=[
            (
                (
                    "CREATE OR REPLACE FUNCTION log_activity(activity varchar) RETURNS "
                    "void AS $func$\nBEGIN\n  RAISE NOTICE 'Activity: %', activity;\nEND;\n"
                    "$func$ LANGUAGE plpgsql;\n"
                ),
                "argument type text -> varchar",
            )
        ],
        auto=0,
    ),
    BaseStatement(
        "ddt-fn-dynamic",
        "datadog-obfuscate-tests:go-sqllexer-testdata",
        (
            "CREATE OR REPLACE FUNCTION dynamic_query(sql_query text) RETURNS "
            "SETOF RECORD AS $func$\nBEGIN\n  RETURN QUERY EXECUTE sql_query;\n"
            "END;\n$func$ LANGUAGE plpgsql;\n"
        ),
        auto=0,
    ),
    BaseStatement(
        "ddt-fn-table",
        "datadog-obfuscate-tests:go-sqllexer-testdata",
        (
            "CREATE OR REPLACE FUNCTION get_users() RETURNS TABLE(user_id integer, "
            "user_name text) AS $func$\nBEGIN\n"
            "  RETURN QUERY SELECT id, name FROM users;\nEND;\n"
            "$func$ LANGUAGE plpgsql;\n"
        ),
        near=[
            (
                (
                    "CREATE OR REPLACE FUNCTION get_users() RETURNS TABLE(user_id bigint, "
                    "user_name text) AS $func$\nBEGIN\n"
                    "  RETURN QUERY SELECT id, name FROM users;\nEND;\n"
                    "$func$ LANGUAGE plpgsql;\n"
                ),
                "result column type integer -> bigint",
            )
        ],
        auto=0,
    ),
    BaseStatement(
        "ddt-invoke-positional",
        "datadog-obfuscate-tests:go-sqllexer-testdata",
        "SELECT calculate_discount($1, $2);\n",
    ),
    BaseStatement(
        "ddt-invoke-dynamic",
        "datadog-obfuscate-tests:go-sqllexer-testdata",
        (
            "SELECT * FROM dynamic_query('SELECT * FROM users WHERE id = 1') AS "
            "t(id integer, name text, email text);\n"
        ),
    ),
    BaseStatement(
        "ddt-insert-array",
        "datadog-obfuscate-tests:go-sqllexer-testdata",
        "INSERT INTO users (name, favorite_numbers) VALUES ('Array User', ARRAY[3, 6, 9]);\n",
    ),
    BaseStatement(
        "ddt-insert-json",
        "datadog-obfuscate-tests:go-sqllexer-testdata",
        'INSERT INTO events (data) VALUES (\'{"type": "user_signup", "user_id": 1}\');\n',
    ),
    BaseStatement(
        "ddt-insert-multirow",
        "datadog-obfuscate-tests:go-sqllexer-testdata",
        (
            "INSERT INTO users (name, email) VALUES ('Jane Doe', "
            "'jane@example.com'), ('Bob Smith', 'bob@example.com');\n"
        ),
    ),
    BaseStatement(
        "ddt-insert-conflict",
        "datadog-obfuscate-tests:go-sqllexer-testdata",
        (
            "INSERT INTO users (id, name, email) VALUES (1, 'Duplicate', "
            "'duplicate@example.com') ON CONFLICT (id) DO UPDATE SET email = "
            "EXCLUDED.email;\n"
        ),
        near=[
            (
                (
                    "INSERT INTO users (id, name, email) VALUES (1, 'Duplicate', "
                    "'duplicate@example.com') ON CONFLICT (id) DO UPDATE SET name = "
                    "EXCLUDED.name;\n"
                ),
                "updated column email -> name",
            )
        ],
        auto=0,
    ),
    BaseStatement(
        "ddt-insert-point",
        "datadog-obfuscate-tests:go-sqllexer-testdata",
        "INSERT INTO places (name, location) VALUES ('Point Place', point '(10, 20)');\n",
        near=[
            (
                "INSERT INTO places (name, location) VALUES ('Point Place', '(10, 20)');\n",
                "typed literal point '...' -> untyped string",
            )
        ],
        auto=0,
    ),
    BaseStatement(
        "ddt-insert-range",
        "datadog-obfuscate-tests:go-sqllexer-testdata",
        "INSERT INTO reservations (during) VALUES ('[2023-01-01 14:00, 2023-01-01 15:00)');\n",
    ),
    BaseStatement(
        "ddt-insert-hstore",
        "datadog-obfuscate-tests:go-sqllexer-testdata",
        'INSERT INTO user_profiles (profile) VALUES (\'"height"=>"2m", "weight"=>"70kg"\');\n',
    ),
    BaseStatement(
        "ddt-insert-subq-alias",
        "datadog-obfuscate-tests:go-sqllexer-testdata",
        (
            "INSERT INTO user_logins (user_id, login_time) SELECT u.id, NOW() FROM "
            "users u WHERE u.active;\n"
        ),
        near=[
            (
                (
                    "INSERT INTO user_logins (user_id, login_time) SELECT u.id, NOW() FROM "
                    "users u WHERE NOT u.active;\n"
                ),
                "WHERE u.active -> WHERE NOT u.active",
            )
        ],
    ),
    BaseStatement(
        "ddt-insert-enum",
        "datadog-obfuscate-tests:go-sqllexer-testdata",
        "INSERT INTO shipments (status) VALUES ('delivered'::shipment_status);\n",
    ),
    BaseStatement(
        "ddt-insert-default",
        "datadog-obfuscate-tests:go-sqllexer-testdata",
        "INSERT INTO products (name, price, description) VALUES ('New Product', 123, DEFAULT);\n",
    ),
    BaseStatement(
        "ddt-insert-returning-pos",
        "datadog-obfuscate-tests:go-sqllexer-testdata",
        "INSERT INTO orders (product_id, quantity, total) VALUES ($1, $2, $3) RETURNING id;\n",
    ),
    BaseStatement(
        "ddt-case",
        "datadog-obfuscate-tests:go-sqllexer-testdata",
        "SELECT name, CASE WHEN age < 18 THEN 'minor' ELSE 'adult' END FROM users;\n",
    ),
    BaseStatement(
        "ddt-cte-recursive",
        "datadog-obfuscate-tests:go-sqllexer-testdata",
        (
            "WITH recursive_subordinates AS (\n"
            "    SELECT id, manager_id FROM employees WHERE id = 1\n    UNION ALL\n"
            "    SELECT e.id, e.manager_id FROM employees e INNER JOIN "
            "recursive_subordinates rs ON rs.id = e.manager_id\n)\n"
            "SELECT * FROM recursive_subordinates;\n"
        ),
        note="as published (not valid without RECURSIVE: the server rejects it)",
    ),
    BaseStatement(
        "ddt-distinct-on",
        "datadog-obfuscate-tests:go-sqllexer-testdata",
        (
            "SELECT DISTINCT ON (location) location, time FROM events ORDER BY "
            "location, time DESC;\n"
        ),
    ),
    BaseStatement(
        "ddt-fetch-first",
        "datadog-obfuscate-tests:go-sqllexer-testdata",
        "SELECT * FROM users ORDER BY created_at DESC FETCH FIRST 10 ROWS ONLY;\n",
        near=[
            (
                "SELECT * FROM users ORDER BY created_at DESC FETCH FIRST 10 ROWS WITH TIES;",
                "ROWS ONLY -> WITH TIES",
            )
        ],
    ),
    BaseStatement(
        "ddt-for-update-of",
        "datadog-obfuscate-tests:go-sqllexer-testdata",
        "SELECT * FROM users WHERE last_login < NOW() - INTERVAL '1 year' FOR UPDATE OF users;\n",
        near=[
            (
                (
                    "SELECT * FROM users WHERE last_login < NOW() - INTERVAL '1 year' FOR "
                    "SHARE OF users;\n"
                ),
                "FOR UPDATE -> FOR SHARE",
            )
        ],
        auto=0,
    ),
    BaseStatement(
        "ddt-full-outer",
        "datadog-obfuscate-tests:go-sqllexer-testdata",
        "SELECT * FROM customers FULL OUTER JOIN orders ON customers.id = orders.customer_id;\n",
    ),
    BaseStatement(
        "ddt-group-having",
        "datadog-obfuscate-tests:go-sqllexer-testdata",
        "SELECT status, COUNT(*) FROM orders GROUP BY status HAVING COUNT(*) > 1;\n",
    ),
    BaseStatement(
        "ddt-json-field",
        "datadog-obfuscate-tests:go-sqllexer-testdata",
        "SELECT data->'customer'->>'name' AS customer_name FROM orders;\n",
    ),
    BaseStatement(
        "ddt-jsonb-elements",
        "datadog-obfuscate-tests:go-sqllexer-testdata",
        "SELECT jsonb_array_elements_text(data->'tags') AS tag FROM products;\n",
    ),
    BaseStatement(
        "ddt-jsonb-contained",
        "datadog-obfuscate-tests:go-sqllexer-testdata",
        'SELECT * FROM events WHERE payload <@ \'{"events": {"type": "user_event"}}\';\n',
    ),
    BaseStatement(
        "ddt-jsonb-key",
        "datadog-obfuscate-tests:go-sqllexer-testdata",
        "SELECT * FROM events WHERE payload ? 'user_id';\n",
        near=[
            ("SELECT * FROM events WHERE payload ?| array['user_id'];\n", "operator ? -> ?|"),
            ("SELECT * FROM events WHERE payload ?& array['user_id'];\n", "operator ? -> ?&"),
        ],
        auto=0,
    ),
    BaseStatement(
        "ddt-jsonb-top",
        "datadog-obfuscate-tests:go-sqllexer-testdata",
        'SELECT * FROM events WHERE payload @> \'{"type": "user_event"}\';\n',
    ),
    BaseStatement(
        "ddt-jsonb-del-elem",
        "datadog-obfuscate-tests:go-sqllexer-testdata",
        "SELECT data #- '{tags,0}' AS tags_without_first FROM products;\n",
    ),
    BaseStatement(
        "ddt-jsonb-del-key",
        "datadog-obfuscate-tests:go-sqllexer-testdata",
        "SELECT data - 'temporary_field' AS cleaned_data FROM user_profiles;\n",
    ),
    BaseStatement(
        "ddt-jsonb-set-null",
        "datadog-obfuscate-tests:go-sqllexer-testdata",
        "SELECT jsonb_set(data, '{info,address}', NULL) AS removed_address FROM users;\n",
        near=[
            (
                "SELECT jsonb_set(data, '{info,address}', '{}') AS removed_address FROM users;\n",
                "NULL -> literal",
            )
        ],
        auto=0,
    ),
    BaseStatement(
        "ddt-jsonb-path-text",
        "datadog-obfuscate-tests:go-sqllexer-testdata",
        "SELECT jsonb_extract_path_text(data, 'user', 'name') AS user_name FROM user_profiles;\n",
    ),
    BaseStatement(
        "ddt-jsonb-set",
        "datadog-obfuscate-tests:go-sqllexer-testdata",
        (
            "SELECT jsonb_set(data, '{user,name}', '\"John Doe\"') AS "
            "updated_data FROM user_profiles;\n"
        ),
    ),
    BaseStatement(
        "ddt-lateral",
        "datadog-obfuscate-tests:go-sqllexer-testdata",
        (
            "SELECT u.name, json_agg(l) FROM users u, LATERAL (SELECT id, text "
            "FROM logs WHERE logs.user_id = u.id) AS l GROUP BY u.name;\n"
        ),
    ),
    BaseStatement(
        "ddt-limit-offset",
        "datadog-obfuscate-tests:go-sqllexer-testdata",
        "SELECT * FROM users ORDER BY created_at DESC LIMIT 10 OFFSET 20;\n",
        near=[
            ("SELECT * FROM users ORDER BY created_at DESC LIMIT 10;\n", "OFFSET clause removed"),
            (
                "SELECT * FROM users ORDER BY created_at DESC LIMIT ALL OFFSET 20;\n",
                "LIMIT 10 -> LIMIT ALL",
            ),
        ],
        auto=0,
    ),
    BaseStatement(
        "ddt-natural",
        "datadog-obfuscate-tests:go-sqllexer-testdata",
        "SELECT * FROM users NATURAL JOIN user_profiles;\n",
    ),
    BaseStatement(
        "ddt-in-positional",
        "datadog-obfuscate-tests:go-sqllexer-testdata",
        "SELECT * FROM orders WHERE status IN ($1, $2, $3);\n",
    ),
    BaseStatement(
        "ddt-multi-positional",
        "datadog-obfuscate-tests:go-sqllexer-testdata",
        "SELECT * FROM products WHERE category = $1 AND price < $2;\n",
    ),
    BaseStatement(
        "ddt-self-join",
        "datadog-obfuscate-tests:go-sqllexer-testdata",
        "SELECT a.name, b.name FROM employees a, employees b WHERE a.manager_id = b.id;\n",
    ),
    BaseStatement(
        "ddt-sub-from",
        "datadog-obfuscate-tests:go-sqllexer-testdata",
        "SELECT user_data.name FROM (SELECT name FROM users WHERE active = true) AS user_data;\n",
    ),
    BaseStatement(
        "ddt-sub-select",
        "datadog-obfuscate-tests:go-sqllexer-testdata",
        (
            "SELECT name, (SELECT COUNT(*) FROM orders WHERE orders.user_id = "
            "users.id) AS order_count FROM users;\n"
        ),
    ),
    BaseStatement(
        "ddt-sub-where",
        "datadog-obfuscate-tests:go-sqllexer-testdata",
        "SELECT name FROM users WHERE id IN (SELECT user_id FROM orders WHERE total > 100);\n",
    ),
    BaseStatement(
        "ddt-tablesample",
        "datadog-obfuscate-tests:go-sqllexer-testdata",
        "SELECT * FROM users TABLESAMPLE BERNOULLI (10);\n",
    ),
    BaseStatement(
        "ddt-upd-array-append",
        "datadog-obfuscate-tests:go-sqllexer-testdata",
        "UPDATE users SET favorite_numbers = array_append(favorite_numbers, 42) WHERE id = 5;\n",
        near=[
            (
                (
                    "UPDATE users SET favorite_numbers = array_prepend(42, "
                    "favorite_numbers) WHERE id = 5;\n"
                ),
                "array_append(arr, x) -> array_prepend(x, arr)",
            )
        ],
    ),
    BaseStatement(
        "ddt-upd-json",
        "datadog-obfuscate-tests:go-sqllexer-testdata",
        (
            "UPDATE events SET data = jsonb_set(data, '{location}', '\"New "
            "Location\"') WHERE data->>'event_id' = '123';\n"
        ),
    ),
    BaseStatement(
        "ddt-upd-join",
        "datadog-obfuscate-tests:go-sqllexer-testdata",
        (
            "UPDATE orders SET total = total * 0.9 FROM users WHERE users.id = "
            "orders.user_id AND users.status = 'VIP';\n"
        ),
    ),
    BaseStatement(
        "ddt-upd-case",
        "datadog-obfuscate-tests:go-sqllexer-testdata",
        (
            "UPDATE users SET status = CASE WHEN last_login < NOW() - INTERVAL '1 "
            "year' THEN 'inactive' ELSE status END;\n"
        ),
    ),
    BaseStatement(
        "ddt-upd-cte",
        "datadog-obfuscate-tests:go-sqllexer-testdata",
        (
            "WITH updated AS (\n  UPDATE users SET name = 'CTE Updated' WHERE id = "
            "6 RETURNING *\n)\nSELECT * FROM updated;\n"
        ),
    ),
]
