"""Base statements from the PostgreSQL documentation (doc/src/sgml in postgres/postgres)."""

from __future__ import annotations

from tests.corpus.generate.base_statement import BaseStatement

DOCS_STATEMENTS: list[BaseStatement] = [
    BaseStatement(
        "tut-ins-weather",
        "postgres-docs:tutorial-populate",
        "INSERT INTO weather VALUES ('San Francisco', 46, 50, 0.25, '1994-11-27');",
        near=[
            (
                "INSERT INTO weather VALUES ('San Francisco', 46, 50, NULL, '1994-11-27');",
                "NULL instead of a literal",
            )
        ],
    ),
    BaseStatement(
        "tut-ins-cities",
        "postgres-docs:tutorial-populate",
        "INSERT INTO cities VALUES ('San Francisco', '(-194.0, 53.0)');",
        alts={"'(-194.0, 53.0)'": ["'(12.5, 7.0)'", "'(-3.0, 44.1)'"]},
    ),
    BaseStatement(
        "tut-ins-weather-cols",
        "postgres-docs:tutorial-populate",
        (
            "INSERT INTO weather (city, temp_lo, temp_hi, prcp, date)\n"
            "    VALUES ('San Francisco', 43, 57, 0.0, '1994-11-29');"
        ),
        near=[
            (
                (
                    "INSERT INTO weather (city, temp_hi, temp_lo, prcp, date)\n"
                    "    VALUES ('San Francisco', 43, 57, 0.0, '1994-11-29');"
                ),
                "column list order temp_lo, temp_hi swapped",
            )
        ],
    ),
    BaseStatement(
        "tut-ins-weather-reorder",
        "postgres-docs:tutorial-populate",
        (
            "INSERT INTO weather (date, city, temp_hi, temp_lo)\n"
            "    VALUES ('1994-11-29', 'Hayward', 54, 37);"
        ),
    ),
    BaseStatement(
        "tut-copy-weather",
        "postgres-docs:tutorial-populate",
        "COPY weather FROM '/home/user/weather.txt';",
        near=[("COPY weather TO '/home/user/weather.txt';", "COPY FROM -> COPY TO")],
    ),
    BaseStatement(
        "tut-select-star",
        "postgres-docs:tutorial-select",
        "SELECT * FROM weather;",
        near=[("SELECT * FROM ONLY weather;", "added ONLY")],
    ),
    BaseStatement(
        "tut-select-cols",
        "postgres-docs:tutorial-select",
        "SELECT city, temp_lo, temp_hi, prcp, date FROM weather;",
    ),
    BaseStatement(
        "tut-select-avg",
        "postgres-docs:tutorial-select",
        "SELECT city, (temp_hi+temp_lo)/2 AS temp_avg, date FROM weather;",
        near=[
            ("SELECT city, (temp_hi-temp_lo)/2 AS temp_avg, date FROM weather;", "operator + -> -"),
            (
                "SELECT city, (temp_hi+temp_lo)/2 AS temp_mean, date FROM weather;",
                "output column alias temp_avg -> temp_mean",
            ),
        ],
    ),
    BaseStatement(
        "tut-select-where",
        "postgres-docs:tutorial-select",
        "SELECT * FROM weather\n    WHERE city = 'San Francisco' AND prcp > 0.0;",
    ),
    BaseStatement(
        "tut-select-order",
        "postgres-docs:tutorial-select",
        "SELECT * FROM weather\n    ORDER BY city;",
    ),
    BaseStatement(
        "tut-select-order2",
        "postgres-docs:tutorial-select",
        "SELECT * FROM weather\n    ORDER BY city, temp_lo;",
        near=[("SELECT * FROM weather\n    ORDER BY temp_lo, city;", "ORDER BY items swapped")],
    ),
    BaseStatement(
        "tut-select-distinct",
        "postgres-docs:tutorial-select",
        "SELECT DISTINCT city\n    FROM weather;",
    ),
    BaseStatement(
        "tut-select-distinct-order",
        "postgres-docs:tutorial-select",
        "SELECT DISTINCT city\n    FROM weather\n    ORDER BY city;",
    ),
    BaseStatement(
        "tut-join",
        "postgres-docs:tutorial-join",
        "SELECT * FROM weather JOIN cities ON city = name;",
    ),
    BaseStatement(
        "tut-join-qualified",
        "postgres-docs:tutorial-join",
        (
            "SELECT weather.city, weather.temp_lo, weather.temp_hi,\n"
            "       weather.prcp, weather.date, cities.location\n"
            "    FROM weather JOIN cities ON weather.city = cities.name;"
        ),
    ),
    BaseStatement(
        "tut-join-implicit",
        "postgres-docs:tutorial-join",
        "SELECT *\n    FROM weather, cities\n    WHERE city = name;",
    ),
    BaseStatement(
        "tut-join-left",
        "postgres-docs:tutorial-join",
        "SELECT *\n    FROM weather LEFT OUTER JOIN cities ON weather.city = cities.name;",
    ),
    BaseStatement(
        "tut-join-self",
        "postgres-docs:tutorial-join",
        (
            "SELECT w1.city, w1.temp_lo AS low, w1.temp_hi AS high,\n"
            "       w2.city, w2.temp_lo AS low, w2.temp_hi AS high\n"
            "    FROM weather w1 JOIN weather w2\n"
            "        ON w1.temp_lo < w2.temp_lo AND w1.temp_hi > w2.temp_hi;"
        ),
    ),
    BaseStatement("tut-agg-max", "postgres-docs:tutorial-agg", "SELECT max(temp_lo) FROM weather;"),
    BaseStatement(
        "tut-agg-subselect",
        "postgres-docs:tutorial-agg",
        "SELECT city FROM weather\n    WHERE temp_lo = (SELECT max(temp_lo) FROM weather);",
    ),
    BaseStatement(
        "tut-agg-group",
        "postgres-docs:tutorial-agg",
        "SELECT city, count(*), max(temp_lo)\n    FROM weather\n    GROUP BY city;",
    ),
    BaseStatement(
        "tut-agg-having",
        "postgres-docs:tutorial-agg",
        (
            "SELECT city, count(*), max(temp_lo)\n    FROM weather\n"
            "    GROUP BY city\n    HAVING max(temp_lo) < 40;"
        ),
    ),
    BaseStatement(
        "tut-agg-like",
        "postgres-docs:tutorial-agg",
        (
            "SELECT city, count(*), max(temp_lo)\n    FROM weather\n"
            "    WHERE city LIKE 'S%'            -- (1)\n    GROUP BY city;"
        ),
    ),
    BaseStatement(
        "tut-agg-filter",
        "postgres-docs:tutorial-agg",
        (
            "SELECT city, count(*) FILTER (WHERE temp_lo < 45), max(temp_lo)\n"
            "    FROM weather\n    GROUP BY city;"
        ),
        near=[
            (
                "SELECT city, count(*), max(temp_lo)\n    FROM weather\n    GROUP BY city;",
                "FILTER clause removed",
            )
        ],
        auto=0,
    ),
    BaseStatement(
        "tut-update",
        "postgres-docs:tutorial-update",
        (
            "UPDATE weather\n    SET temp_hi = temp_hi - 2,  temp_lo = temp_lo - "
            "2\n    WHERE date > '1994-11-28';"
        ),
    ),
    BaseStatement(
        "tut-delete", "postgres-docs:tutorial-delete", "DELETE FROM weather WHERE city = 'Hayward';"
    ),
    BaseStatement(
        "tut-view",
        "postgres-docs:tutorial-views",
        (
            "CREATE VIEW myview AS\n    SELECT name, temp_lo, temp_hi, prcp, date, "
            "location\n        FROM weather, cities\n        WHERE city = name;"
        ),
        near=[
            (
                (
                    "CREATE OR REPLACE VIEW myview AS\n"
                    "    SELECT name, temp_lo, temp_hi, prcp, date, location\n"
                    "        FROM weather, cities\n        WHERE city = name;"
                ),
                "CREATE VIEW -> CREATE OR REPLACE VIEW",
            )
        ],
    ),
    BaseStatement("tut-view-select", "postgres-docs:tutorial-views", "SELECT * FROM myview;"),
    BaseStatement(
        "tut-fk-insert",
        "postgres-docs:tutorial-fk",
        "INSERT INTO weather VALUES ('Berkeley', 45, 53, 0.0, '1994-11-28');",
    ),
    BaseStatement(
        "tut-txn-debit",
        "postgres-docs:tutorial-transactions",
        "UPDATE accounts SET balance = balance - 100.00\n    WHERE name = 'Alice';",
        near=[
            (
                "UPDATE accounts SET balance = balance + 100.00\n    WHERE name = 'Alice';",
                "operator - -> +",
            )
        ],
    ),
    BaseStatement(
        "tut-txn-branch",
        "postgres-docs:tutorial-transactions",
        (
            "UPDATE branches SET balance = balance - 100.00\n"
            "    WHERE name = (SELECT branch_name FROM accounts WHERE name = "
            "'Alice');"
        ),
    ),
    BaseStatement(
        "tut-savepoint",
        "postgres-docs:tutorial-transactions",
        "SAVEPOINT my_savepoint;",
        near=[
            ("RELEASE SAVEPOINT my_savepoint;", "SAVEPOINT -> RELEASE SAVEPOINT"),
            ("SAVEPOINT sp1;", "savepoint name my_savepoint -> sp1"),
        ],
    ),
    BaseStatement(
        "tut-rollback-to",
        "postgres-docs:tutorial-transactions",
        "ROLLBACK TO my_savepoint;",
        near=[("ROLLBACK;", "ROLLBACK TO savepoint -> ROLLBACK")],
    ),
    BaseStatement(
        "tut-window-avg",
        "postgres-docs:tutorial-window",
        "SELECT depname, empno, salary, avg(salary) OVER (PARTITION BY depname) FROM empsalary;",
        near=[
            (
                (
                    "SELECT depname, empno, salary, avg(salary) OVER (PARTITION BY empno) "
                    "FROM empsalary;"
                ),
                "PARTITION BY depname -> empno",
            )
        ],
    ),
    BaseStatement(
        "tut-window-rownum",
        "postgres-docs:tutorial-window",
        (
            "SELECT depname, empno, salary,\n"
            "       row_number() OVER (PARTITION BY depname ORDER BY salary DESC)\n"
            "FROM empsalary;"
        ),
    ),
    BaseStatement(
        "tut-window-sum-all",
        "postgres-docs:tutorial-window",
        "SELECT salary, sum(salary) OVER () FROM empsalary;",
        near=[
            (
                "SELECT salary, sum(salary) OVER (ORDER BY salary) FROM empsalary;",
                "added ORDER BY inside OVER",
            )
        ],
    ),
    BaseStatement(
        "tut-window-sub",
        "postgres-docs:tutorial-window",
        (
            "SELECT depname, empno, salary, enroll_date\nFROM\n"
            "  (SELECT depname, empno, salary, enroll_date,\n"
            "     row_number() OVER (PARTITION BY depname ORDER BY salary DESC, "
            "empno) AS pos\n     FROM empsalary\n  ) AS ss\nWHERE pos < 3;"
        ),
    ),
    BaseStatement(
        "tut-window-named",
        "postgres-docs:tutorial-window",
        (
            "SELECT sum(salary) OVER w, avg(salary) OVER w\n  FROM empsalary\n"
            "  WINDOW w AS (PARTITION BY depname ORDER BY salary DESC);"
        ),
    ),
    BaseStatement(
        "tut-inherit",
        "postgres-docs:tutorial-inheritance",
        "SELECT name, elevation\n  FROM cities\n  WHERE elevation > 500;",
        near=[
            (
                "SELECT name, elevation\n    FROM ONLY cities\n    WHERE elevation > 500;",
                "ONLY cities (no inheritance children)",
            )
        ],
        auto=1,
    ),
    BaseStatement(
        "sel-join-films",
        "postgres-docs:sql-select",
        (
            "SELECT f.title, f.did, d.name, f.date_prod, f.kind\n"
            "    FROM distributors d JOIN films f USING (did);"
        ),
    ),
    BaseStatement(
        "sel-sum-len",
        "postgres-docs:sql-select",
        "SELECT kind, sum(len) AS total FROM films GROUP BY kind;",
    ),
    BaseStatement(
        "sel-having-interval",
        "postgres-docs:sql-select",
        (
            "SELECT kind, sum(len) AS total\n    FROM films\n    GROUP BY kind\n"
            "    HAVING sum(len) < interval '5 hours';"
        ),
        near=[
            (
                (
                    "SELECT kind, sum(len) AS total\n    FROM films\n    GROUP BY kind\n"
                    "    HAVING sum(len) < interval '5' hour;"
                ),
                "interval literal with a HOUR qualifier",
            )
        ],
    ),
    BaseStatement(
        "sel-order-name",
        "postgres-docs:sql-select",
        "SELECT * FROM distributors ORDER BY name;",
        near=[
            (
                "SELECT * FROM distributors ORDER BY 2;",
                "ORDER BY column name -> ORDER BY positional 2",
            )
        ],
        auto=1,
    ),
    BaseStatement(
        "sel-order-2",
        "postgres-docs:sql-select",
        "SELECT * FROM distributors ORDER BY 2;",
        near=[("SELECT * FROM distributors ORDER BY 1;", "positional reference 2 -> 1")],
        auto=0,
    ),
    BaseStatement(
        "sel-union",
        "postgres-docs:sql-select",
        (
            "SELECT distributors.name\n    FROM distributors\n"
            "    WHERE distributors.name LIKE 'W%'\nUNION\nSELECT actors.name\n"
            "    FROM actors\n    WHERE actors.name LIKE 'W%';"
        ),
    ),
    BaseStatement("sel-func-from", "postgres-docs:sql-select", "SELECT * FROM distributors(111);"),
    BaseStatement(
        "sel-func-coldef",
        "postgres-docs:sql-select",
        "SELECT * FROM distributors_2(111) AS (f1 int, f2 text);",
        near=[
            (
                "SELECT * FROM distributors_2(111) AS (f1 int, f2 varchar);",
                "column definition type text -> varchar",
            )
        ],
    ),
    BaseStatement(
        "sel-with-random",
        "postgres-docs:sql-select",
        (
            "WITH t AS (\n    SELECT random() as x FROM generate_series(1, 3)\n"
            "  )\nSELECT * FROM t\nUNION ALL\nSELECT * FROM t;"
        ),
    ),
    BaseStatement(
        "sel-with-recursive",
        "postgres-docs:sql-select",
        (
            "WITH RECURSIVE employee_recursive(distance, employee_name, "
            "manager_name) AS (\n    SELECT 1, employee_name, manager_name\n"
            "    FROM employee\n    WHERE manager_name = 'Mary'\n  UNION ALL\n"
            "    SELECT er.distance + 1, e.employee_name, e.manager_name\n"
            "    FROM employee_recursive er, employee e\n"
            "    WHERE er.employee_name = e.manager_name\n  )\n"
            "SELECT distance, employee_name FROM employee_recursive;"
        ),
        near=[
            (
                (
                    "WITH employee_recursive(distance, employee_name, manager_name) AS (\n"
                    "    SELECT 1, employee_name, manager_name\n    FROM employee\n"
                    "    WHERE manager_name = 'Mary'\n  )\n"
                    "SELECT distance, employee_name FROM employee_recursive;"
                ),
                "recursive part removed (non-recursive CTE)",
            )
        ],
    ),
    BaseStatement(
        "sel-lateral",
        "postgres-docs:sql-select",
        (
            "SELECT m.name AS mname, pname\n"
            "FROM manufacturers m, LATERAL get_product_names(m.id) pname;"
        ),
    ),
    BaseStatement(
        "sel-lateral-left",
        "postgres-docs:sql-select",
        (
            "SELECT m.name AS mname, pname\n"
            "FROM manufacturers m LEFT JOIN LATERAL get_product_names(m.id) pname "
            "ON true;"
        ),
        near=[
            (
                (
                    "SELECT m.name AS mname, pname\n"
                    "FROM manufacturers m LEFT JOIN LATERAL get_product_names(m.id) pname "
                    "ON false;"
                ),
                "ON true -> ON false",
            )
        ],
        auto=1,
    ),
    BaseStatement(
        "sel-2plus2",
        "postgres-docs:sql-select",
        "SELECT 2+2;",
        near=[
            ("SELECT 2*2;", "operator + -> *"),
            ("SELECT 2+2, 3;", "select list has one more column"),
        ],
        auto=0,
    ),
    BaseStatement(
        "sel-for-update-sub",
        "postgres-docs:sql-select",
        "SELECT * FROM (SELECT * FROM mytable FOR UPDATE) ss WHERE col1 = 5;",
        near=[
            (
                "SELECT * FROM (SELECT * FROM mytable FOR SHARE) ss WHERE col1 = 5;",
                "FOR UPDATE -> FOR SHARE",
            )
        ],
    ),
    BaseStatement(
        "sel-for-update-key",
        "postgres-docs:sql-select",
        "SELECT * FROM mytable WHERE key = 1 FOR UPDATE;",
        near=[
            ("SELECT * FROM mytable WHERE key = 1 FOR UPDATE NOWAIT;", "added NOWAIT"),
            (
                "SELECT * FROM mytable WHERE key = 1 FOR NO KEY UPDATE;",
                "FOR UPDATE -> FOR NO KEY UPDATE",
            ),
        ],
        auto=0,
    ),
    BaseStatement(
        "sel-for-update-order",
        "postgres-docs:sql-select",
        "SELECT * FROM (SELECT * FROM mytable FOR UPDATE) ss ORDER BY column1;",
    ),
    BaseStatement(
        "sel-unnest-ordinality",
        "postgres-docs:sql-select",
        "SELECT * FROM unnest(ARRAY['a','b','c','d','e','f']) WITH ORDINALITY;",
        near=[("SELECT * FROM unnest(ARRAY['a','b','c','d','e','f']);", "WITH ORDINALITY removed")],
        auto=0,
    ),
    BaseStatement(
        "sel-distinct-on",
        "postgres-docs:sql-select",
        (
            "SELECT DISTINCT ON (location) location, time, report\n"
            "    FROM weather_reports\n    ORDER BY location, time DESC;"
        ),
    ),
    BaseStatement(
        "sel-table-cmd",
        "postgres-docs:sql-select",
        "TABLE distributors;",
        near=[("TABLE films;", "table distributors -> films")],
        auto=0,
    ),
    BaseStatement(
        "ins-films",
        "postgres-docs:sql-insert",
        (
            "INSERT INTO films VALUES\n"
            "    ('UA502', 'Bananas', 105, '1971-07-13', 'Comedy', '82 minutes');"
        ),
    ),
    BaseStatement(
        "ins-films-cols",
        "postgres-docs:sql-insert",
        (
            "INSERT INTO films (code, title, did, date_prod, kind)\n"
            "    VALUES ('T_601', 'Yojimbo', 106, '1961-06-16', 'Drama');"
        ),
    ),
    BaseStatement(
        "ins-films-default",
        "postgres-docs:sql-insert",
        (
            "INSERT INTO films VALUES\n"
            "    ('UA502', 'Bananas', 105, DEFAULT, 'Comedy', '82 minutes');"
        ),
        near=[
            (
                (
                    "INSERT INTO films VALUES\n"
                    "    ('UA502', 'Bananas', 105, NULL, 'Comedy', '82 minutes');"
                ),
                "DEFAULT -> NULL",
            )
        ],
        auto=1,
    ),
    BaseStatement(
        "ins-films-default-values",
        "postgres-docs:sql-insert",
        "INSERT INTO films DEFAULT VALUES;",
        near=[("INSERT INTO films DEFAULT VALUES RETURNING code;", "added RETURNING")],
        auto=1,
    ),
    BaseStatement(
        "ins-films-multirow",
        "postgres-docs:sql-insert",
        (
            "INSERT INTO films (code, title, did, date_prod, kind) VALUES\n"
            "    ('B6717', 'Tampopo', 110, '1985-02-10', 'Comedy'),\n"
            "    ('HG120', 'The Dinner Game', 140, '1985-02-10', 'Comedy');"
        ),
        note="adapted: second row's DEFAULT replaced by a date so both rows have the same shape",
    ),
    BaseStatement(
        "ins-films-select",
        "postgres-docs:sql-insert",
        "INSERT INTO films SELECT * FROM tmp_films WHERE date_prod < '2004-05-07';",
    ),
    BaseStatement(
        "ins-tictactoe-slice",
        "postgres-docs:sql-insert",
        (
            "INSERT INTO tictactoe (game, board[1:3][1:3])\n"
            '    VALUES (1, \'{{" "," "," "},{" "," "," "},{" "," "," "}}\');'
        ),
        near=[
            (
                (
                    "INSERT INTO tictactoe (game, board)\n"
                    '    VALUES (1, \'{{" "," "," "},{" "," "," "},{" "," "," "}}\');'
                ),
                "target column without subscripts",
            )
        ],
        alts={
            '\'{{" "," "," "},{" "," "," "},{" "," "," "}}\'': [
                "'{{X,O,X},{O,X,O},{X,O,X}}'",
                '\'{{"a","b","c"},{d,e,f},{g,h,i}}\'',
            ]
        },
    ),
    BaseStatement(
        "ins-distributors-returning",
        "postgres-docs:sql-insert",
        (
            "INSERT INTO distributors (did, dname) VALUES (DEFAULT, 'XYZ "
            "Widgets')\n   RETURNING did;"
        ),
    ),
    BaseStatement(
        "ins-with-upd",
        "postgres-docs:sql-insert",
        (
            "WITH upd AS (\n  UPDATE employees SET sales_count = sales_count + 1 "
            "WHERE id =\n    (SELECT sales_person FROM accounts WHERE name = 'Acme "
            "Corporation')\n    RETURNING *\n)\n"
            "INSERT INTO employees_log SELECT *, current_timestamp FROM upd;"
        ),
        near=[
            (
                (
                    "WITH upd AS (\n  UPDATE employees SET sales_count = sales_count + 1 "
                    "WHERE id =\n    (SELECT sales_person FROM accounts WHERE name = 'Acme "
                    "Corporation')\n    RETURNING *\n)\n"
                    "INSERT INTO employees_log SELECT *, now() FROM upd;"
                ),
                "current_timestamp -> now()",
            )
        ],
    ),
    BaseStatement(
        "ins-upsert-update",
        "postgres-docs:sql-insert",
        (
            "INSERT INTO distributors (did, dname)\n"
            "    VALUES (5, 'Gizmo Transglobal'), (6, 'Associated Computing, "
            "Inc')\n    ON CONFLICT (did) DO UPDATE SET dname = EXCLUDED.dname;"
        ),
        near=[
            (
                (
                    "INSERT INTO distributors (did, dname)\n"
                    "    VALUES (5, 'Gizmo Transglobal'), (6, 'Associated Computing, "
                    "Inc')\n    ON CONFLICT (did) DO NOTHING;"
                ),
                "DO UPDATE -> DO NOTHING",
            )
        ],
    ),
    BaseStatement(
        "ins-upsert-nothing",
        "postgres-docs:sql-insert",
        (
            "INSERT INTO distributors (did, dname) VALUES (7, 'Redline GmbH')\n"
            "    ON CONFLICT (did) DO NOTHING;"
        ),
        near=[
            (
                "INSERT INTO distributors (did, dname) VALUES (7, 'Redline GmbH');",
                "ON CONFLICT clause removed",
            )
        ],
    ),
    BaseStatement(
        "ins-upsert-where",
        "postgres-docs:sql-insert",
        (
            "-- Don't update existing distributors based in a certain ZIP code\n"
            "INSERT INTO distributors AS d (did, dname) VALUES (8, 'Anvil "
            "Distribution')\n    ON CONFLICT (did) DO UPDATE\n"
            "    SET dname = EXCLUDED.dname || ' (formerly ' || d.dname || ')'\n"
            "    WHERE d.zipcode <> '21201';"
        ),
    ),
    BaseStatement(
        "ins-upsert-constraint",
        "postgres-docs:sql-insert",
        (
            "INSERT INTO distributors (did, dname) VALUES (9, 'Antwerp Design')\n"
            "    ON CONFLICT ON CONSTRAINT distributors_pkey DO NOTHING;"
        ),
        near=[
            (
                (
                    "INSERT INTO distributors (did, dname) VALUES (9, 'Antwerp Design')\n"
                    "    ON CONFLICT (did) DO NOTHING;"
                ),
                "ON CONSTRAINT name -> conflict column list",
            )
        ],
        auto=0,
    ),
    BaseStatement(
        "ins-upsert-partial",
        "postgres-docs:sql-insert",
        (
            "INSERT INTO distributors (did, dname) VALUES (10, 'Conrad "
            "International')\n    ON CONFLICT (did) WHERE is_active DO NOTHING;"
        ),
    ),
    BaseStatement(
        "upd-films-kind",
        "postgres-docs:sql-update",
        "UPDATE films SET kind = 'Dramatic' WHERE kind = 'Drama';",
    ),
    BaseStatement(
        "upd-weather",
        "postgres-docs:sql-update",
        (
            "UPDATE weather SET temp_lo = temp_lo+1, temp_hi = temp_lo+15, prcp = "
            "DEFAULT\n  WHERE city = 'San Francisco' AND date = '2003-07-03';"
        ),
        near=[
            (
                (
                    "UPDATE weather SET temp_lo = temp_lo+1, temp_hi = temp_lo+15, prcp = "
                    "NULL\n  WHERE city = 'San Francisco' AND date = '2003-07-03';"
                ),
                "DEFAULT -> NULL",
            )
        ],
    ),
    BaseStatement(
        "upd-weather-returning-old",
        "postgres-docs:sql-update",
        (
            "UPDATE weather SET temp_lo = temp_lo+1, temp_hi = temp_lo+15, prcp = "
            "DEFAULT\n  WHERE city = 'San Francisco' AND date = '2003-07-03'\n"
            "  RETURNING temp_lo, temp_hi, prcp, old.prcp AS old_prcp;"
        ),
        near=[
            (
                (
                    "UPDATE weather SET temp_lo = temp_lo+1, temp_hi = temp_lo+15, prcp = "
                    "DEFAULT\n  WHERE city = 'San Francisco' AND date = '2003-07-03'\n"
                    "  RETURNING temp_lo, temp_hi, prcp, new.prcp AS old_prcp;"
                ),
                "old.prcp -> new.prcp",
            )
        ],
        auto=0,
    ),
    BaseStatement(
        "upd-weather-rowlist",
        "postgres-docs:sql-update",
        (
            "UPDATE weather SET (temp_lo, temp_hi, prcp) = (temp_lo+1, temp_lo+15, "
            "DEFAULT)\n  WHERE city = 'San Francisco' AND date = '2003-07-03';"
        ),
    ),
    BaseStatement(
        "upd-employees-from",
        "postgres-docs:sql-update",
        (
            "UPDATE employees SET sales_count = sales_count + 1 FROM accounts\n"
            "  WHERE accounts.name = 'Acme Corporation'\n"
            "  AND employees.id = accounts.sales_person;"
        ),
    ),
    BaseStatement(
        "upd-employees-sub",
        "postgres-docs:sql-update",
        (
            "UPDATE employees SET sales_count = sales_count + 1 WHERE id =\n"
            "  (SELECT sales_person FROM accounts WHERE name = 'Acme Corporation');"
        ),
    ),
    BaseStatement(
        "upd-accounts-sub",
        "postgres-docs:sql-update",
        (
            "UPDATE accounts SET (contact_first_name, contact_last_name) =\n"
            "    (SELECT first_name, last_name FROM employees\n"
            "     WHERE employees.id = accounts.sales_person);"
        ),
    ),
    BaseStatement(
        "upd-accounts-join",
        "postgres-docs:sql-update",
        (
            "UPDATE accounts SET contact_first_name = first_name,\n"
            "                    contact_last_name = last_name\n"
            "  FROM employees WHERE employees.id = accounts.sales_person;"
        ),
        near=[
            (
                (
                    "UPDATE accounts SET contact_first_name = first_name\n"
                    "  FROM employees WHERE employees.id = accounts.sales_person;"
                ),
                "one SET target fewer",
            )
        ],
        auto=1,
    ),
    BaseStatement(
        "upd-summary",
        "postgres-docs:sql-update",
        (
            "UPDATE summary s SET (sum_x, sum_y, avg_x, avg_y) =\n"
            "    (SELECT sum(x), sum(y), avg(x), avg(y) FROM data d\n"
            "     WHERE d.group_id = s.group_id);"
        ),
    ),
    BaseStatement(
        "upd-wines-insert",
        "postgres-docs:sql-update",
        "INSERT INTO wines VALUES('Chateau Lafite 2003', '24');",
    ),
    BaseStatement(
        "upd-wines-stock",
        "postgres-docs:sql-update",
        "UPDATE wines SET stock = stock + 24 WHERE winename = 'Chateau Lafite 2003';",
    ),
    BaseStatement(
        "upd-current-of",
        "postgres-docs:sql-update",
        "UPDATE films SET kind = 'Dramatic' WHERE CURRENT OF c_films;",
        near=[
            (
                "UPDATE films SET kind = 'Dramatic' WHERE CURRENT OF c_films2;",
                "cursor name c_films -> c_films2",
            )
        ],
        auto=0,
    ),
    BaseStatement(
        "upd-batch-ctid",
        "postgres-docs:sql-update",
        (
            "WITH exceeded_max_retries AS (\n  SELECT w.ctid FROM work_item AS w\n"
            "    WHERE w.status = 'active' AND w.num_retries > 10\n"
            "    ORDER BY w.retry_timestamp\n    FOR UPDATE\n    LIMIT 5000\n)\n"
            "UPDATE work_item SET status = 'failed'\n"
            "  FROM exceeded_max_retries AS emr\n  WHERE work_item.ctid = emr.ctid;"
        ),
        near=[
            (
                (
                    "WITH exceeded_max_retries AS (\n  SELECT w.ctid FROM work_item AS w\n"
                    "    WHERE w.status = 'active' AND w.num_retries > 10\n"
                    "    ORDER BY w.retry_timestamp\n    FOR UPDATE SKIP LOCKED\n"
                    "    LIMIT 5000\n)\nUPDATE work_item SET status = 'failed'\n"
                    "  FROM exceeded_max_retries AS emr\n  WHERE work_item.ctid = emr.ctid;"
                ),
                "added SKIP LOCKED",
            )
        ],
    ),
    BaseStatement(
        "del-using",
        "postgres-docs:sql-delete",
        (
            "DELETE FROM films USING producers\n"
            "  WHERE producer_id = producers.id AND producers.name = 'foo';"
        ),
    ),
    BaseStatement(
        "del-in-sub",
        "postgres-docs:sql-delete",
        (
            "DELETE FROM films\n  WHERE producer_id IN (SELECT id FROM producers "
            "WHERE name = 'foo');"
        ),
    ),
    BaseStatement(
        "del-not-musical", "postgres-docs:sql-delete", "DELETE FROM films WHERE kind <> 'Musical';"
    ),
    BaseStatement(
        "del-all",
        "postgres-docs:sql-delete",
        "DELETE FROM films;",
        near=[("TRUNCATE films;", "DELETE without WHERE -> TRUNCATE")],
        auto=1,
    ),
    BaseStatement(
        "del-returning",
        "postgres-docs:sql-delete",
        "DELETE FROM tasks WHERE status = 'DONE' RETURNING *;",
        near=[
            ("DELETE FROM tasks WHERE status = 'DONE' RETURNING id;", "RETURNING * -> RETURNING id")
        ],
    ),
    BaseStatement(
        "del-current-of",
        "postgres-docs:sql-delete",
        "DELETE FROM tasks WHERE CURRENT OF c_tasks;",
        near=[("DELETE FROM tasks WHERE CURRENT OF c_tasks RETURNING *;", "added RETURNING")],
        auto=0,
    ),
    BaseStatement(
        "del-batch",
        "postgres-docs:sql-delete",
        (
            "WITH delete_batch AS (\n  SELECT l.ctid FROM user_logs AS l\n"
            "    WHERE l.status = 'archived'\n    ORDER BY l.creation_date\n"
            "    FOR UPDATE\n    LIMIT 10000\n)\nDELETE FROM user_logs AS dl\n"
            "  USING delete_batch AS del\n  WHERE dl.ctid = del.ctid;"
        ),
    ),
    BaseStatement(
        "merge-customer",
        "postgres-docs:sql-merge",
        (
            "MERGE INTO customer_account ca\nUSING recent_transactions t\n"
            "ON t.customer_id = ca.customer_id\nWHEN MATCHED THEN\n"
            "  UPDATE SET balance = balance + transaction_value\n"
            "WHEN NOT MATCHED THEN\n  INSERT (customer_id, balance)\n"
            "  VALUES (t.customer_id, t.transaction_value);"
        ),
        near=[
            (
                (
                    "MERGE INTO customer_account ca\nUSING recent_transactions t\n"
                    "ON t.customer_id = ca.customer_id\nWHEN MATCHED THEN\n"
                    "  UPDATE SET balance = balance - transaction_value\n"
                    "WHEN NOT MATCHED THEN\n  INSERT (customer_id, balance)\n"
                    "  VALUES (t.customer_id, t.transaction_value);"
                ),
                "operator + -> -",
            ),
            (
                (
                    "MERGE INTO customer_account ca\nUSING recent_transactions t\n"
                    "ON t.customer_id = ca.customer_id\nWHEN MATCHED THEN\n  DELETE\n"
                    "WHEN NOT MATCHED THEN\n  INSERT (customer_id, balance)\n"
                    "  VALUES (t.customer_id, t.transaction_value);"
                ),
                "WHEN MATCHED action UPDATE -> DELETE",
            ),
        ],
        auto=0,
    ),
    BaseStatement(
        "merge-customer-sub",
        "postgres-docs:sql-merge",
        (
            "MERGE INTO customer_account ca\n"
            "USING (SELECT customer_id, transaction_value FROM "
            "recent_transactions) AS t\nON t.customer_id = ca.customer_id\n"
            "WHEN MATCHED THEN\n  UPDATE SET balance = balance + "
            "transaction_value\nWHEN NOT MATCHED THEN\n"
            "  INSERT (customer_id, balance)\n"
            "  VALUES (t.customer_id, t.transaction_value);"
        ),
        auto=1,
    ),
    BaseStatement(
        "merge-wines",
        "postgres-docs:sql-merge",
        (
            "MERGE INTO wines w\nUSING wine_stock_changes s\n"
            "ON s.winename = w.winename\n"
            "WHEN NOT MATCHED AND s.stock_delta > 0 THEN\n"
            "  INSERT VALUES(s.winename, s.stock_delta)\n"
            "WHEN MATCHED AND w.stock + s.stock_delta > 0 THEN\n"
            "  UPDATE SET stock = w.stock + s.stock_delta\nWHEN MATCHED THEN\n"
            "  DELETE\nRETURNING merge_action(), w.*;"
        ),
        near=[
            (
                (
                    "MERGE INTO wines w\nUSING wine_stock_changes s\n"
                    "ON s.winename = w.winename\n"
                    "WHEN NOT MATCHED AND s.stock_delta > 0 THEN\n"
                    "  INSERT VALUES(s.winename, s.stock_delta)\n"
                    "WHEN MATCHED AND w.stock + s.stock_delta > 0 THEN\n"
                    "  UPDATE SET stock = w.stock + s.stock_delta\nWHEN MATCHED THEN\n"
                    "  DELETE;"
                ),
                "RETURNING clause removed",
            )
        ],
    ),
    BaseStatement(
        "merge-wines-bysource",
        "postgres-docs:sql-merge",
        (
            "MERGE INTO wines w\nUSING new_wine_list s\n"
            "ON s.winename = w.winename\nWHEN NOT MATCHED BY TARGET THEN\n"
            "  INSERT VALUES(s.winename, s.stock)\n"
            "WHEN MATCHED AND w.stock != s.stock THEN\n"
            "  UPDATE SET stock = s.stock\nWHEN NOT MATCHED BY SOURCE THEN\n"
            "  DELETE;"
        ),
        near=[
            (
                (
                    "MERGE INTO wines w\nUSING new_wine_list s\n"
                    "ON s.winename = w.winename\nWHEN NOT MATCHED BY TARGET THEN\n"
                    "  INSERT VALUES(s.winename, s.stock)\n"
                    "WHEN MATCHED AND w.stock != s.stock THEN\n"
                    "  UPDATE SET stock = s.stock\nWHEN NOT MATCHED BY SOURCE THEN\n"
                    "  DO NOTHING;"
                ),
                "DELETE -> DO NOTHING",
            )
        ],
        auto=0,
    ),
    BaseStatement(
        "copy-stdout-pipe",
        "postgres-docs:sql-copy",
        "COPY country TO STDOUT (DELIMITER '|');",
        near=[("COPY country TO STDOUT (DELIMITER '|', HEADER);", "added HEADER option")],
        vary=True,
    ),
    BaseStatement(
        "copy-from-file",
        "postgres-docs:sql-copy",
        "COPY country FROM '/usr1/proj/bray/sql/country_data';",
        vary=True,
    ),
    BaseStatement(
        "copy-query-to",
        "postgres-docs:sql-copy",
        (
            "COPY (SELECT * FROM country WHERE country_name LIKE 'A%') TO "
            "'/usr1/proj/bray/sql/a_list_countries.copy';"
        ),
        vary=True,
    ),
    BaseStatement(
        "copy-program",
        "postgres-docs:sql-copy",
        "COPY country TO PROGRAM 'gzip > /usr1/proj/bray/sql/country_data.gz';",
        near=[("COPY country TO '/usr1/proj/bray/sql/country_data.gz';", "TO PROGRAM -> TO file")],
        auto=0,
    ),
    BaseStatement(
        "copy-from-stdin-csv",
        "postgres-docs:sql-copy",
        "COPY country (country_code, country_name) FROM STDIN WITH (FORMAT csv);",
        near=[
            (
                "COPY country (country_code, country_name) FROM STDIN WITH (FORMAT binary);",
                "FORMAT csv -> binary",
            ),
            (
                "COPY country (country_name, country_code) FROM STDIN WITH (FORMAT csv);",
                "column list order swapped",
            ),
        ],
        auto=0,
        note="built from the COPY synopsis (column list, FROM STDIN, FORMAT option)",
    ),
    BaseStatement(
        "call-maint",
        "postgres-docs:sql-call",
        "CALL do_db_maintenance();",
        near=[
            ("CALL do_db_maintenance2();", "procedure name do_db_maintenance -> do_db_maintenance2")
        ],
        auto=0,
    ),
    BaseStatement(
        "do-grant",
        "postgres-docs:sql-do",
        (
            "DO $$DECLARE r record;\nBEGIN\n"
            "    FOR r IN SELECT table_schema, table_name FROM "
            "information_schema.tables\n"
            "             WHERE table_type = 'VIEW' AND table_schema = 'public'\n"
            "    LOOP\n        EXECUTE 'GRANT ALL ON ' || "
            "quote_ident(r.table_schema) || '.' || quote_ident(r.table_name) || ' "
            "TO webuser';\n    END LOOP;\nEND$$;"
        ),
        auto=0,
    ),
    BaseStatement(
        "ct-films",
        "postgres-docs:sql-createtable",
        (
            "CREATE TABLE films (\n    code        char(5) CONSTRAINT firstkey "
            "PRIMARY KEY,\n    title       varchar(40) NOT NULL,\n"
            "    did         integer NOT NULL,\n    date_prod   date,\n"
            "    kind        varchar(10),\n"
            "    len         interval hour to minute\n);"
        ),
        near=[
            (
                (
                    "CREATE TABLE films (\n    code        char(5) CONSTRAINT firstkey "
                    "PRIMARY KEY,\n    title       varchar(40) NOT NULL,\n"
                    "    did         integer NOT NULL,\n    date_prod   date,\n"
                    "    kind        varchar(10),\n"
                    "    len         interval hour to second\n);"
                ),
                "interval hour to minute -> hour to second",
            ),
            (
                (
                    "CREATE TEMP TABLE films (\n"
                    "    code        char(5) CONSTRAINT firstkey PRIMARY KEY,\n"
                    "    title       varchar(40) NOT NULL,\n"
                    "    did         integer NOT NULL,\n    date_prod   date,\n"
                    "    kind        varchar(10),\n"
                    "    len         interval hour to minute\n);"
                ),
                "CREATE TABLE -> CREATE TEMP TABLE",
            ),
        ],
        auto=0,
    ),
    BaseStatement(
        "ct-distributors-identity",
        "postgres-docs:sql-createtable",
        (
            "CREATE TABLE distributors (\n"
            "     did    integer PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY,\n"
            "     name   varchar(40) NOT NULL CHECK (name <> '')\n);"
        ),
        near=[
            (
                (
                    "CREATE TABLE distributors (\n"
                    "     did    integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY,\n"
                    "     name   varchar(40) NOT NULL CHECK (name <> '')\n);"
                ),
                "GENERATED BY DEFAULT -> GENERATED ALWAYS",
            )
        ],
        auto=0,
    ),
    BaseStatement(
        "ct-array-int",
        "postgres-docs:sql-createtable",
        "CREATE TABLE array_int (\n    vector  int[][]\n);",
        near=[
            (
                "CREATE TABLE array_int (\n    vector  bigint[][]\n);",
                "column type int[] -> bigint[]",
            )
        ],
        auto=0,
    ),
    BaseStatement(
        "ct-as",
        "postgres-docs:sql-createtableas",
        "CREATE TABLE films_recent AS\n  SELECT * FROM films WHERE date_prod >= '2002-01-01';",
        near=[
            (
                (
                    "CREATE UNLOGGED TABLE films_recent AS\n"
                    "  SELECT * FROM films WHERE date_prod >= '2002-01-01';"
                ),
                "added UNLOGGED",
            )
        ],
    ),
    BaseStatement(
        "at-add-col",
        "postgres-docs:sql-altertable",
        "ALTER TABLE distributors ADD COLUMN address varchar(30);",
        near=[
            (
                "ALTER TABLE distributors ADD COLUMN IF NOT EXISTS address varchar(30);",
                "added IF NOT EXISTS",
            ),
            (
                "ALTER TABLE distributors ADD COLUMN address text;",
                "column type varchar(30) -> text",
            ),
        ],
        auto=0,
    ),
    BaseStatement(
        "at-add-col-default",
        "postgres-docs:sql-altertable",
        "ALTER TABLE measurements\n  ADD COLUMN mtime timestamp with time zone DEFAULT now();",
        near=[
            (
                (
                    "ALTER TABLE measurements\n"
                    "  ADD COLUMN mtime timestamp without time zone DEFAULT now();"
                ),
                "with time zone -> without time zone",
            )
        ],
        auto=0,
    ),
    BaseStatement(
        "at-add-status",
        "postgres-docs:sql-altertable",
        (
            "ALTER TABLE transactions\n"
            "  ADD COLUMN status varchar(30) DEFAULT 'old',\n"
            "  ALTER COLUMN status SET default 'current';"
        ),
        auto=0,
    ),
    BaseStatement(
        "at-drop-col",
        "postgres-docs:sql-altertable",
        "ALTER TABLE distributors DROP COLUMN address RESTRICT;",
        near=[("ALTER TABLE distributors DROP COLUMN address CASCADE;", "RESTRICT -> CASCADE")],
        auto=0,
    ),
    BaseStatement(
        "at-alter-types",
        "postgres-docs:sql-altertable",
        (
            "ALTER TABLE distributors\n    ALTER COLUMN address TYPE varchar(80),\n"
            "    ALTER COLUMN name TYPE varchar(100);"
        ),
        auto=0,
    ),
    BaseStatement(
        "at-using-epoch",
        "postgres-docs:sql-altertable",
        (
            "ALTER TABLE foo\n    ALTER COLUMN foo_timestamp SET DATA TYPE "
            "timestamp with time zone\n    USING\n"
            "        timestamp with time zone 'epoch' + foo_timestamp * interval "
            "'1 second';"
        ),
        auto=0,
    ),
    BaseStatement(
        "at-rename-col",
        "postgres-docs:sql-altertable",
        "ALTER TABLE distributors RENAME COLUMN address TO city;",
        near=[
            (
                "ALTER TABLE distributors RENAME COLUMN address TO town;",
                "new column name city -> town",
            )
        ],
        auto=0,
    ),
    BaseStatement(
        "at-rename-table",
        "postgres-docs:sql-altertable",
        "ALTER TABLE distributors RENAME TO suppliers;",
        near=[("ALTER TABLE IF EXISTS distributors RENAME TO suppliers;", "added IF EXISTS")],
        auto=0,
    ),
    BaseStatement(
        "at-set-not-null",
        "postgres-docs:sql-altertable",
        "ALTER TABLE distributors ALTER COLUMN street SET NOT NULL;",
        near=[
            (
                "ALTER TABLE distributors ALTER COLUMN street DROP NOT NULL;",
                "SET NOT NULL -> DROP NOT NULL",
            )
        ],
        auto=0,
    ),
    BaseStatement(
        "at-add-check",
        "postgres-docs:sql-altertable",
        "ALTER TABLE distributors ADD CONSTRAINT zipchk CHECK (char_length(zipcode) = 5);",
        near=[
            (
                (
                    "ALTER TABLE distributors ADD CONSTRAINT zipchk CHECK "
                    "(char_length(zipcode) = 5) NO INHERIT;"
                ),
                "added NO INHERIT",
            )
        ],
        vary=True,
        auto=0,
    ),
    BaseStatement(
        "at-drop-constraint",
        "postgres-docs:sql-altertable",
        "ALTER TABLE distributors DROP CONSTRAINT zipchk;",
        near=[("ALTER TABLE distributors DROP CONSTRAINT IF EXISTS zipchk;", "added IF EXISTS")],
        auto=0,
    ),
    BaseStatement(
        "at-add-fk",
        "postgres-docs:sql-altertable",
        (
            "ALTER TABLE distributors ADD CONSTRAINT distfk FOREIGN KEY (address) "
            "REFERENCES addresses (address);"
        ),
        near=[
            (
                (
                    "ALTER TABLE distributors ADD CONSTRAINT distfk FOREIGN KEY (address) "
                    "REFERENCES addresses (address) NOT VALID;"
                ),
                "added NOT VALID",
            )
        ],
        auto=0,
    ),
    BaseStatement(
        "at-add-unique",
        "postgres-docs:sql-altertable",
        "ALTER TABLE distributors ADD CONSTRAINT dist_id_zipcode_key UNIQUE (dist_id, zipcode);",
        auto=0,
    ),
    BaseStatement(
        "at-add-pk",
        "postgres-docs:sql-altertable",
        "ALTER TABLE distributors ADD PRIMARY KEY (dist_id);",
        near=[("ALTER TABLE distributors ADD UNIQUE (dist_id);", "PRIMARY KEY -> UNIQUE")],
        auto=0,
    ),
    BaseStatement(
        "with-regional",
        "postgres-docs:queries-with",
        (
            "WITH regional_sales AS (\n"
            "    SELECT region, SUM(amount) AS total_sales\n    FROM orders\n"
            "    GROUP BY region\n), top_regions AS (\n    SELECT region\n"
            "    FROM regional_sales\n"
            "    WHERE total_sales > (SELECT SUM(total_sales)/10 FROM "
            "regional_sales)\n)\nSELECT region,\n       product,\n"
            "       SUM(quantity) AS product_units,\n"
            "       SUM(amount) AS product_sales\nFROM orders\n"
            "WHERE region IN (SELECT region FROM top_regions)\n"
            "GROUP BY region, product;"
        ),
    ),
    BaseStatement(
        "with-recursive-sum",
        "postgres-docs:queries-with",
        (
            "WITH RECURSIVE t(n) AS (\n    VALUES (1)\n  UNION ALL\n"
            "    SELECT n+1 FROM t WHERE n < 100\n)\nSELECT sum(n) FROM t;"
        ),
    ),
    BaseStatement(
        "with-parts",
        "postgres-docs:queries-with",
        (
            "WITH RECURSIVE included_parts(sub_part, part, quantity) AS (\n"
            "    SELECT sub_part, part, quantity FROM parts WHERE part = "
            "'our_product'\n  UNION ALL\n"
            "    SELECT p.sub_part, p.part, p.quantity * pr.quantity\n"
            "    FROM included_parts pr, parts p\n    WHERE p.part = pr.sub_part\n"
            ")\nSELECT sub_part, SUM(quantity) as total_quantity\n"
            "FROM included_parts\nGROUP BY sub_part;"
        ),
    ),
    BaseStatement(
        "with-search-depth",
        "postgres-docs:queries-with",
        (
            "WITH RECURSIVE search_tree(id, link, data) AS (\n"
            "    SELECT t.id, t.link, t.data\n    FROM tree t\n  UNION ALL\n"
            "    SELECT t.id, t.link, t.data\n    FROM tree t, search_tree st\n"
            "    WHERE t.id = st.link\n) SEARCH DEPTH FIRST BY id SET ordercol\n"
            "SELECT * FROM search_tree ORDER BY ordercol;"
        ),
        near=[
            (
                (
                    "WITH RECURSIVE search_tree(id, link, data) AS (\n"
                    "    SELECT t.id, t.link, t.data\n    FROM tree t\n  UNION ALL\n"
                    "    SELECT t.id, t.link, t.data\n    FROM tree t, search_tree st\n"
                    "    WHERE t.id = st.link\n) SEARCH BREADTH FIRST BY id SET ordercol\n"
                    "SELECT * FROM search_tree ORDER BY ordercol;"
                ),
                "SEARCH DEPTH FIRST -> BREADTH FIRST",
            )
        ],
        auto=0,
    ),
    BaseStatement(
        "with-cycle",
        "postgres-docs:queries-with",
        (
            "WITH RECURSIVE search_graph(id, link, data, depth) AS (\n"
            "    SELECT g.id, g.link, g.data, 1\n    FROM graph g\n  UNION ALL\n"
            "    SELECT g.id, g.link, g.data, sg.depth + 1\n"
            "    FROM graph g, search_graph sg\n    WHERE g.id = sg.link\n"
            ") CYCLE id SET is_cycle USING path\nSELECT * FROM search_graph;"
        ),
        auto=1,
    ),
    BaseStatement(
        "with-cycle-array",
        "postgres-docs:queries-with",
        (
            "WITH RECURSIVE search_graph(id, link, data, depth, is_cycle, path) AS "
            "(\n    SELECT g.id, g.link, g.data, 0,\n      false,\n"
            "      ARRAY[g.id]\n    FROM graph g\n  UNION ALL\n"
            "    SELECT g.id, g.link, g.data, sg.depth + 1,\n"
            "      g.id = ANY(path),\n      path || g.id\n"
            "    FROM graph g, search_graph sg\n"
            "    WHERE g.id = sg.link AND NOT is_cycle\n)\n"
            "SELECT * FROM search_graph;"
        ),
    ),
    BaseStatement(
        "with-moved-rows",
        "postgres-docs:queries-with",
        (
            "WITH moved_rows AS (\n    DELETE FROM products\n    WHERE\n"
            "        \"date\" >= '2010-10-01' AND\n"
            "        \"date\" < '2010-11-01'\n    RETURNING *\n)\n"
            "INSERT INTO products_log\nSELECT * FROM moved_rows;"
        ),
    ),
    BaseStatement(
        "with-update-select",
        "postgres-docs:queries-with",
        (
            "WITH t AS (\n    UPDATE products SET price = price * 1.05\n"
            "    RETURNING *\n)\nSELECT * FROM products;"
        ),
        near=[
            (
                (
                    "WITH t AS (\n    UPDATE products SET price = price * 1.05\n"
                    "    RETURNING *\n)\nSELECT * FROM t;"
                ),
                "outer query reads t instead of products",
            )
        ],
    ),
    BaseStatement(
        "with-limit-inf",
        "postgres-docs:queries-with",
        (
            "WITH RECURSIVE t(n) AS (\n    SELECT 1\n  UNION ALL\n"
            "    SELECT n+1 FROM t\n)\nSELECT n FROM t LIMIT 100;"
        ),
    ),
    BaseStatement(
        "with-materialized",
        "postgres-docs:queries-with",
        (
            "WITH w AS MATERIALIZED (\n    SELECT * FROM big_table\n)\n"
            "SELECT * FROM w AS w1 JOIN w AS w2 ON w1.key = w2.ref\n"
            "WHERE w2.key = 123;"
        ),
        near=[
            (
                (
                    "WITH w AS NOT MATERIALIZED (\n    SELECT * FROM big_table\n)\n"
                    "SELECT * FROM w AS w1 JOIN w AS w2 ON w1.key = w2.ref\n"
                    "WHERE w2.key = 123;"
                ),
                "MATERIALIZED -> NOT MATERIALIZED",
            )
        ],
    ),
    BaseStatement(
        "qte-fdt-gt", "postgres-docs:queries-table-expressions", "SELECT * FROM fdt WHERE c1 > 5"
    ),
    BaseStatement(
        "qte-fdt-in",
        "postgres-docs:queries-table-expressions",
        "SELECT * FROM fdt WHERE c1 IN (1, 2, 3)",
    ),
    BaseStatement(
        "qte-fdt-in-sub",
        "postgres-docs:queries-table-expressions",
        "SELECT * FROM fdt WHERE c1 IN (SELECT c1 FROM t2)",
    ),
    BaseStatement(
        "qte-fdt-in-corr",
        "postgres-docs:queries-table-expressions",
        "SELECT * FROM fdt WHERE c1 IN (SELECT c3 FROM t2 WHERE c2 = fdt.c1 + 10)",
    ),
    BaseStatement(
        "qte-fdt-between",
        "postgres-docs:queries-table-expressions",
        "SELECT * FROM fdt WHERE c1 BETWEEN (SELECT c3 FROM t2 WHERE c2 = fdt.c1 + 10) AND 100",
        near=[
            (
                (
                    "SELECT * FROM fdt WHERE c1 NOT BETWEEN (SELECT c3 FROM t2 WHERE c2 = "
                    "fdt.c1 + 10) AND 100"
                ),
                "BETWEEN -> NOT BETWEEN",
            )
        ],
    ),
    BaseStatement(
        "qte-fdt-exists",
        "postgres-docs:queries-table-expressions",
        "SELECT * FROM fdt WHERE EXISTS (SELECT c1 FROM t2 WHERE c2 > fdt.c1)",
    ),
    BaseStatement(
        "qte-group-x",
        "postgres-docs:queries-table-expressions",
        "SELECT x, sum(y) FROM test1 GROUP BY x;",
    ),
    BaseStatement(
        "qte-group-using",
        "postgres-docs:queries-table-expressions",
        (
            "SELECT product_id, p.name, (sum(s.units) * p.price) AS sales\n"
            "    FROM products p LEFT JOIN sales s USING (product_id)\n"
            "    GROUP BY product_id, p.name, p.price;"
        ),
    ),
    BaseStatement(
        "qte-grouping-sets",
        "postgres-docs:queries-table-expressions",
        (
            "SELECT brand, size, sum(sales) FROM items_sold GROUP BY GROUPING SETS "
            "((brand), (size), ());"
        ),
        near=[
            (
                "SELECT brand, size, sum(sales) FROM items_sold GROUP BY ROLLUP (brand, size);",
                "GROUPING SETS -> ROLLUP",
            ),
            (
                "SELECT brand, size, sum(sales) FROM items_sold GROUP BY CUBE (brand, size);",
                "GROUPING SETS -> CUBE",
            ),
        ],
        auto=0,
    ),
    BaseStatement(
        "qte-lateral-sub",
        "postgres-docs:queries-table-expressions",
        "SELECT * FROM foo, LATERAL (SELECT * FROM bar WHERE bar.id = foo.bar_id) ss;",
        near=[
            (
                "SELECT * FROM foo, (SELECT * FROM bar WHERE bar.id = foo.bar_id) ss;",
                "LATERAL keyword removed",
            )
        ],
    ),
    BaseStatement(
        "qte-lateral-null",
        "postgres-docs:queries-table-expressions",
        (
            "SELECT m.name\nFROM manufacturers m LEFT JOIN LATERAL "
            "get_product_names(m.id) pname ON true\nWHERE pname IS NULL;"
        ),
    ),
    BaseStatement(
        "qte-rows-from",
        "postgres-docs:queries-table-expressions",
        (
            "SELECT *\nFROM ROWS FROM\n    (\n"
            '        json_to_recordset(\'[{"a":40,"b":"foo"},{"a":"100","b":"bar"}]'
            "')\n            AS (a INTEGER, b TEXT),\n"
            "        generate_series(1, 3)\n    ) AS x (p, q, s)\nORDER BY p;"
        ),
        alts={'\'[{"a":40,"b":"foo"},{"a":"100","b":"bar"}]\'': ['\'[{"a":1,"b":"x"}]\'', "'[]'"]},
    ),
    BaseStatement(
        "qte-cross-join",
        "postgres-docs:queries-table-expressions",
        "SELECT * FROM t1 CROSS JOIN t2;",
        near=[("SELECT * FROM t1 NATURAL JOIN t2;", "CROSS JOIN -> NATURAL JOIN")],
    ),
    BaseStatement(
        "qte-inner-on",
        "postgres-docs:queries-table-expressions",
        "SELECT * FROM t1 INNER JOIN t2 ON t1.num = t2.num;",
    ),
    BaseStatement(
        "qte-using",
        "postgres-docs:queries-table-expressions",
        "SELECT * FROM t1 INNER JOIN t2 USING (num);",
    ),
    BaseStatement(
        "qte-left-on-and",
        "postgres-docs:queries-table-expressions",
        "SELECT * FROM t1 LEFT JOIN t2 ON t1.num = t2.num AND t2.value = 'xxx';",
        near=[
            (
                "SELECT * FROM t1 LEFT JOIN t2 ON t1.num = t2.num WHERE t2.value = 'xxx';",
                "condition moved from ON to WHERE",
            )
        ],
    ),
    BaseStatement(
        "qte-tablesample",
        "postgres-docs:queries-table-expressions",
        "SELECT * FROM my_table TABLESAMPLE BERNOULLI (10) REPEATABLE (42);",
        near=[
            (
                "SELECT * FROM my_table TABLESAMPLE SYSTEM (10) REPEATABLE (42);",
                "BERNOULLI -> SYSTEM",
            )
        ],
        note="TABLESAMPLE syntax from the table-expressions page",
    ),
    BaseStatement(
        "json-arrow-idx",
        "postgres-docs:functions-json",
        'SELECT \'[{"a":"foo"},{"b":"bar"},{"c":"baz"}]\'::json -> 2;',
        alts={'\'[{"a":"foo"},{"b":"bar"},{"c":"baz"}]\'': ["'[1, 2, 3]'", "'[{\"z\": null}]'"]},
    ),
    BaseStatement(
        "json-arrow-key",
        "postgres-docs:functions-json",
        'SELECT \'{"a": {"b":"foo"}}\'::json -> \'a\';',
    ),
    BaseStatement(
        "json-arrow2-idx",
        "postgres-docs:functions-json",
        "SELECT '[1,2,3]'::json ->> 2;",
        alts={"'[1,2,3]'": ["'[4,5]'", "'[]'"]},
    ),
    BaseStatement(
        "json-arrow2-key",
        "postgres-docs:functions-json",
        "SELECT '{\"a\":1,\"b\":2}'::json ->> 'b';",
    ),
    BaseStatement(
        "json-path-op",
        "postgres-docs:functions-json",
        'SELECT \'{"a": {"b": ["foo","bar"]}}\'::json #> \'{a,b,1}\';',
    ),
    BaseStatement(
        "json-path-text",
        "postgres-docs:functions-json",
        'SELECT \'{"a": {"b": ["foo","bar"]}}\'::json #>> \'{a,b,1}\';',
    ),
    BaseStatement(
        "json-contains",
        "postgres-docs:functions-json",
        'SELECT \'{"a":1, "b":2}\'::jsonb @> \'{"b":2}\'::jsonb;',
    ),
    BaseStatement(
        "json-exists-key",
        "postgres-docs:functions-json",
        "SELECT '{\"a\":1, \"b\":2}'::jsonb ? 'b';",
        near=[("SELECT '{\"a\":1, \"b\":2}'::jsonb ?| array['b'];", "operator ? -> ?|")],
    ),
    BaseStatement(
        "json-exists-any",
        "postgres-docs:functions-json",
        "SELECT '{\"a\":1, \"b\":2, \"c\":3}'::jsonb ?| array['b', 'd'];",
    ),
    BaseStatement(
        "json-exists-all",
        "postgres-docs:functions-json",
        "SELECT '[\"a\", \"b\", \"c\"]'::jsonb ?& array['a', 'b'];",
    ),
    BaseStatement(
        "json-concat",
        "postgres-docs:functions-json",
        'SELECT \'["a", "b"]\'::jsonb || \'["a", "d"]\'::jsonb;',
    ),
    BaseStatement(
        "json-delete-path",
        "postgres-docs:functions-json",
        "SELECT '[\"a\", {\"b\":1}]'::jsonb #- '{1,b}';",
    ),
    BaseStatement(
        "json-path-exists",
        "postgres-docs:functions-json",
        "SELECT '{\"a\":[1,2,3,4,5]}'::jsonb @? '$.a[*] ? (@ > 2)';",
        near=[("SELECT '{\"a\":[1,2,3,4,5]}'::jsonb @@ '$.a[*] > 2';", "operator @? -> @@")],
        auto=0,
    ),
    BaseStatement(
        "json-build-object",
        "postgres-docs:functions-json",
        "SELECT json_build_object('foo', 1, 2, row(3,'bar'));",
    ),
    BaseStatement(
        "json-each",
        "postgres-docs:functions-json",
        'SELECT * FROM json_each(\'{"a":"foo", "b":"bar"}\');',
        near=[
            (
                'SELECT * FROM json_each_text(\'{"a":"foo", "b":"bar"}\');',
                "function json_each -> json_each_text",
            )
        ],
    ),
    BaseStatement(
        "jsonb-set",
        "postgres-docs:functions-json",
        "SELECT jsonb_set('[{\"f1\":1,\"f2\":null},2,null,3]', '{0,f1}', '[2,3,4]', false);",
        near=[
            (
                (
                    "SELECT jsonb_set('[{\"f1\":1,\"f2\":null},2,null,3]', '{0,f1}', "
                    "'[2,3,4]', true);"
                ),
                "create_if_missing false -> true",
            )
        ],
        auto=0,
    ),
    BaseStatement(
        "arr-ins-sal",
        "postgres-docs:arrays",
        (
            "INSERT INTO sal_emp\n    VALUES ('Bill',\n"
            "    '{10000, 10000, 10000, 10000}',\n"
            '    \'{{"meeting", "lunch"}, {"training", "presentation"}}\');'
        ),
    ),
    BaseStatement(
        "arr-ins-sal-ctor",
        "postgres-docs:arrays",
        (
            "INSERT INTO sal_emp\n    VALUES ('Bill',\n"
            "    ARRAY[10000, 10000, 10000, 10000],\n"
            "    ARRAY[['meeting', 'lunch'], ['training', 'presentation']]);"
        ),
    ),
    BaseStatement(
        "arr-subscript-neq",
        "postgres-docs:arrays",
        "SELECT name FROM sal_emp WHERE pay_by_quarter[1] <> pay_by_quarter[2];",
    ),
    BaseStatement(
        "arr-subscript", "postgres-docs:arrays", "SELECT pay_by_quarter[3] FROM sal_emp;"
    ),
    BaseStatement(
        "arr-slice",
        "postgres-docs:arrays",
        "SELECT schedule[1:2][1:1] FROM sal_emp WHERE name = 'Bill';",
        near=[
            ("SELECT schedule[1:2] FROM sal_emp WHERE name = 'Bill';", "one slice dimension fewer")
        ],
    ),
    BaseStatement(
        "arr-update-lit",
        "postgres-docs:arrays",
        (
            "UPDATE sal_emp SET pay_by_quarter = '{25000,25000,27000,27000}'\n"
            "    WHERE name = 'Carol';"
        ),
    ),
    BaseStatement(
        "arr-update-ctor",
        "postgres-docs:arrays",
        (
            "UPDATE sal_emp SET pay_by_quarter = ARRAY[25000,25000,27000,27000]\n"
            "    WHERE name = 'Carol';"
        ),
    ),
    BaseStatement(
        "arr-any",
        "postgres-docs:arrays",
        "SELECT * FROM sal_emp WHERE 10000 = ANY (pay_by_quarter);",
        near=[("SELECT * FROM sal_emp WHERE 10000 = ALL (pay_by_quarter);", "ANY -> ALL")],
        auto=0,
    ),
    BaseStatement(
        "arr-dims",
        "postgres-docs:arrays",
        "SELECT array_dims(schedule) FROM sal_emp WHERE name = 'Carol';",
        near=[
            (
                "SELECT array_length(schedule, 1) FROM sal_emp WHERE name = 'Carol';",
                "function array_dims -> array_length",
            )
        ],
        auto=0,
    ),
    BaseStatement(
        "arr-overlap",
        "postgres-docs:arrays",
        "SELECT * FROM sal_emp WHERE pay_by_quarter && ARRAY[10000];",
    ),
    BaseStatement("arr-cat", "postgres-docs:arrays", "SELECT ARRAY[1,2] || ARRAY[3,4];"),
    BaseStatement(
        "rng-insert",
        "postgres-docs:rangetypes",
        "INSERT INTO reservation VALUES\n    (1108, '[2010-01-01 14:30, 2010-01-01 15:30)');",
    ),
    BaseStatement(
        "rng-contains",
        "postgres-docs:rangetypes",
        "SELECT int4range(10, 20) @> 3;",
        near=[("SELECT int4range(10, 20) <@ 3;", "operator @> -> <@")],
    ),
    BaseStatement(
        "rng-overlap",
        "postgres-docs:rangetypes",
        "SELECT numrange(11.1, 22.2) && numrange(20.0, 30.0);",
    ),
    BaseStatement("rng-upper", "postgres-docs:rangetypes", "SELECT upper(int8range(15, 25));"),
    BaseStatement(
        "rng-intersect", "postgres-docs:rangetypes", "SELECT int4range(10, 20) * int4range(15, 25);"
    ),
    BaseStatement("rng-isempty", "postgres-docs:rangetypes", "SELECT isempty(numrange(1, 5));"),
    BaseStatement(
        "rng-cast",
        "postgres-docs:rangetypes",
        "SELECT '[3,7)'::int4range;",
        near=[("SELECT '[3,7)'::int8range;", "cast ::int4range -> ::int8range")],
        auto=0,
    ),
    BaseStatement("rng-bounds", "postgres-docs:rangetypes", "SELECT numrange(1.0, 14.0, '(]');"),
    BaseStatement(
        "rng-multi",
        "postgres-docs:rangetypes",
        "SELECT '{[3,7), [8,9)}'::int4multirange;",
        alts={"'{[3,7), [8,9)}'": ["'{[1,2)}'", "'{}'"]},
    ),
    BaseStatement(
        "lex-continuation",
        "postgres-docs:sql-syntax-lexical",
        "SELECT 'foo'\n'bar';",
        near=[("SELECT 'foo', 'bar';", "two literals instead of one continued string")],
        auto=0,
    ),
    BaseStatement(
        "lex-uescape", "postgres-docs:sql-syntax-lexical", "SELECT U&'d!0061t!+000061' UESCAPE '!';"
    ),
    BaseStatement(
        "lex-unicode", "postgres-docs:sql-syntax-lexical", "SELECT U&'\\0441\\043B\\043E\\043D';"
    ),
    BaseStatement("lex-dollar", "postgres-docs:sql-syntax-lexical", "SELECT $$Dianne's horse$$;"),
    BaseStatement(
        "lex-dollar-tag",
        "postgres-docs:sql-syntax-lexical",
        "SELECT $SomeTag$Dianne's horse$SomeTag$;",
    ),
    BaseStatement(
        "lex-numbers",
        "postgres-docs:sql-syntax-lexical",
        "SELECT 42, 3.5, 4., .001, 5e2, 1.925e-3;",
        near=[("SELECT 42, 3.5, 4., .001, 5e2;", "one select-list item fewer")],
        auto=0,
    ),
    BaseStatement(
        "lex-nondecimal",
        "postgres-docs:sql-syntax-lexical",
        "SELECT 0b100101, 0o273, 0x42F, 1_500_000_000;",
    ),
    BaseStatement(
        "lex-typed-real",
        "postgres-docs:sql-syntax-lexical",
        "SELECT REAL '1.23';",
        near=[
            ("SELECT '1.23';", "typed literal REAL '...' -> untyped string"),
            ("SELECT '1.23'::real;", "REAL '...' -> '...'::real (cast syntax)"),
        ],
        auto=0,
    ),
    BaseStatement(
        "lex-cast-real",
        "postgres-docs:sql-syntax-lexical",
        "SELECT '1.23'::REAL;",
        near=[("SELECT '1.23'::float8;", "cast ::real -> ::float8")],
        auto=0,
    ),
    BaseStatement("lex-escape", "postgres-docs:sql-syntax-lexical", "SELECT E'\\\\x\\'y\\tz';"),
    BaseStatement("expr-array", "postgres-docs:sql-expressions", "SELECT ARRAY[1,2,3+4];"),
    BaseStatement(
        "expr-array-cast", "postgres-docs:sql-expressions", "SELECT ARRAY[1,2,22.7]::integer[];"
    ),
    BaseStatement(
        "expr-array-2d", "postgres-docs:sql-expressions", "SELECT ARRAY[ARRAY[1,2], ARRAY[3,4]];"
    ),
    BaseStatement(
        "expr-array-sub",
        "postgres-docs:sql-expressions",
        "SELECT ARRAY(SELECT oid FROM pg_proc WHERE proname LIKE 'bytea%');",
    ),
    BaseStatement(
        "expr-row", "postgres-docs:sql-expressions", "SELECT ROW(1,2.5,'this is a test');"
    ),
    BaseStatement(
        "expr-agg-order",
        "postgres-docs:sql-expressions",
        "SELECT array_agg(a ORDER BY b DESC) FROM tbl;",
        note="adapted: table -> tbl",
    ),
    BaseStatement(
        "expr-string-agg",
        "postgres-docs:sql-expressions",
        "SELECT string_agg(a, ',' ORDER BY a) FROM tbl;",
        near=[("SELECT string_agg(a, ',') FROM tbl;", "ORDER BY inside the aggregate removed")],
        note="adapted: table -> tbl",
    ),
    BaseStatement(
        "expr-within-group",
        "postgres-docs:sql-expressions",
        "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY income) FROM households;",
        near=[
            (
                "SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY income) FROM households;",
                "percentile_cont -> percentile_disc",
            )
        ],
    ),
    BaseStatement(
        "expr-filter",
        "postgres-docs:sql-expressions",
        (
            "SELECT\n    count(*) AS unfiltered,\n"
            "    count(*) FILTER (WHERE i < 5) AS filtered\n"
            "FROM generate_series(1,10) AS s(i);"
        ),
    ),
    BaseStatement(
        "expr-scalar-sub",
        "postgres-docs:sql-expressions",
        (
            "SELECT name, (SELECT max(pop) FROM cities WHERE cities.state = "
            "states.name)\n    FROM states;"
        ),
    ),
    BaseStatement(
        "expr-cast-fn",
        "handwritten:edge-cases",
        "SELECT CAST(42 AS float8);",
        near=[("SELECT CAST(42 AS numeric);", "CAST target float8 -> numeric")],
        auto=0,
    ),
    BaseStatement(
        "expr-case",
        "postgres-docs:functions-conditional",
        (
            "SELECT a,\n       CASE WHEN a=1 THEN 'one'\n"
            "            WHEN a=2 THEN 'two'\n            ELSE 'other'\n"
            "       END\n    FROM test;"
        ),
        near=[
            (
                (
                    "SELECT a,\n       CASE WHEN a=1 THEN 'one'\n"
                    "            WHEN a=2 THEN 'two'\n       END\n    FROM test;"
                ),
                "ELSE branch removed",
            )
        ],
    ),
    BaseStatement(
        "expr-case-simple",
        "postgres-docs:functions-conditional",
        (
            "SELECT a,\n       CASE a WHEN 1 THEN 'one'\n"
            "              WHEN 2 THEN 'two'\n              ELSE 'other'\n"
            "       END\n    FROM test;"
        ),
    ),
    BaseStatement(
        "expr-coalesce",
        "postgres-docs:functions-conditional",
        "SELECT COALESCE(description, short_description, '(none)') FROM test;",
    ),
    BaseStatement(
        "dt-extract-year",
        "postgres-docs:functions-datetime",
        "SELECT EXTRACT(YEAR FROM TIMESTAMP '2001-02-16 20:38:40');",
        near=[
            (
                "SELECT EXTRACT(MONTH FROM TIMESTAMP '2001-02-16 20:38:40');",
                "EXTRACT field YEAR -> MONTH (keyword, not a literal)",
            )
        ],
        auto=0,
    ),
    BaseStatement(
        "dt-trunc",
        "postgres-docs:functions-datetime",
        "SELECT date_trunc('hour', TIMESTAMP '2001-02-16 20:38:40');",
        near=[
            (
                "SELECT date_trunc('hour', TIMESTAMPTZ '2001-02-16 20:38:40');",
                "typed literal TIMESTAMP -> TIMESTAMPTZ",
            )
        ],
        auto=0,
    ),
    BaseStatement(
        "dt-part-interval",
        "postgres-docs:functions-datetime",
        "SELECT date_part('hour', INTERVAL '4 hours 3 minutes');",
    ),
    BaseStatement(
        "dt-at-tz",
        "postgres-docs:functions-datetime",
        "SELECT TIMESTAMP '2001-02-16 20:38:40' AT TIME ZONE 'America/Denver';",
        near=[
            ("SELECT TIMESTAMP '2001-02-16 20:38:40' AT LOCAL;", "AT TIME ZONE '...' -> AT LOCAL")
        ],
        auto=0,
    ),
    BaseStatement(
        "dt-age",
        "postgres-docs:functions-datetime",
        "SELECT age(timestamp '2001-04-10', timestamp '1957-06-13');",
    ),
    BaseStatement(
        "dt-overlaps",
        "postgres-docs:functions-datetime",
        (
            "SELECT (DATE '2001-02-16', DATE '2001-12-21') OVERLAPS\n"
            "       (DATE '2001-10-30', DATE '2002-10-30');"
        ),
    ),
    BaseStatement(
        "ts-match",
        "postgres-docs:textsearch",
        "SELECT to_tsvector('fat cats ate fat rats') @@ to_tsquery('fat & rat');",
    ),
    BaseStatement(
        "ts-pgweb",
        "postgres-docs:textsearch",
        (
            "SELECT title\nFROM pgweb\n"
            "WHERE to_tsvector('english', body) @@ to_tsquery('english', 'friend');"
        ),
        near=[
            (
                (
                    "SELECT title\nFROM pgweb\n"
                    "WHERE to_tsvector('english', body) @@ plainto_tsquery('english', "
                    "'friend');"
                ),
                "to_tsquery -> plainto_tsquery",
            )
        ],
        auto=0,
    ),
    BaseStatement(
        "ts-rank",
        "postgres-docs:textsearch",
        (
            "SELECT title, ts_rank_cd(textsearch, query) AS rank\n"
            "FROM apod, to_tsquery('neutrino|(dark & matter)') query\n"
            "WHERE query @@ textsearch\nORDER BY rank DESC\nLIMIT 10;"
        ),
    ),
    BaseStatement(
        "values-standalone",
        "postgres-docs:sql-values",
        "VALUES (1, 'one'), (2, 'two'), (3, 'three');",
        near=[
            (
                "VALUES (1, 'one', 1), (2, 'two', 2), (3, 'three', 3);",
                "each row has one more column",
            )
        ],
        auto=0,
    ),
    BaseStatement(
        "values-from",
        "postgres-docs:sql-values",
        "SELECT * FROM (VALUES (1, 'one'), (2, 'two'), (3, 'three')) AS t (num,letter);",
    ),
    BaseStatement(
        "values-update-from",
        "postgres-docs:sql-values",
        (
            "UPDATE employees SET salary = salary * v.increase\n"
            "  FROM (VALUES(1, 200000, 1.2), (2, 400000, 1.4)) AS v (depno, "
            "target, increase)\n  WHERE employees.depno = v.depno AND "
            "employees.sales >= v.target;"
        ),
    ),
    BaseStatement(
        "values-in",
        "postgres-docs:sql-values",
        (
            "SELECT * FROM machines\n"
            "WHERE ip_address IN (VALUES('192.168.0.1'::inet), ('192.168.0.10'), "
            "('192.168.1.43'));"
        ),
        alts={
            "'192.168.0.1'": ["'10.0.0.1'", "'172.16.4.2'"],
            "'192.168.0.10'": ["'10.1.2.3'", "'127.0.0.1'"],
            "'192.168.1.43'": ["'8.8.8.8'", "'1.1.1.1'"],
        },
    ),
    BaseStatement(
        "prepare-insert",
        "postgres-docs:sql-prepare",
        (
            "PREPARE fooplan (int, text, bool, numeric) AS\n"
            "    INSERT INTO foo VALUES($1, $2, $3, $4);"
        ),
        near=[
            (
                (
                    "PREPARE fooplan (int, text, bool, numeric) AS\n"
                    "    INSERT INTO foo2 VALUES($1, $2, $3, $4);"
                ),
                "table foo -> foo2 (numeric suffix)",
            )
        ],
        auto=0,
    ),
    BaseStatement(
        "execute-plan",
        "postgres-docs:sql-prepare",
        "EXECUTE fooplan(1, 'Hunter Valley', 't', 200.00);",
        near=[
            (
                "EXECUTE fooplan2(1, 'Hunter Valley', 't', 200.00);",
                "prepared statement fooplan -> fooplan2",
            )
        ],
        vary=True,
        auto=0,
    ),
    BaseStatement(
        "declare-cursor",
        "postgres-docs:sql-declare",
        "DECLARE liahona CURSOR FOR SELECT * FROM films;",
        near=[("DECLARE liahona SCROLL CURSOR FOR SELECT * FROM films;", "added SCROLL")],
        auto=0,
    ),
    BaseStatement(
        "fetch-cursor",
        "postgres-docs:sql-fetch",
        "FETCH FORWARD 5 FROM liahona;",
        near=[("FETCH BACKWARD 5 FROM liahona;", "FORWARD -> BACKWARD")],
        vary=True,
        auto=0,
    ),
    BaseStatement(
        "lock-share",
        "postgres-docs:sql-lock",
        "LOCK TABLE films IN SHARE MODE;",
        near=[
            ("LOCK TABLE films IN SHARE ROW EXCLUSIVE MODE;", "SHARE -> SHARE ROW EXCLUSIVE"),
            ("LOCK TABLE films IN SHARE MODE NOWAIT;", "added NOWAIT"),
        ],
        auto=0,
    ),
    BaseStatement(
        "truncate-two",
        "postgres-docs:sql-truncate",
        "TRUNCATE bigtable, fattable;",
        near=[
            ("TRUNCATE bigtable, fattable RESTART IDENTITY;", "added RESTART IDENTITY"),
            ("TRUNCATE bigtable;", "one table fewer"),
        ],
        auto=0,
    ),
    BaseStatement(
        "truncate-cascade",
        "postgres-docs:sql-truncate",
        "TRUNCATE othertable CASCADE;",
        near=[("TRUNCATE othertable RESTRICT;", "CASCADE -> RESTRICT")],
        auto=0,
    ),
    BaseStatement(
        "ci-unique",
        "postgres-docs:sql-createindex",
        "CREATE UNIQUE INDEX title_idx ON films (title);",
        near=[
            ("CREATE INDEX title_idx ON films (title);", "UNIQUE removed"),
            (
                "CREATE UNIQUE INDEX title_idx ON films (title) NULLS NOT DISTINCT;",
                "added NULLS NOT DISTINCT",
            ),
        ],
        auto=0,
    ),
    BaseStatement(
        "ci-expr",
        "postgres-docs:sql-createindex",
        "CREATE INDEX ON films ((lower(title)));",
        near=[("CREATE INDEX ON films ((upper(title)));", "function lower -> upper")],
        auto=0,
    ),
    BaseStatement(
        "ci-nulls",
        "postgres-docs:sql-createindex",
        "CREATE INDEX title_idx_nulls_low ON films (title NULLS FIRST);",
        near=[
            (
                "CREATE INDEX title_idx_nulls_low ON films (title NULLS LAST);",
                "NULLS FIRST -> NULLS LAST",
            )
        ],
        auto=0,
    ),
    BaseStatement(
        "ci-gin",
        "postgres-docs:sql-createindex",
        "CREATE INDEX gin_idx ON documents_table USING GIN (locations) WITH (fastupdate = off);",
        near=[
            (
                (
                    "CREATE INDEX gin_idx ON documents_table USING GIN (locations) WITH "
                    "(fastupdate = on);"
                ),
                "fastupdate off -> on",
            )
        ],
        auto=0,
    ),
    BaseStatement(
        "ci-concurrently",
        "postgres-docs:sql-createindex",
        "CREATE INDEX CONCURRENTLY sales_quantity_index ON sales_table (quantity);",
        near=[
            ("CREATE INDEX sales_quantity_index ON sales_table (quantity);", "CONCURRENTLY removed")
        ],
        auto=0,
    ),
    BaseStatement(
        "cv-hello",
        "postgres-docs:sql-createview",
        "CREATE VIEW vista AS SELECT 'Hello World';",
        vary=True,
    ),
    BaseStatement(
        "cv-comedies",
        "postgres-docs:sql-createview",
        "CREATE VIEW comedies AS\n    SELECT *\n    FROM films\n    WHERE kind = 'Comedy';",
        near=[
            (
                (
                    "CREATE VIEW comedies AS\n    SELECT *\n    FROM films\n"
                    "    WHERE kind = 'Comedy'\n    WITH LOCAL CHECK OPTION;"
                ),
                "added WITH LOCAL CHECK OPTION",
            )
        ],
        auto=0,
    ),
    BaseStatement(
        "cv-recursive",
        "postgres-docs:sql-createview",
        (
            "CREATE RECURSIVE VIEW public.nums_1_100 (n) AS\n    VALUES (1)\n"
            "UNION ALL\n    SELECT n+1 FROM nums_1_100 WHERE n < 100;"
        ),
        auto=0,
    ),
    BaseStatement(
        "cf-add-sql",
        "postgres-docs:sql-createfunction",
        (
            "CREATE FUNCTION add(integer, integer) RETURNS integer\n"
            "    AS 'select $1 + $2;'\n    LANGUAGE SQL\n    IMMUTABLE\n"
            "    RETURNS NULL ON NULL INPUT;"
        ),
        near=[
            (
                (
                    "CREATE FUNCTION add(integer, integer) RETURNS integer\n"
                    "    AS 'select $1 + $2;'\n    LANGUAGE SQL\n    STABLE\n"
                    "    RETURNS NULL ON NULL INPUT;"
                ),
                "IMMUTABLE -> STABLE",
            )
        ],
        auto=0,
    ),
    BaseStatement(
        "cf-add-return",
        "postgres-docs:sql-createfunction",
        (
            "CREATE FUNCTION add(a integer, b integer) RETURNS integer\n"
            "    LANGUAGE SQL\n    IMMUTABLE\n    RETURNS NULL ON NULL INPUT\n"
            "    RETURN a + b;"
        ),
        near=[
            (
                (
                    "CREATE FUNCTION add(a integer, b integer) RETURNS integer\n"
                    "    LANGUAGE SQL\n    IMMUTABLE\n    RETURNS NULL ON NULL INPUT\n"
                    "    RETURN a - b;"
                ),
                "RETURN a + b -> a - b",
            )
        ],
        auto=0,
    ),
    BaseStatement(
        "cf-increment",
        "postgres-docs:sql-createfunction",
        (
            "CREATE OR REPLACE FUNCTION increment(i integer) RETURNS integer AS "
            "$$\n        BEGIN\n                RETURN i + 1;\n        END;\n"
            "$$ LANGUAGE plpgsql;"
        ),
        near=[
            (
                (
                    "CREATE OR REPLACE FUNCTION increment(i bigint) RETURNS integer AS $$\n"
                    "        BEGIN\n                RETURN i + 1;\n        END;\n"
                    "$$ LANGUAGE plpgsql;"
                ),
                "argument type integer -> bigint",
            )
        ],
        auto=0,
    ),
    BaseStatement(
        "cf-dup",
        "postgres-docs:sql-createfunction",
        (
            "CREATE FUNCTION dup(in int, out f1 int, out f2 text)\n"
            "    AS $$ SELECT $1, CAST($1 AS text) || ' is text' $$\n"
            "    LANGUAGE SQL;"
        ),
        auto=0,
    ),
    BaseStatement("cf-dup-call", "postgres-docs:sql-createfunction", "SELECT * FROM dup(42);"),
    BaseStatement(
        "set-search-path",
        "postgres-docs:sql-set",
        "SET search_path TO my_schema, public;",
        near=[
            ("SET LOCAL search_path TO my_schema, public;", "SET -> SET LOCAL"),
            ("SET search_path TO public, my_schema;", "search_path order swapped"),
        ],
        auto=0,
    ),
    BaseStatement(
        "set-tz",
        "postgres-docs:sql-set",
        "SET TIME ZONE 'PST8PDT';",
        near=[("SET TIME ZONE LOCAL;", "literal time zone -> LOCAL")],
        vary=True,
        auto=0,
    ),
    BaseStatement(
        "show-datestyle",
        "postgres-docs:sql-show",
        "SHOW DateStyle;",
        near=[("SHOW TimeZone;", "setting DateStyle -> TimeZone")],
        auto=0,
    ),
    BaseStatement(
        "listen",
        "postgres-docs:sql-listen",
        "LISTEN virtual;",
        near=[("UNLISTEN virtual;", "LISTEN -> UNLISTEN")],
        auto=0,
    ),
    BaseStatement(
        "notify-payload",
        "postgres-docs:sql-notify",
        "NOTIFY virtual, 'This is the payload';",
        near=[("NOTIFY virtual;", "payload removed")],
        vary=True,
        auto=0,
    ),
    BaseStatement(
        "pg-notify", "postgres-docs:sql-notify", "SELECT pg_notify('fo' || 'o', 'pay' || 'load');"
    ),
    BaseStatement(
        "comment-on",
        "postgres-docs:sql-comment",
        "COMMENT ON TABLE mytable IS 'This is my table.';",
        near=[("COMMENT ON TABLE mytable IS NULL;", "comment literal -> NULL")],
        vary=True,
        auto=0,
    ),
    BaseStatement(
        "grant-insert",
        "postgres-docs:sql-grant",
        "GRANT INSERT ON films TO PUBLIC;",
        near=[
            ("GRANT SELECT ON films TO PUBLIC;", "privilege INSERT -> SELECT"),
            ("REVOKE INSERT ON films FROM PUBLIC;", "GRANT -> REVOKE"),
        ],
        auto=0,
    ),
    BaseStatement(
        "ctype-enum",
        "postgres-docs:sql-createtype",
        "CREATE TYPE bug_status AS ENUM ('new', 'open', 'closed');",
        auto=0,
    ),
    BaseStatement(
        "ctype-comp",
        "postgres-docs:sql-createtype",
        "CREATE TYPE compfoo AS (f1 int, f2 text);",
        near=[("CREATE TYPE compfoo AS (f1 int, f2 text, f3 int);", "one attribute more")],
        auto=0,
    ),
    BaseStatement(
        "cseq",
        "postgres-docs:sql-createsequence",
        "CREATE SEQUENCE serial START 101;",
        near=[("CREATE SEQUENCE serial START 101 CYCLE;", "added CYCLE")],
        vary=True,
        auto=0,
    ),
    BaseStatement(
        "nextval",
        "postgres-docs:sql-createsequence",
        "SELECT nextval('serial');",
        near=[("SELECT currval('serial');", "nextval -> currval")],
        auto=0,
    ),
    BaseStatement(
        "cdomain",
        "postgres-docs:sql-createdomain",
        (
            "CREATE DOMAIN us_postal_code AS TEXT\nCHECK(\n   VALUE ~ '^\\d{5}$'\n"
            "OR VALUE ~ '^\\d{5}-\\d{4}$'\n);"
        ),
        auto=0,
    ),
    BaseStatement(
        "analyze",
        "postgres-docs:sql-analyze",
        "ANALYZE VERBOSE films;",
        near=[("ANALYZE films;", "VERBOSE removed")],
        auto=0,
        note="ANALYZE synopsis",
    ),
    BaseStatement(
        "vacuum",
        "postgres-docs:sql-vacuum",
        "VACUUM (VERBOSE, ANALYZE) onek;",
        near=[("VACUUM (VERBOSE) onek;", "ANALYZE option removed")],
        auto=0,
    ),
    BaseStatement(
        "explain-select",
        "postgres-docs:sql-explain",
        "EXPLAIN SELECT * FROM foo;",
        near=[("EXPLAIN ANALYZE SELECT * FROM foo;", "added ANALYZE")],
        auto=0,
    ),
    BaseStatement(
        "begin-work",
        "postgres-docs:sql-begin",
        "BEGIN WORK;",
        near=[("BEGIN ISOLATION LEVEL SERIALIZABLE;", "added isolation level")],
        auto=0,
        note="from the command synopsis",
    ),
    BaseStatement(
        "commit",
        "postgres-docs:sql-commit",
        "COMMIT;",
        near=[("ROLLBACK;", "COMMIT -> ROLLBACK")],
        auto=0,
    ),
    BaseStatement(
        "discard",
        "postgres-docs:sql-discard",
        "DISCARD ALL;",
        near=[("DISCARD PLANS;", "ALL -> PLANS")],
        auto=0,
        note="from the command synopsis",
    ),
    BaseStatement(
        "reset-all",
        "postgres-docs:sql-reset",
        "RESET ALL;",
        near=[("RESET timezone;", "RESET ALL -> RESET timezone")],
        auto=0,
        note="from the command synopsis",
    ),
    BaseStatement(
        "checkpoint",
        "postgres-docs:sql-checkpoint",
        "CHECKPOINT;",
        auto=0,
        note="from the command synopsis",
    ),
    BaseStatement(
        "string-funcs",
        "postgres-docs:functions-string",
        "SELECT substring('Thomas' from 2 for 3);",
        near=[("SELECT substring('Thomas' from 2);", "FOR length removed")],
        auto=0,
    ),
    BaseStatement(
        "trim-both",
        "postgres-docs:functions-string",
        "SELECT trim(both 'xyz' from 'yxTomxx');",
        near=[("SELECT trim(leading 'xyz' from 'yxTomxx');", "both -> leading")],
        auto=0,
    ),
    BaseStatement(
        "regexp-replace",
        "postgres-docs:functions-string",
        "SELECT regexp_replace('Thomas', '.[mN]a.', 'M');",
    ),
    BaseStatement("concat-op", "postgres-docs:functions-string", "SELECT 'Post' || 'greSQL';"),
    BaseStatement(
        "is-distinct",
        "handwritten:edge-cases",
        "SELECT * FROM test WHERE a IS DISTINCT FROM 5;",
        near=[
            (
                "SELECT * FROM test WHERE a IS NOT DISTINCT FROM 5;",
                "IS DISTINCT FROM -> IS NOT DISTINCT FROM",
            )
        ],
        auto=0,
    ),
    BaseStatement(
        "generate-series",
        "postgres-docs:functions-srf",
        "SELECT * FROM generate_series(2,4);",
        near=[("SELECT * FROM generate_series(2,4,2);", "one more argument")],
        auto=0,
    ),
    BaseStatement(
        "gs-timestamps",
        "postgres-docs:functions-srf",
        (
            "SELECT * FROM generate_series('2008-03-01 00:00'::timestamp,\n"
            "                              '2008-03-04 12:00', '10 hours');"
        ),
    ),
]
