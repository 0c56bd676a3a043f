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
  # Minimizing a new interesting input is bounded too: targets that call the engine execute
  # slowly enough that the default 60 s minimization outlasts a short run.
  run() { go test -run='^$' -fuzz="^${name}\$" -fuzztime="${secs}s" -fuzzminimizetime=2s "$pkg" >/tmp/tollgate-fuzz.log 2>&1; }
  if ! run; then
    # A found crasher is written to testdata and named in the log: that always fails. Go's
    # fuzz coordinator can also end a busy run with a bare "context deadline exceeded" and
    # no input; that is the harness, not the code, so such a run is tried once more.
    if ! grep -q "Failing input written" /tmp/tollgate-fuzz.log && grep -q "context deadline exceeded" /tmp/tollgate-fuzz.log; then
      echo "  (fuzz harness timed out without a failing input; running $name again)"
      run && continue
    fi
    cat /tmp/tollgate-fuzz.log
    status=1
  fi
done < <(grep -rHo --include='*_test.go' '^func Fuzz[A-Za-z0-9_]*' . | sed 's|^\./||; s|:func |:|' | sort)
exit $status
