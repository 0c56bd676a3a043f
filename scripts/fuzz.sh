#!/usr/bin/env bash
# Runs every fuzz target of the module for a short time each (default 5s):
#   scripts/fuzz.sh [SECONDS]
# go test can fuzz one target per invocation, so this finds them and loops.
set -euo pipefail
secs="${1:-5}"
cd "$(dirname "$0")/.."
status=0
while IFS=: read -r file name; do
  pkg="./$(dirname "$file")"
  echo "fuzz $pkg $name (${secs}s)"
  if ! go test -run='^$' -fuzz="^${name}\$" -fuzztime="${secs}s" "$pkg" >/tmp/tollgate-fuzz.log 2>&1; then
    cat /tmp/tollgate-fuzz.log
    status=1
  fi
done < <(grep -rHo --include='*_test.go' '^func Fuzz[A-Za-z0-9_]*' . | sed 's|^\./||; s|:func |:|' | sort)
exit $status
