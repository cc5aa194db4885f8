#!/bin/bash
# The 10k demo load with two checkouts of the code, back to back, each on a fresh local server:
#   git worktree add /tmp/before <commit> && (cd /tmp/before && make install)
#   bench/load_compare.sh /tmp/before .
# Prints each side's wall time, CPU, peak RSS and the loader's identity and totals lines.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
export NEO4J_BOLT_PORT=${NEO4J_BOLT_PORT:-17690} NEO4J_DATA_DIR=$here/.neo4j/load-compare \
  NEO4J_HEAP=3g NEO4J_PAGECACHE=3g NEO4J_PASSWORD=customer360-bench NEO4J_HOME=$here/.neo4j
for dir in "$@"; do
  dir=$(cd "$dir" && pwd)
  "$here/.venv/bin/c360" neo4j start --fresh > /dev/null
  (cd "$dir" && .venv/bin/c360 db migrate > /dev/null)
  echo "== $dir at $(git -C "$dir" log --oneline -1 | cut -c1-8), load average $(cut -d' ' -f1 /proc/loadavg)"
  out=$(mktemp)
  (cd "$dir" && /usr/bin/time -f "wall %e s, user %U s, sys %S s, max RSS %M KB" \
    .venv/bin/c360 load run "$here/mappings/demo.yaml" --base "$here/var/demo" \
    --rejects "$out.rejects.jsonl" 2>&1 > "$out" | grep -v '^{' | tail -1)
  grep -E "^identity|rows read" "$out"
  "$here/.venv/bin/c360" neo4j stop > /dev/null
done
