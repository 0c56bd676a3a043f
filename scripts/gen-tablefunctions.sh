#!/usr/bin/env bash
# Regenerates internal/clickhouse/tablefunctions.txt, the list of the pinned engine's table functions
# that the read-only guard refuses unless allow-listed, from the engine itself
# (SELECT name FROM system.table_functions). Run it after changing scripts/libchdb.sh's version.
set -euo pipefail
cd "$(dirname "$0")/.."
TOLLGATE_CHDB_LIB=$(scripts/libchdb.sh) TOLLGATE_WRITE_TABLE_FUNCTIONS="$PWD/internal/clickhouse/tablefunctions.txt" \
  go test -count=1 -run '^TestTableFunctionCatalogueMatchesEngine$' ./internal/clickhouse/ >/dev/null
echo "internal/clickhouse/tablefunctions.txt: $(grep -vc '^#' internal/clickhouse/tablefunctions.txt) table functions"
