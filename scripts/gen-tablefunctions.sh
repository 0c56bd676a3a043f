#!/usr/bin/env bash
# Regenerates auditor/tablefunctions.txt, the list of the pinned engine's table functions
# that the read-only guard refuses unless allow-listed, from the engine itself
# (SELECT name FROM system.table_functions). Run it after changing scripts/libchdb.sh's version.
set -euo pipefail
cd "$(dirname "$0")/.."
TOLLGATE_CHDB_LIB=$(scripts/libchdb.sh) TOLLGATE_WRITE_TABLE_FUNCTIONS="$PWD/auditor/tablefunctions.txt" \
  go test -count=1 -run '^TestTableFunctionCatalogueMatchesEngine$' ./auditor/ >/dev/null
echo "auditor/tablefunctions.txt: $(grep -vc '^#' auditor/tablefunctions.txt) table functions"
