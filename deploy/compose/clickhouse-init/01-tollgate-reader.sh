#!/bin/bash
# Creates tollgate_reader, the read-only user that `tollgate query` and the console run
# analysts' queries as (clickhouse.server.query_username). Its profile pins readonly = 1 and
# turns introspection off, and it holds SELECT on the tollgate database only: no FILE, URL,
# REMOTE or other source grants, so file(), url() and remote() are refused by the server
# itself whatever the query's text. The clickhouse-server image runs this once, on first start.
set -euo pipefail
reader_password=$(cat /run/secrets/clickhouse_reader_password)
clickhouse client --user "$CLICKHOUSE_USER" --password "$(cat "$CLICKHOUSE_PASSWORD_FILE")" --multiquery <<SQL
CREATE SETTINGS PROFILE IF NOT EXISTS tollgate_reader SETTINGS
    readonly = 1 CONST, allow_introspection_functions = 0 CONST, allow_ddl = 0 CONST,
    max_execution_time = 300, max_result_rows = 1000000, result_overflow_mode = 'throw';
CREATE USER IF NOT EXISTS tollgate_reader IDENTIFIED WITH sha256_password BY '${reader_password}'
    SETTINGS PROFILE 'tollgate_reader';
GRANT SELECT ON ${CLICKHOUSE_DB}.* TO tollgate_reader;
SQL
