"""Handwritten base statements: application query patterns and lexical edge cases."""

from __future__ import annotations

from tests.corpus.generate.base_statement import BaseStatement

HANDWRITTEN_STATEMENTS: list[BaseStatement] = [
    BaseStatement(
        "app-user-by-id",
        "handwritten:app-patterns",
        "SELECT id, email, name FROM users WHERE id = %s",
        near=[
            ("SELECT id, email, name FROM users WHERE id = %s FOR UPDATE", "added FOR UPDATE"),
            ("SELECT id, email FROM users WHERE id = %s", "select list has one column fewer"),
        ],
    ),
    BaseStatement(
        "app-user-by-email",
        "handwritten:app-patterns",
        "SELECT * FROM users WHERE email = %(email)s AND deleted_at IS NULL",
        near=[
            (
                "SELECT * FROM users WHERE email = %(email)s AND deleted_at IS NOT NULL",
                "IS NULL -> IS NOT NULL",
            ),
            (
                "SELECT * FROM users WHERE email = %(email)s AND deleted_at = %(deleted_at)s",
                "IS NULL -> = placeholder",
            ),
        ],
        auto=0,
    ),
    BaseStatement(
        "app-event-insert",
        "handwritten:app-patterns",
        "INSERT INTO events (user_id, kind, payload) VALUES (%s, %s, %s) RETURNING id",
        near=[
            (
                "INSERT INTO events (user_id, kind, payload) VALUES (%s, %s, %s)",
                "RETURNING removed",
            ),
            ("INSERT INTO events (user_id, kind) VALUES (%s, %s) RETURNING id", "one column fewer"),
        ],
        auto=0,
    ),
    BaseStatement(
        "app-last-login",
        "handwritten:app-patterns",
        "UPDATE users SET last_login = now() WHERE id = %s",
    ),
    BaseStatement(
        "app-expire-sessions",
        "handwritten:app-patterns",
        "DELETE FROM sessions WHERE expires_at < now()",
        near=[
            (
                "DELETE FROM sessions WHERE expires_at < now() - interval '1 day'",
                "subtracted interval added",
            ),
            ("DELETE FROM sessions WHERE expires_at <= now()", "operator < -> <="),
        ],
        auto=0,
    ),
    BaseStatement(
        "app-any-param",
        "handwritten:app-patterns",
        "SELECT id, title FROM posts WHERE author_id = ANY(%s)",
        near=[("SELECT id, title FROM posts WHERE author_id <> ALL(%s)", "= ANY -> <> ALL")],
        auto=0,
    ),
    BaseStatement(
        "app-any-array",
        "handwritten:app-patterns",
        "SELECT id, title FROM posts WHERE author_id = ANY(ARRAY[1, 2, 3])",
        near=[
            (
                "SELECT id, title FROM posts WHERE author_id = ANY(ARRAY[1, 2, 3]::bigint[])",
                "added ::bigint[] cast",
            )
        ],
        auto=0,
    ),
    BaseStatement(
        "app-in-params",
        "handwritten:app-patterns",
        "SELECT * FROM posts WHERE author_id IN (%s, %s, %s) ORDER BY created_at DESC",
        near=[
            (
                (
                    "SELECT * FROM posts WHERE author_id NOT IN (%s, %s, %s) ORDER BY "
                    "created_at DESC"
                ),
                "IN -> NOT IN",
            ),
            (
                "SELECT * FROM posts WHERE author_id IN (%s, %s, %s) ORDER BY created_at ASC",
                "DESC -> ASC",
            ),
        ],
        auto=0,
    ),
    BaseStatement(
        "app-django",
        "handwritten:app-patterns",
        (
            'SELECT "auth_user"."id", "auth_user"."username", "auth_user"."email" '
            'FROM "auth_user" WHERE "auth_user"."id" = 1 LIMIT 21'
        ),
        near=[
            (
                (
                    'SELECT "auth_user"."id", "auth_user"."username", "auth_user"."email" '
                    'FROM "auth_user" WHERE "auth_user"."username" = 1 LIMIT 21'
                ),
                "filter column id -> username",
            )
        ],
        auto=1,
    ),
    BaseStatement(
        "app-sqlalchemy",
        "handwritten:app-patterns",
        (
            "SELECT users.id AS users_id, users.name AS users_name \nFROM users \n"
            "WHERE users.id = %(id_1)s"
        ),
        near=[
            (
                (
                    "SELECT users.id AS users_id, users.name AS users_name \nFROM users \n"
                    "WHERE users.name = %(id_1)s"
                ),
                "filter column id -> name",
            )
        ],
        auto=1,
    ),
    BaseStatement(
        "app-upsert",
        "handwritten:app-patterns",
        (
            "INSERT INTO user_settings (user_id, key, value) VALUES (%s, %s, %s)\n"
            "ON CONFLICT (user_id, key) DO UPDATE SET value = EXCLUDED.value, "
            "updated_at = now()"
        ),
        near=[
            (
                (
                    "INSERT INTO user_settings (user_id, key, value) VALUES (%s, %s, %s)\n"
                    "ON CONFLICT (user_id, key) DO UPDATE SET value = EXCLUDED.value"
                ),
                "one SET target fewer",
            )
        ],
        auto=0,
    ),
    BaseStatement(
        "app-count-recent",
        "handwritten:app-patterns",
        (
            "SELECT count(*) FROM orders WHERE status = %s AND created_at > now() "
            "- interval '7 days'"
        ),
    ),
    BaseStatement(
        "app-advisory-lock",
        "handwritten:app-patterns",
        "SELECT pg_advisory_lock(%s)",
        near=[
            ("SELECT pg_advisory_unlock(%s)", "pg_advisory_lock -> pg_advisory_unlock"),
            ("SELECT pg_try_advisory_lock(%s)", "pg_advisory_lock -> pg_try_advisory_lock"),
        ],
        auto=0,
    ),
    BaseStatement(
        "app-health",
        "handwritten:app-patterns",
        "SELECT 1",
        near=[
            ("SELECT 1, 2", "select list has one more column"),
            ("SELECT 1 FROM users", "added FROM clause"),
        ],
        auto=0,
    ),
    BaseStatement(
        "app-keyset",
        "handwritten:app-patterns",
        (
            "SELECT id, created_at, body FROM comments WHERE post_id = %s AND "
            "(created_at, id) < (%s, %s) ORDER BY created_at DESC, id DESC LIMIT %s"
        ),
        near=[
            (
                (
                    "SELECT id, created_at, body FROM comments WHERE post_id = %s AND "
                    "(created_at, id) > (%s, %s) ORDER BY created_at DESC, id DESC LIMIT %s"
                ),
                "row comparison < -> >",
            )
        ],
        auto=1,
    ),
    BaseStatement(
        "app-job-queue",
        "handwritten:app-patterns",
        (
            "UPDATE jobs SET state = 'running', locked_at = now() WHERE id = "
            "(SELECT id FROM jobs WHERE state = 'queued' ORDER BY priority DESC, "
            "id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING id, payload"
        ),
        near=[
            (
                (
                    "UPDATE jobs SET state = 'running', locked_at = now() WHERE id = "
                    "(SELECT id FROM jobs WHERE state = 'queued' ORDER BY priority DESC, "
                    "id LIMIT 1 FOR UPDATE) RETURNING id, payload"
                ),
                "SKIP LOCKED removed",
            )
        ],
        auto=0,
    ),
    BaseStatement(
        "app-copy-events",
        "handwritten:app-patterns",
        "COPY events (user_id, kind, payload) FROM STDIN",
        near=[("COPY events (user_id, kind) FROM STDIN", "one column fewer")],
        auto=0,
    ),
    BaseStatement(
        "app-shard1",
        "handwritten:app-patterns",
        "SELECT * FROM users1 WHERE tenant_id = %s AND id = %s",
        near=[
            (
                "SELECT * FROM users2 WHERE tenant_id = %s AND id = %s",
                "table users1 -> users2 (numeric suffix)",
            )
        ],
        auto=0,
    ),
    BaseStatement(
        "app-quoted-Users",
        "handwritten:app-patterns",
        'SELECT * FROM "Users" WHERE id = 42',
        near=[
            (
                "SELECT * FROM users WHERE id = 42",
                'quoted "Users" -> unquoted users (a different table)',
            )
        ],
        auto=0,
    ),
    BaseStatement(
        "app-begin",
        "handwritten:app-patterns",
        "BEGIN",
        near=[("BEGIN READ ONLY", "added READ ONLY")],
        auto=0,
    ),
    BaseStatement(
        "app-begin-iso",
        "handwritten:app-patterns",
        "BEGIN ISOLATION LEVEL REPEATABLE READ",
        near=[("BEGIN ISOLATION LEVEL SERIALIZABLE", "REPEATABLE READ -> SERIALIZABLE")],
        auto=0,
    ),
    BaseStatement(
        "app-set-timeout",
        "handwritten:app-patterns",
        "SET statement_timeout = '5s'",
        near=[("SET lock_timeout = '5s'", "setting statement_timeout -> lock_timeout")],
        vary=True,
        auto=0,
    ),
    BaseStatement(
        "app-set-local",
        "handwritten:app-patterns",
        "SET LOCAL application_name = 'worker-7'",
        vary=True,
    ),
    BaseStatement(
        "app-graphql-batch",
        "handwritten:app-patterns",
        (
            "SELECT c.id, c.post_id, c.body FROM comments c WHERE c.post_id = "
            "ANY(%(ids)s) ORDER BY c.post_id, c.id"
        ),
    ),
    BaseStatement(
        "app-tenant-search",
        "handwritten:app-patterns",
        (
            "SELECT id, name FROM products WHERE tenant_id = %(tenant)s AND name "
            "ILIKE %(q)s ORDER BY name LIMIT %(limit)s OFFSET %(offset)s"
        ),
        near=[
            (
                (
                    "SELECT id, name FROM products WHERE tenant_id = %(tenant)s AND name "
                    "LIKE %(q)s ORDER BY name LIMIT %(limit)s OFFSET %(offset)s"
                ),
                "ILIKE -> LIKE",
            )
        ],
        auto=1,
    ),
    BaseStatement(
        "app-insert-many",
        "handwritten:app-patterns",
        (
            "INSERT INTO tags (post_id, tag) VALUES (%s, %s), (%s, %s), (%s, %s) "
            "ON CONFLICT DO NOTHING"
        ),
        near=[
            (
                "INSERT INTO tags (post_id, tag) VALUES (%s, %s), (%s, %s), (%s, %s)",
                "ON CONFLICT DO NOTHING removed",
            )
        ],
        auto=0,
    ),
    BaseStatement(
        "app-jsonb-filter",
        "handwritten:app-patterns",
        "SELECT id FROM events WHERE payload->>'kind' = %s AND payload @> %s::jsonb",
        near=[
            (
                "SELECT id FROM events WHERE payload->'kind' = %s AND payload @> %s::jsonb",
                "operator ->> -> ->",
            )
        ],
        auto=0,
    ),
    BaseStatement(
        "app-date-trunc",
        "handwritten:app-patterns",
        "SELECT date_trunc('day', created_at) AS day, count(*) FROM orders GROUP BY 1 ORDER BY 1",
        near=[
            (
                (
                    "SELECT date_trunc('day', created_at) AS day, count(*) FROM orders "
                    "GROUP BY 1 ORDER BY 2"
                ),
                "ORDER BY 1 -> ORDER BY 2",
            ),
            (
                (
                    "SELECT date_trunc('day', created_at) AS day, count(*) FROM orders "
                    "GROUP BY 1 ORDER BY 1 DESC"
                ),
                "added DESC",
            ),
        ],
        auto=0,
    ),
    BaseStatement(
        "app-cast-int",
        "handwritten:app-patterns",
        "SELECT * FROM orders WHERE id = %s::int",
        near=[("SELECT * FROM orders WHERE id = %s::bigint", "cast ::int -> ::bigint")],
        auto=0,
    ),
    BaseStatement(
        "app-coalesce-sum",
        "handwritten:app-patterns",
        "SELECT coalesce(sum(total), 0) FROM orders WHERE user_id = %s",
    ),
    BaseStatement(
        "app-exists",
        "handwritten:app-patterns",
        "SELECT EXISTS (SELECT 1 FROM users WHERE email = %s)",
        near=[("SELECT NOT EXISTS (SELECT 1 FROM users WHERE email = %s)", "EXISTS -> NOT EXISTS")],
        auto=0,
    ),
    BaseStatement(
        "edge-number-forms",
        "handwritten:edge-cases",
        "SELECT * FROM orders WHERE total > 1000 LIMIT 10",
        near=[("SELECT * FROM orders WHERE total > 1000 LIMIT ALL", "LIMIT literal -> LIMIT ALL")],
        alts={"1000": ["1_000", "0x3E8", "1e3"], "10": ["0o12", "0b1010", "1_0"]},
        auto=1,
    ),
    BaseStatement(
        "edge-decimal-forms",
        "handwritten:edge-cases",
        "SELECT * FROM orders WHERE total > 1.5",
        alts={"1.5": [".5", "5.", "1.5e-3"]},
        auto=1,
    ),
    BaseStatement(
        "edge-string-forms",
        "handwritten:edge-cases",
        "SELECT id FROM users WHERE name = 'abc'",
        near=[
            (
                'SELECT id FROM users WHERE name = "abc"',
                "string literal -> double-quoted identifier (a column)",
            )
        ],
        alts={
            "'abc'": [
                "E'a\\'bc'",
                "$$abc$$",
                "$q$abc$q$",
                "U&'\\0061bc'",
                "U&'!0061bc' UESCAPE '!'",
                "'ab'\n'c'",
            ]
        },
        auto=0,
    ),
    BaseStatement(
        "edge-bit-strings",
        "handwritten:edge-cases",
        "SELECT * FROM flags WHERE bits = B'1010'",
        near=[("SELECT * FROM flags WHERE bits <> B'1010'", "operator = -> <>")],
        alts={"B'1010'": ["X'A'", "b'1111'", "x'F'"]},
        auto=0,
    ),
    BaseStatement(
        "edge-negative-number",
        "handwritten:edge-cases",
        "SELECT * FROM ledger WHERE amount = -5",
        near=[("SELECT * FROM ledger WHERE amount = abs(-5)", "wrapped in abs()")],
        alts={"5": ["17", "250"]},
        auto=0,
    ),
    BaseStatement(
        "edge-bool-vs-string",
        "handwritten:edge-cases",
        "SELECT * FROM posts WHERE published = 't'",
        near=[("SELECT * FROM posts WHERE published = true", "string literal 't' -> keyword true")],
        alts={"'t'": ["'f'", "'true'"]},
        auto=0,
    ),
    BaseStatement(
        "edge-null-vs-literal",
        "handwritten:edge-cases",
        "UPDATE users SET nickname = NULL WHERE id = 7",
        near=[
            ("UPDATE users SET nickname = 'x' WHERE id = 7", "NULL -> literal"),
            ("UPDATE users SET nickname = DEFAULT WHERE id = 7", "NULL -> DEFAULT"),
        ],
        auto=0,
    ),
    BaseStatement(
        "edge-is-null-vs-eq",
        "handwritten:edge-cases",
        "SELECT * FROM users WHERE manager_id IS NULL",
        near=[("SELECT * FROM users WHERE manager_id = 1", "IS NULL -> = literal")],
        auto=0,
    ),
    BaseStatement(
        "edge-positional-order",
        "handwritten:edge-cases",
        "SELECT name, email FROM users ORDER BY 1",
        near=[
            ("SELECT name, email FROM users ORDER BY 2", "positional reference 1 -> 2"),
            ("SELECT name, email FROM users ORDER BY name", "positional 1 -> column name"),
        ],
        auto=0,
    ),
    BaseStatement(
        "edge-limit-values",
        "handwritten:edge-cases",
        "SELECT name FROM users ORDER BY name LIMIT 10",
        alts={"10": ["20", "%s", "$1"]},
        auto=1,
    ),
    BaseStatement(
        "edge-quoted-lower",
        "handwritten:edge-cases",
        'SELECT id FROM "users" WHERE "id" = 3',
        near=[('SELECT id FROM "Users" WHERE "id" = 3', 'quoted "users" -> "Users"')],
        alts={"3": ["4"]},
        auto=0,
    ),
    BaseStatement(
        "edge-unquoted-case",
        "handwritten:edge-cases",
        "SELECT Id, Email FROM Users WHERE Id = 3",
        near=[('SELECT Id, Email FROM "Users" WHERE Id = 3', 'unquoted Users -> quoted "Users"')],
        auto=0,
    ),
    BaseStatement(
        "edge-cast-int-bigint",
        "handwritten:edge-cases",
        "SELECT '42'::int",
        near=[
            ("SELECT '42'::bigint", "cast ::int -> ::bigint"),
            ("SELECT '42'::text", "cast ::int -> ::text"),
        ],
        auto=0,
    ),
    BaseStatement(
        "edge-in-single",
        "handwritten:edge-cases",
        "SELECT * FROM users WHERE id IN (1)",
        near=[
            ("SELECT * FROM users WHERE id = 1", "IN (list) -> = literal"),
            ("SELECT * FROM users WHERE id NOT IN (1)", "IN -> NOT IN"),
        ],
        alts={"1": ["2"]},
        auto=0,
    ),
    BaseStatement(
        "edge-in-strings",
        "handwritten:edge-cases",
        "SELECT * FROM users WHERE status IN ('active', 'pending', 'banned')",
        near=[
            (
                (
                    "SELECT * FROM users WHERE status IN ('active', 'pending', 'banned') "
                    "OR status IS NULL"
                ),
                "added OR ... IS NULL",
            )
        ],
        auto=0,
    ),
    BaseStatement(
        "edge-any-array-strings",
        "handwritten:edge-cases",
        "SELECT * FROM users WHERE status = ANY(ARRAY['active', 'pending'])",
        near=[
            (
                "SELECT * FROM users WHERE status <> ALL(ARRAY['active', 'pending'])",
                "= ANY -> <> ALL",
            )
        ],
        auto=0,
    ),
    BaseStatement(
        "edge-values-rows",
        "handwritten:edge-cases",
        "INSERT INTO tags (post_id, tag) VALUES (1, 'a'), (2, 'b'), (3, 'c')",
        near=[
            (
                (
                    "INSERT INTO tags (post_id, tag) VALUES (1, 'a', 'x'), (2, 'b', 'y'), "
                    "(3, 'c', 'z')"
                ),
                "each row has one more value",
            )
        ],
        auto=0,
    ),
    BaseStatement(
        "edge-sqlcommenter",
        "handwritten:edge-cases",
        (
            "SELECT * FROM orders WHERE user_id = 12 "
            "/*traceparent='00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
            "',db_driver='psycopg'*/"
        ),
        near=[
            (
                (
                    "SELECT * FROM orders WHERE user_id > 12 "
                    "/*traceparent='00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
                    "',db_driver='psycopg'*/"
                ),
                "operator = -> >",
            )
        ],
        auto=0,
    ),
    BaseStatement(
        "edge-comment-only-diff",
        "handwritten:edge-cases",
        "-- fetch the user\nSELECT * FROM users /* by primary key */ WHERE id = 9 -- trailing",
        near=[
            (
                (
                    "-- fetch the user\nSELECT * FROM users /* by primary key */ WHERE uid "
                    "= 9 -- trailing"
                ),
                "column id -> uid",
            )
        ],
        auto=0,
    ),
    BaseStatement(
        "edge-true-false",
        "handwritten:edge-cases",
        "SELECT * FROM flags WHERE enabled = true",
        near=[
            ("SELECT * FROM flags WHERE enabled = false", "boolean keyword true -> false"),
            ("SELECT * FROM flags WHERE enabled", "= true removed"),
        ],
        auto=0,
    ),
    BaseStatement(
        "edge-interval-qual",
        "handwritten:edge-cases",
        "SELECT now() - INTERVAL '1' DAY",
        near=[
            ("SELECT now() - INTERVAL '1' HOUR", "interval qualifier DAY -> HOUR"),
            ("SELECT now() + INTERVAL '1' DAY", "operator - -> +"),
        ],
        auto=0,
    ),
    BaseStatement(
        "edge-date-typed",
        "handwritten:edge-cases",
        "SELECT * FROM orders WHERE created_at > DATE '2024-01-01'",
        near=[
            (
                "SELECT * FROM orders WHERE created_at > TIMESTAMP '2024-01-01'",
                "typed literal DATE -> TIMESTAMP",
            ),
            (
                "SELECT * FROM orders WHERE created_at > '2024-01-01'",
                "typed literal DATE '...' -> untyped string",
            ),
        ],
        auto=0,
    ),
    BaseStatement(
        "edge-psycopg-named-vs-pos",
        "handwritten:edge-cases",
        "SELECT * FROM orders WHERE user_id = %(user_id)s AND status = %(status)s",
        alts={"%(user_id)s": ["%s", "$1", "42"], "%(status)s": ["%s", "$2", "'paid'"]},
        auto=1,
    ),
    BaseStatement(
        "edge-extract-string",
        "handwritten:edge-cases",
        "SELECT EXTRACT('year' FROM created_at) FROM orders",
        near=[
            (
                "SELECT EXTRACT(year FROM created_at) FROM orders",
                "field as string 'year' -> keyword year",
            )
        ],
        auto=0,
    ),
    BaseStatement(
        "edge-order-asc-desc",
        "handwritten:edge-cases",
        "SELECT * FROM orders ORDER BY created_at ASC",
        near=[
            ("SELECT * FROM orders ORDER BY created_at DESC", "ASC -> DESC"),
            ("SELECT * FROM orders ORDER BY created_at ASC NULLS FIRST", "added NULLS FIRST"),
        ],
        auto=0,
    ),
    BaseStatement(
        "edge-join-types",
        "handwritten:edge-cases",
        "SELECT * FROM orders o JOIN users u ON u.id = o.user_id",
        near=[
            ("SELECT * FROM orders o LEFT JOIN users u ON u.id = o.user_id", "JOIN -> LEFT JOIN"),
            ("SELECT * FROM orders o FULL JOIN users u ON u.id = o.user_id", "JOIN -> FULL JOIN"),
            ("SELECT * FROM orders o CROSS JOIN users u", "JOIN ... ON -> CROSS JOIN"),
        ],
        auto=0,
    ),
    BaseStatement(
        "edge-function-diff",
        "handwritten:edge-cases",
        "SELECT lower(email) FROM users",
        near=[
            ("SELECT upper(email) FROM users", "function lower -> upper"),
            ("SELECT email FROM users", "function call removed"),
        ],
        auto=0,
    ),
    BaseStatement(
        "edge-semicolon", "handwritten:edge-cases", "SELECT id FROM users WHERE email = 'a@b.c';"
    ),
    BaseStatement(
        "edge-whitespace-ops",
        "handwritten:edge-cases",
        "SELECT * FROM users WHERE id=5 AND age>=18",
        near=[("SELECT * FROM users WHERE id=5 AND age>18", "operator >= -> >")],
        auto=0,
    ),
    BaseStatement(
        "edge-operator-spacing",
        "handwritten:edge-cases",
        "SELECT a<=-1 FROM t",
        near=[("SELECT a<-1 FROM t", "operator <= -> <")],
        alts={"1": ["2"]},
        auto=0,
    ),
    BaseStatement(
        "edge-nested-comment",
        "handwritten:edge-cases",
        "SELECT /* outer /* inner */ still comment */ id FROM users WHERE id = 1",
        near=[
            (
                "SELECT /* outer /* inner */ still comment */ id, name FROM users WHERE id = 1",
                "one more select-list column",
            )
        ],
        auto=0,
    ),
    BaseStatement(
        "edge-dollar-literal-tags",
        "handwritten:edge-cases",
        "SELECT * FROM notes WHERE body = $body$it's here$body$",
        alts={"$body$it's here$body$": ["$$gone$$", "'plain'", "$x$$$x$"]},
        auto=1,
    ),
    BaseStatement(
        "edge-array-subscript",
        "handwritten:edge-cases",
        "SELECT pay_by_quarter[1] FROM sal_emp",
        near=[("SELECT pay_by_quarter[1:2] FROM sal_emp", "subscript -> slice")],
        alts={"1": ["4", "%s"]},
        auto=0,
    ),
    BaseStatement(
        "edge-users-suffix",
        "handwritten:edge-cases",
        "SELECT count(*) FROM users1",
        near=[("SELECT count(*) FROM users2", "table users1 -> users2 (numeric suffix)")],
        auto=0,
    ),
    BaseStatement(
        "edge-column-suffix",
        "handwritten:edge-cases",
        "SELECT col1 FROM tbl WHERE col2 = 'x'",
        near=[("SELECT col1 FROM tbl WHERE col3 = 'x'", "column col2 -> col3 (numeric suffix)")],
        auto=0,
    ),
]
